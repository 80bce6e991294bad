// Frontmatter: split the YAML block off a file, parse it (yaml, aliases bounded), validate it with zod, report by line.
import { isMap, LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { describeValue } from '../errors.js';
import { type Problem, SPEC_ID_PATTERN, SPEC_STATUSES, type SpecDoc, type SpecStatus } from './types.js';

const stringList = z
  .union([z.string(), z.array(z.union([z.string(), z.number()]))])
  .transform((v) => (Array.isArray(v) ? v.map(String) : [v]));

/** Known keys; anything else is kept as written. Each field is checked alone so one bad value loses only itself. */
export const FrontmatterFieldSchemas = {
  id: z.string().regex(SPEC_ID_PATTERN, 'letters, digits, ".", "_", "-" and "/" only'),
  title: z.string().min(1),
  summary: z.string(),
  version: z.union([z.string(), z.number()]).transform(String),
  status: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(SPEC_STATUSES)),
  owners: stringList,
  reviewers: stringList,
  applies_to: stringList,
  supersedes: stringList,
  tags: stringList,
  inclusion: z.string(),
} as const;

type FieldName = keyof typeof FrontmatterFieldSchemas;

interface ParsedFrontmatter {
  data: Record<string, unknown>;
  fields: {
    id?: string;
    title?: string;
    summary?: string;
    version?: string;
    status?: SpecStatus;
    owners?: string[];
    reviewers?: string[];
    applies_to?: string[];
    supersedes?: string[];
    tags?: string[];
    inclusion?: string;
  };
  /** Body with the frontmatter block removed. */
  body: string;
  /** 1-based file line on which the body starts. */
  bodyLine: number;
  problems: Problem[];
  /** A YAML syntax error makes the file unservable: its metadata cannot be trusted. */
  fatal: boolean;
}

/** Expects LF line endings. */
export function parseFrontmatter(file: string, text: string): ParsedFrontmatter {
  const empty = { data: {}, fields: {}, body: text, bodyLine: 1, problems: [] as Problem[], fatal: false };
  if (!/^---[ \t]*\n/.test(text)) return empty;
  const lines = text.split('\n');
  let close = -1;
  for (let i = 1; i < lines.length; i++) {
    if (/^(---|\.\.\.)[ \t]*$/.test(lines[i]!)) {
      close = i;
      break;
    }
  }
  if (close < 0) {
    return {
      ...empty,
      fatal: true,
      problems: [
        {
          file,
          line: 1,
          rule: 'frontmatter-syntax',
          severity: 'error',
          message: 'frontmatter opened with "---" on line 1 is never closed',
          hint: 'close the YAML block with a line holding only "---"',
        },
      ],
    };
  }
  const body = lines.slice(close + 1).join('\n');
  const bodyLine = close + 2;
  const yaml = parseYaml(lines.slice(1, close).join('\n'));
  if (!yaml.ok) {
    return {
      data: {},
      fields: {},
      body,
      bodyLine,
      fatal: true,
      problems: [
        {
          file,
          // The YAML text starts on the file's line 2, after the opening `---`.
          line: yaml.line + 1,
          rule: 'frontmatter-syntax',
          severity: 'error',
          message: `invalid YAML in frontmatter: ${yaml.reason}`,
          hint: yaml.hint,
        },
      ],
    };
  }
  let data = yaml.data as Record<string, unknown>;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) data = {};
  const problems: Problem[] = [];
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(FrontmatterFieldSchemas) as FieldName[]) {
    if (data[key] === undefined || data[key] === null) continue;
    const fast = acceptPlainField(key, data[key]);
    if (fast !== undefined) {
      fields[key] = fast;
      continue;
    }
    const parsed = FrontmatterFieldSchemas[key].safeParse(data[key]);
    if (parsed.success) fields[key] = parsed.data;
    else {
      problems.push({
        file,
        line: lineOfKey(lines, close, key),
        rule: 'frontmatter-schema',
        severity: 'error',
        message: `frontmatter "${key}": ${issueSummary(parsed.error.issues)} (got ${describeValue(data[key])})`,
        hint: key === 'status' ? `use one of: ${SPEC_STATUSES.join(', ')}` : `fix or remove "${key}"`,
      });
    }
  }
  return { data, fields: fields as ParsedFrontmatter['fields'], body, bodyLine, problems, fatal: false };
}

const STATUSES: ReadonlySet<string> = new Set(SPEC_STATUSES);

/**
 * The value FrontmatterFieldSchemas[key] gives for the plain, valid shapes nearly every file uses, or undefined to
 * let zod decide (and word the error). Saves zod's union attempts, each failing branch building an issue: about
 * 5% of start-up at 100k clauses (bench/README.md).
 */
function acceptPlainField(key: FieldName, value: unknown): unknown {
  switch (key) {
    case 'id':
      return typeof value === 'string' && SPEC_ID_PATTERN.test(value) ? value : undefined;
    case 'title':
      return typeof value === 'string' && value.length > 0 ? value : undefined;
    case 'summary':
    case 'inclusion':
      return typeof value === 'string' ? value : undefined;
    case 'version':
      return typeof value === 'string' ? value : undefined;
    case 'status': {
      const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
      return lower !== undefined && STATUSES.has(lower) ? lower : undefined;
    }
    default:
      if (typeof value === 'string') return [value];
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value];
      return undefined;
  }
}

/** The first few of zod's issues: a list of 20k wrong items gives 20k of them. */
function issueSummary(issues: readonly { message: string }[]): string {
  const shown = issues.slice(0, 3).map((i) => i.message);
  return issues.length > shown.length
    ? `${shown.join('; ')}; and ${issues.length - shown.length} more`
    : shown.join('; ');
}

function lineOfKey(lines: readonly string[], close: number, key: string, fallback = 1): number {
  for (let i = 1; i < close; i++) if (lines[i]!.startsWith(`${key}:`)) return i + 1;
  return fallback;
}

/** The 1-based file line of a top-level frontmatter key, or `fallback` when the key is not written. */
export function frontmatterLine(spec: Pick<SpecDoc, 'frontmatterText'>, key: string, fallback = 1): number {
  const lines = spec.frontmatterText.split('\n');
  return lineOfKey(lines, lines.length, key, fallback);
}

/**
 * yaml's own bound on alias expansion (its default, named here because it is a security property): an alias may
 * stand for at most this many nodes, counting what the aliases inside it stand for. Frontmatter that shares a list
 * or two stays far below it; a "billion laughs" of nine anchors, each nine aliases of the one before (379 bytes,
 * 9^9 strings once expanded), is refused at its fourth anchor instead of taking 20–30 s and gigabytes.
 */
const MAX_ALIAS_COUNT = 100;

const YAML_OPTIONS = {
  // The YAML 1.2 core schema (no timestamps: `date: 2024-05-01` stays the string it is written as), with `<<` merge
  // keys, which js-yaml (the engine before) read too.
  schema: 'core',
  merge: true,
  maxAliasCount: MAX_ALIAS_COUNT,
} as const;

const YAML_HINT = 'fix the YAML, e.g.\n---\nid: auth\nstatus: approved\nowners: [security-team]\n---';

type YamlOutcome = { ok: true; data: unknown } | { ok: false; line: number; reason: string; hint: string };

/** Parses the YAML between the delimiters; `line` of a failure is 1-based within `text`. */
function parseYaml(text: string): YamlOutcome {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    return {
      ok: false,
      line: lineCounter.linePos(error.pos[0]).line,
      reason: error.message.split('\n')[0]!,
      hint: YAML_HINT,
    };
  }
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {} };
  } catch (cause) {
    if (!(cause instanceof ReferenceError)) throw cause;
    // yaml says that an alias expands too far (or names an anchor never set), not where: the first top-level key
    // whose value alone trips the same check is where to look, else the first alias.
    return {
      ok: false,
      line: lineCounter.linePos(aliasOffset(doc)).line,
      reason: cause.message,
      hint: `aliases (*name) may stand for at most ${MAX_ALIAS_COUNT} values in all; write the values out, or share less`,
    };
  }
}

function aliasOffset(doc: ReturnType<typeof parseDocument>): number {
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const node = pair.value as { toJS?: (d: unknown, o: unknown) => unknown; range?: number[] } | null;
      try {
        node?.toJS?.(doc, { maxAliasCount: MAX_ALIAS_COUNT });
      } catch {
        return (pair.key as { range?: number[] } | null)?.range?.[0] ?? node?.range?.[0] ?? 0;
      }
    }
  }
  let first = 0;
  visit(doc, {
    Alias(_key, node) {
      first = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return first;
}
