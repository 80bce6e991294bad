// Clause-ID syntax shared by every format: `{#id attr=value}` anchors, bold IDs, and derived slugs.

interface Anchor {
  id: string;
  attrs: Record<string, string>;
  /** The heading text with the anchor removed. */
  title: string;
}

// No leading `\s*`: it made every blank before a `{` a new start to scan from (quadratic in a heading's blanks), and
// the title is trimmed anyway.
const ANCHOR_RE = /\{#([A-Za-z0-9][\w.:-]*)((?:\s+[\w.:-]+(?:=(?:"[^"]*"|'[^']*'|[^\s}]+))?)*)\s*\}\s*$/;
const ATTR_RE = /([\w.:-]+)(?:=("[^"]*"|'[^']*'|[^\s}]+))?/g;

/** Parses a trailing `{#id key=value …}` anchor (Pandoc/kramdown style, as the OpenAI Model Spec writes it). */
export function parseAnchor(headingText: string): Anchor | null {
  const m = ANCHOR_RE.exec(headingText);
  if (!m) return null;
  const attrs: Record<string, string> = {};
  for (const a of (m[2] ?? '').matchAll(ATTR_RE)) {
    const raw = a[2] ?? 'true';
    attrs[a[1]!] = raw.replace(/^["']|["']$/g, '');
  }
  return { id: m[1]!, attrs, title: headingText.slice(0, m.index).trim() };
}

/**
 * A bold clause ID (`FR-001`, `AUTH-7`, `SC-002.a`, `PAY3-12`): an upper-case prefix of letters and digits in parts
 * joined by `-` or `_`, ending in a number, then `.N` parts and a letter. The one definition, for the parser, item
 * titles and lint. It recognises exactly the IDs `[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)*-?\d+` did (a prefix ending in a
 * digit, but not in `_` and a single digit), without that pattern's choice of where the prefix's digits end, which
 * made a bold run of 80k digits take about a minute.
 */
const CLAUSE_ID = String.raw`[A-Z](?:[A-Z0-9]|[-_](?=[A-Z0-9]))*(?<=\d)(?<!_\d)(?:\.\d+)*(?:\.?[a-z])?`;
const BOLD_ID_RE = new RegExp(String.raw`^\*\*(${CLAUSE_ID}):?\*\*:?`);
const BOLD_IDS_RE = new RegExp(String.raw`\*\*${CLAUSE_ID}:?\*\*:?`, 'g');
const LEADING_ID_RE = new RegExp(String.raw`^${CLAUSE_ID}:?\s*`);

/** The ID of `**FR-001**`, `**AUTH-7**:`, `**SC-002.a**` opening an item or paragraph, else null. */
export function parseBoldId(inline: string): string | null {
  const m = BOLD_ID_RE.exec(inline);
  return m ? m[1]! : null;
}

/** `text` with every bold clause ID (and its colon) replaced by `by`. */
export function replaceBoldIds(text: string, by: string): string {
  return text.includes('**') ? text.replace(BOLD_IDS_RE, by) : text;
}

/** A plain title without the clause ID that opens it (`FR-001: System MUST…` → `System MUST…`). */
export function dropLeadingId(title: string): string {
  return title.replace(LEADING_ID_RE, '');
}

/** Lower-case, Unicode-aware slug: letters and digits of any script kept, everything else collapses to `-`. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[`*_~[\]()<>"'’“”]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return slug.length > 0 ? slug.slice(0, 80) : 'section';
}

/** Heading text as a reader sees it: inline markup stripped. */
export function plainTitle(inline: string): string {
  // Each step runs only when its character is present: most titles have no markup, and the Unicode-aware
  // underscore rule is the slowest regex of start-up (it runs for every clause title).
  let text = inline;
  if (text.includes('](')) text = unlink(text);
  if (text.includes('*') || text.includes('`')) text = text.replace(/[*`]+/g, '');
  // `_` is emphasis only at a word's edge: `expires_in` keeps its underscore, `_not_` loses both.
  if (text.includes('_')) text = text.replace(/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '');
  // Most titles are one line of single spaces: the replace (a new string each time) only where it changes something.
  return (ODD_SPACE.test(text) ? text.replace(/\s+/g, ' ') : text).trim();
}

/** Whitespace that `\s+` → ' ' would change: any but a lone space. */
const ODD_SPACE = /[^\S ]| {2}/;

/**
 * `text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')`, linear: that regex scans to the next `]` (and `)`) again from every
 * `[` that fails, quadratic in a heading of many `[` (20k `[](` took 3 s). Here the next `]` and `)` are found once
 * and shared by every `[` before them.
 */
function unlink(text: string): string {
  let out = '';
  let from = 0;
  let close = -1;
  let paren = -1;
  for (let open = text.indexOf('['); open >= 0; open = text.indexOf('[', open + 1)) {
    if (close <= open) close = text.indexOf(']', open + 1);
    if (close < 0) break;
    if (text.charCodeAt(close + 1) !== 0x28 /* ( */) continue;
    if (paren <= close + 1) paren = text.indexOf(')', close + 2);
    if (paren < 0) break;
    out += text.slice(from, open) + text.slice(open + 1, close);
    from = paren + 1;
    open = paren;
  }
  return from === 0 ? text : out + text.slice(from);
}
