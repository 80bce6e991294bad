// Frontmatter: split the YAML block off a file (gray-matter), validate it with zod, and report problems by line.
import matter from 'gray-matter';
import { z } from 'zod';
import type { Problem, SpecStatus } from './types.js';

const stringList = z
  .union([z.string(), z.array(z.union([z.string(), z.number()]))])
  .transform((v) => (Array.isArray(v) ? v.map(String) : [v]));

/** Known keys; anything else is kept as written. Each field is checked alone so one bad value loses only itself. */
export const FrontmatterFieldSchemas = {
  id: z.string().regex(/^[\w.-]+(\/[\w.-]+)*$/, 'letters, digits, ".", "_", "-" and "/" only'),
  title: z.string().min(1),
  summary: z.string(),
  version: z.union([z.string(), z.number()]).transform(String),
  status: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['draft', 'proposed', 'approved', 'deprecated'])),
  owners: stringList,
  reviewers: stringList,
  applies_to: stringList,
  supersedes: stringList,
  tags: stringList,
  inclusion: z.string(),
} as const;

type FieldName = keyof typeof FrontmatterFieldSchemas;

export interface ParsedFrontmatter {
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
  let data: Record<string, unknown>;
  try {
    data = (matter(lines.slice(0, close + 1).join('\n'), {}).data ?? {}) as Record<string, unknown>;
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? String(error);
    return {
      data: {},
      fields: {},
      body,
      bodyLine,
      fatal: true,
      problems: [
        {
          file,
          // js-yaml counts from the opening `---` line (gray-matter hands it the text after `---`, newline first).
          line: (mark?.line ?? 0) + 1,
          rule: 'frontmatter-syntax',
          severity: 'error',
          message: `invalid YAML in frontmatter: ${reason}`,
          hint: 'fix the YAML, e.g.\n---\nid: auth\nstatus: approved\nowners: [security-team]\n---',
        },
      ],
    };
  }
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
        message: `frontmatter "${key}": ${parsed.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(data[key])})`,
        hint:
          key === 'status' ? 'use one of: draft, proposed, approved, deprecated' : `fix or remove "${key}"`,
      });
    }
  }
  return { data, fields: fields as ParsedFrontmatter['fields'], body, bodyLine, problems, fatal: false };
}

const SPEC_ID_RE = /^[\w.-]+(\/[\w.-]+)*$/;
const STATUSES: ReadonlySet<string> = new Set(['draft', 'proposed', 'approved', 'deprecated']);

/**
 * The value FrontmatterFieldSchemas[key] gives for the plain, valid shapes nearly every file uses, or undefined to
 * let zod decide (and word the error). Saves zod's union attempts, each failing branch building an issue: about
 * 5% of start-up at 100k clauses (bench/README.md).
 */
function acceptPlainField(key: FieldName, value: unknown): unknown {
  switch (key) {
    case 'id':
      return typeof value === 'string' && SPEC_ID_RE.test(value) ? value : undefined;
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

function lineOfKey(lines: readonly string[], close: number, key: string): number {
  for (let i = 1; i < close; i++) if (lines[i]!.startsWith(`${key}:`)) return i + 1;
  return 1;
}
