// Clause-ID syntax shared by every format: `{#id attr=value}` anchors, bold IDs, and derived slugs.

export interface Anchor {
  id: string;
  attrs: Record<string, string>;
  /** The heading text with the anchor removed. */
  title: string;
}

const ANCHOR_RE = /\s*\{#([A-Za-z0-9][\w.:-]*)((?:\s+[\w.:-]+(?:=(?:"[^"]*"|'[^']*'|[^\s}]+))?)*)\s*\}\s*$/;
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

/** `**FR-001**`, `**AUTH-7**:`, `**SC-002.a**` opening an item: upper-case prefix, a dash or not, a number. */
const BOLD_ID_RE = /^\*\*([A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)*-?\d+(?:\.\d+)*(?:\.?[a-z])?)(?::)?\*\*:?/;

export function parseBoldId(inline: string): string | null {
  const m = BOLD_ID_RE.exec(inline);
  return m ? m[1]! : null;
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
  if (text.includes('](')) text = text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
  if (text.includes('*') || text.includes('`')) text = text.replace(/[*`]+/g, '');
  // `_` is emphasis only at a word's edge: `expires_in` keeps its underscore, `_not_` loses both.
  if (text.includes('_')) text = text.replace(/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '');
  return text.replace(/\s+/g, ' ').trim();
}
