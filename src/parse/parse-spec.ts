// parseSpec: one file's text → a SpecDoc with its clause tree, IDs, digests and token counts. Pure: no I/O.
import { dropLeadingId, parseAnchor, parseBoldId, plainTitle, slugify } from './clause-ids.js';
import { clauseObject, lazyClauseTokens } from './clause-object.js';
import { createGlobCompiler, type GlobCompiler } from './code-globs.js';
import { digestOf, dropTrailingNewlines, sha256Hex, stripTrailingBlanks } from './digest.js';
import { formatFor } from './formats/index.js';
import { frontmatterLine, parseFrontmatter } from './frontmatter.js';
import { roleOf } from './labels.js';
import { type Block, createMarkdownScanner, type MarkdownScanner } from './markdown.js';
import type { TokenCounter } from './tokens.js';
import type { Clause, IdSource, Problem, SpecDoc, SpecMeta } from './types.js';

export interface ParseContext {
  scanner: MarkdownScanner;
  tokens: TokenCounter;
  globs: GlobCompiler;
}

/**
 * What one load of a tree parses with: its files share the scanner, the token counts and the compiled globs (the
 * roots of a federation share one compiler: repositories of one organisation repeat their globs).
 */
export function createParseContext(
  tokens: TokenCounter,
  globs: GlobCompiler = createGlobCompiler(),
): ParseContext {
  return { scanner: createMarkdownScanner(), tokens, globs };
}

export interface ParseResult {
  /** Null when the file cannot be served (e.g. broken frontmatter); its problems say why. */
  doc: SpecDoc | null;
  problems: Problem[];
}

interface Draft {
  kind: Block['kind'];
  id: string;
  idSource: IdSource;
  title: string;
  attrs: Readonly<Record<string, string>>;
  start: number;
  end: number;
  parent: Draft | null;
  children: Draft[];
  depth: number;
}

/**
 * A file's parse is one synchronous step, about 17 µs per clause on this 2-core machine (dominated by garbage
 * collection): 20,000 `## Example` headings held every other client for 0.46 s during live reload. 2,000 headings
 * parse in ~35 ms, and are ten times the largest spec in the public corpora, so past that a file is refused.
 */
const MAX_HEADINGS_PER_FILE = 2000;

/** The 0-based body line of the heading past the limit, or null; ATX headings are counted before any parsing. */
function headingOverflow(lines: readonly string[]): number | null {
  let headings = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.charCodeAt(0) === 35 /* # */ && /^#{1,6}(\s|$)/.test(line) && ++headings > MAX_HEADINGS_PER_FILE)
      return i;
  }
  return null;
}

/** Spec IDs default to the path without `.md`: predictable, and unique per file by construction. */
function specIdFromPath(path: string): string {
  return path.replace(/\.md$/i, '').replace(/\s+/g, '-');
}

export function parseSpec(path: string, rawText: string, ctx: ParseContext): ParseResult {
  const text = rawText.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, '');
  const fm = parseFrontmatter(path, text);
  if (fm.fatal) return { doc: null, problems: fm.problems };
  const problems = [...fm.problems];
  const format = formatFor(path);
  const defaults = format.defaults?.(path, fm.data) ?? {};
  const bodyLines = fm.body.split('\n');
  const crowded = headingOverflow(bodyLines);
  if (crowded !== null) {
    problems.push({
      file: path,
      line: fm.bodyLine + crowded,
      rule: 'oversize',
      severity: 'error',
      message: `more than ${MAX_HEADINGS_PER_FILE} headings; not served (the largest spec in the public corpora has about 200)`,
      hint: 'split the file into several specs',
    });
    return { doc: null, problems };
  }
  const blocks = ctx.scanner.scan(fm.body);

  // A lone first-level heading that opens the document is its title, not a clause.
  const h1s = blocks.filter((b) => b.kind === 'heading' && b.level === 1);
  const firstHeading = blocks.find((b) => b.kind === 'heading');
  const titleBlock =
    firstHeading && h1s.length === 1 && firstHeading === h1s[0] && !parseAnchor(firstHeading.inline)
      ? firstHeading
      : null;

  const drafts = buildDrafts(blocks, titleBlock, format, path, fm.bodyLine, problems);
  const specId = fm.fields.id ?? specIdFromPath(path);
  const clauses = finishClauses(drafts, specId, fm.body, bodyLines, fm.bodyLine, ctx.tokens);

  const firstParagraph = blocks.find((b) => b.kind === 'item' && b.listDepth === 0 && !parseBoldId(b.inline));
  const meta: SpecMeta = {
    id: specId,
    title:
      fm.fields.title ??
      defaults.title ??
      (titleBlock ? plainTitle(titleBlock.inline) : path.split('/').pop()!.replace(/\.md$/i, '')),
    summary: fm.fields.summary ?? defaults.summary ?? summarize(firstParagraph?.inline ?? ''),
    version: fm.fields.version ?? '0.0.0',
    status: fm.fields.status ?? defaults.status ?? 'draft',
    owners: fm.fields.owners ?? [],
    reviewers: fm.fields.reviewers ?? [],
    appliesTo: usableGlobs(
      fm.fields.applies_to ?? defaults.appliesTo ?? [],
      fm.fields.applies_to ? 'applies_to' : 'fileMatchPattern',
      path,
      text.slice(0, text.length - fm.body.length),
      problems,
      ctx.globs,
    ),
    supersedes: fm.fields.supersedes ?? [],
    tags: fm.fields.tags ?? [],
    inclusion: fm.fields.inclusion === 'always' ? 'always' : (defaults.inclusion ?? 'on-request'),
    frontmatter: fm.data,
  };
  let bodyTokens: number | undefined;
  const kind = format.kind(path);
  const declaredStatus = fm.fields.status ?? defaults.status;
  const doc: SpecDoc = {
    ...meta,
    path,
    format: format.format,
    kind,
    role: roleOf({ path, kind, inclusion: meta.inclusion, declaredStatus }),
    versioned: fm.fields.version !== undefined,
    digest: digestOf(text),
    frontmatterText: text.slice(0, text.length - fm.body.length),
    get tokens(): number {
      bodyTokens ??= ctx.tokens.count(fm.body);
      return bodyTokens;
    },
    body: fm.body,
    bodyLine: fm.bodyLine,
    clauses,
    problems,
  };
  // Every spec's tokens are totalled by the first read_root: a helper thread may count them meanwhile.
  ctx.tokens.prefetch(fm.body);
  return { doc, problems };
}

/** The globs that compile; each one that does not is reported on its frontmatter line and left out. */
function usableGlobs(
  globs: readonly string[],
  key: string,
  path: string,
  frontmatterText: string,
  problems: Problem[],
  compiler: GlobCompiler,
): string[] {
  const line = frontmatterLine({ frontmatterText }, key);
  const usable: string[] = [];
  let chars = 0;
  for (const [i, glob] of globs.entries()) {
    const shown = glob.length > 80 ? `${glob.slice(0, 80)}…` : glob;
    if (chars + glob.length > MAX_GLOB_CHARS_PER_SPEC) {
      problems.push({
        file: path,
        line,
        rule: 'frontmatter-schema',
        severity: 'error',
        message: `${key} holds over ${MAX_GLOB_CHARS_PER_SPEC} characters of globs; "${shown}" and the ${globs.length - i - 1} after it are ignored`,
        hint: 'a spec governs a few folders: name them (src/payments/**), not each file',
      });
      break;
    }
    const compiled = compiler.compile(glob);
    if (compiled.ok) {
      usable.push(glob);
      chars += glob.length;
      continue;
    }
    problems.push({
      file: path,
      line,
      rule: 'frontmatter-schema',
      severity: 'error',
      message: `${key} glob "${shown}" ${compiled.reason}; it is ignored`,
      hint: 'use **, *, ?, [...] and {a,b}; list several globs instead of an extglob',
    });
  }
  return usable;
}

/**
 * Glob characters one spec may use. Matching costs the glob's length times the path's (re2js: ~0.2 s for a
 * 1,000-character glob on a 1,000-character path), so 2,035 such globs in one file stalled specs_for_path, and every
 * client with it, for minutes (found by review); the real corpora's largest spec uses under 100.
 */
const MAX_GLOB_CHARS_PER_SPEC = 4096;

function buildDrafts(
  blocks: readonly Block[],
  titleBlock: Block | null,
  format: ReturnType<typeof formatFor>,
  path: string,
  bodyLine: number,
  problems: Problem[],
): Draft[] {
  const drafts: Draft[] = [];
  const stack: Draft[] = [];
  const seen: SeenIds = { drafts: new Map(), nextSuffix: new Map() };
  for (const block of blocks) {
    if (block === titleBlock) continue;
    while (stack.length > 0 && stack[stack.length - 1]!.end <= block.start) stack.pop();
    const parent = stack[stack.length - 1] ?? null;
    const ancestors = stack.map((d) => d.id);
    const headingTitles = stack.filter((d) => d.kind === 'heading').map((d) => d.title);
    let id: string | null = null;
    let idSource: IdSource = 'slug';
    let title: string;
    let attrs: Readonly<Record<string, string>> = NO_ATTRS;
    if (block.kind === 'heading') {
      const anchor = parseAnchor(block.inline);
      title = plainTitle(anchor ? anchor.title : block.inline);
      if (anchor) {
        id = anchor.id;
        idSource = 'anchor';
        attrs = anchor.attrs;
      } else {
        id = format.headingId?.(title, { ancestors, headingPath: headingTitles }) ?? null;
        if (id) idSource = 'format';
        else id = uniqueSlug(slugify(title), parent, seen);
      }
    } else {
      const bold = parseBoldId(block.inline);
      if (bold) {
        id = bold;
        idSource = 'bold';
      } else {
        id = format.itemId?.(block, { ancestors, headingPath: headingTitles }) ?? null;
        if (!id) continue;
        idSource = 'format';
      }
      title = itemTitle(block.inline);
    }
    const existing = seen.drafts.get(id);
    if (existing && block.kind === 'item') {
      // A list item that repeats an item ID ("- **T019** depends on …") mentions it; the first one defines it.
      problems.push({
        file: path,
        line: bodyLine + block.start,
        rule: 'duplicate-clause-id',
        severity: 'warning',
        message: `"${id}" was defined on line ${bodyLine + existing.start}; this later item is read as a mention, not a clause`,
        hint: 'if this is a separate requirement, give it its own ID',
      });
      continue;
    }
    if (existing) {
      problems.push({
        file: path,
        line: bodyLine + block.start,
        rule: 'duplicate-clause-id',
        severity: 'error',
        message: `clause ID "${id}" is already used on line ${bodyLine + existing.start}`,
        hint: 'give each clause its own ID; this one is served with a numeric suffix until then',
      });
      id = uniqueSuffix(id, seen);
    }
    const draft: Draft = {
      kind: block.kind,
      id,
      idSource,
      title,
      attrs,
      start: block.start,
      end: block.end,
      parent,
      children: [],
      depth: stack.length + 1,
    };
    if (parent) parent.children.push(draft);
    seen.drafts.set(id, draft);
    drafts.push(draft);
    stack.push(draft);
  }
  return drafts;
}

/** The IDs taken so far in one spec, and per base ID the first numeric suffix that may still be free. */
interface SeenIds {
  drafts: Map<string, Draft>;
  nextSuffix: Map<string, number>;
}

function uniqueSlug(slug: string, parent: Draft | null, seen: SeenIds): string {
  if (!seen.drafts.has(slug)) return slug;
  const qualified = parent ? `${parent.id}.${slug}` : slug;
  return seen.drafts.has(qualified) ? uniqueSuffix(qualified, seen) : qualified;
}

/**
 * `${id}-N` for the smallest N ≥ 2 not yet taken: what probing from 2 every time gives (IDs are only ever added, so
 * a suffix found taken stays taken), without probing from 2 every time: 20k `## Example` headings took 25 s.
 */
function uniqueSuffix(id: string, seen: SeenIds): string {
  let n = seen.nextSuffix.get(id) ?? 2;
  while (seen.drafts.has(`${id}-${n}`)) n++;
  seen.nextSuffix.set(id, n + 1);
  return `${id}-${n}`;
}

function finishClauses(
  drafts: readonly Draft[],
  specId: string,
  body: string,
  bodyLines: readonly string[],
  bodyLine: number,
  tokens: TokenCounter,
): Clause[] {
  for (const d of drafts) d.end = trimEnd(bodyLines, d.start, d.end);
  // A clause's text is a slice of the body (V8 shares the body's bytes, so nested clauses cost no copies: at 100k
  // clauses that is ~60 MB less), and every digest hashes a slice of the body normalized once (digestOf's rules,
  // applied per line, are the same over the whole body). bench/README.md, cold start, has the numbers.
  const starts = lineStarts(body);
  const normalizedBody = stripTrailingBlanks(body);
  const normalizedStarts = lineStarts(normalizedBody);
  const slice = (text: string, at: Int32Array | number[], from: number, to: number): string =>
    to > from ? text.slice(at[from]!, at[to]! - 1) : '';

  const clauses: Clause[] = [];
  const lazy = lazyClauseTokens(body, bodyLine, clauses, tokens);
  for (const d of drafts) {
    const text = slice(body, starts, d.start, d.end);
    const normalized = dropTrailingNewlines(slice(normalizedBody, normalizedStarts, d.start, d.end));
    clauses.push(
      clauseObject(
        {
          id: d.id,
          ref: `${specId}#${d.id}`,
          title: d.title,
          idSource: d.idSource,
          kind: d.kind === 'heading' ? 'section' : 'item',
          attrs: d.attrs,
          depth: d.depth,
          line: bodyLine + d.start,
          endLine: bodyLine + Math.max(d.start, d.end - 1),
          text,
          digest: `sha256:${sha256Hex(normalized)}`,
          parentId: d.parent?.id ?? null,
          childIds: d.children.map((c) => c.id),
        },
        lazy,
      ),
    );
  }
  return clauses;
}

/** Shared by every clause without anchor attributes (most of them); never mutated. */
const NO_ATTRS: Readonly<Record<string, string>> = Object.freeze({});

/** Offsets of every line's first character, plus one past the end (as if the text ended with a newline). */
function lineStarts(text: string): Int32Array {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  const starts = new Int32Array(n + 1);
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[line++] = i + 1;
  starts[n] = text.length + 1;
  return starts;
}

/** Drops trailing blank lines so a clause's text ends with its last line of content. */
function trimEnd(lines: readonly string[], start: number, end: number): number {
  let e = Math.min(end, lines.length);
  while (e > start + 1 && lines[e - 1]!.trim() === '') e--;
  return e;
}

function itemTitle(inline: string): string {
  const lineEnd = inline.indexOf('\n');
  const firstLine = dropLeadingId(
    plainTitle(lineEnd < 0 ? inline : inline.slice(0, lineEnd)).replace(/^\[[ xX-]\]\s*/, ''),
  );
  return firstLine.length > 80 ? `${firstLine.slice(0, 77)}…` : firstLine;
}

function summarize(inline: string): string {
  const plain = plainTitle(inline);
  const sentence = /^(.{20,}?[.!?])(\s|$)/.exec(plain)?.[1] ?? plain;
  return sentence.length > 160 ? `${sentence.slice(0, 157)}…` : sentence;
}
