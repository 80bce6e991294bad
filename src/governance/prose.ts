// Markdown structure the rules need (code lines to skip, directives to count), from markdown-it rather than regexes.
import MarkdownIt from 'markdown-it';
import { replaceBoldIds } from '../parse/clause-ids.js';

export interface ProseScanner {
  /** 0-based lines of `text` inside fenced or indented code blocks. */
  codeLines(text: string): Set<number>;
  /** Counts directives in `text`; see `instructionsOf`. */
  instructions(text: string): number;
  /** The directives themselves, with their lines: what audit compares across AGENTS.md variants. */
  instructionList(text: string): Instruction[];
}

/**
 * A sentence is a directive when it carries one of these words: RFC 2119 keywords plus the plain
 * imperatives people write in AGENTS.md files. Matched case-insensitively because "Never edit…"
 * binds as much as "MUST NOT".
 */
const DIRECTIVE_RE =
  /\b(must|should|shall|never|always|do not|don't|required?|ensure|avoid|prefer|only use|make sure)\b/i;

export function createProseScanner(): ProseScanner {
  // One parser per lint run: markdown-it keeps no per-document state between parse calls.
  const md = new MarkdownIt({ html: true, linkify: false });
  return {
    codeLines(text) {
      const lines = new Set<number>();
      for (const t of md.parse(text, {})) {
        if ((t.type === 'fence' || t.type === 'code_block') && t.map) {
          for (let i = t.map[0]; i < t.map[1]; i++) lines.add(i);
        }
      }
      return lines;
    },
    instructions: (text) => instructionsOf(md, text).length,
    instructionList: (text) => instructionsOf(md, text),
  };
}

/** One standing instruction: a list item, or a directive sentence outside lists. */
export interface Instruction {
  /** 0-based line of `text` it starts on. */
  line: number;
  /** The item's first paragraph, or the sentence, as written. */
  text: string;
}

/**
 * The instruction heuristic: every list item is one instruction (standing-instruction lists are
 * directives almost by definition), and outside lists every sentence with a directive word is one.
 * Headings, tables and code do not count.
 */
function instructionsOf(md: MarkdownIt, text: string): Instruction[] {
  const found: Instruction[] = [];
  let listItems = 0;
  const tokens = md.parse(text, {});
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'list_item_open') {
      listItems++;
      // The item's own words: the inline token of its first paragraph, when it has one.
      const inline = tokens[i + 1]?.type === 'paragraph_open' ? tokens[i + 2] : undefined;
      found.push({ line: t.map?.[0] ?? 0, text: inline?.type === 'inline' ? inline.content : '' });
    } else if (t.type === 'list_item_close') listItems--;
    else if (t.type === 'paragraph_open' && listItems === 0) {
      const inline = tokens[i + 1];
      if (inline?.type !== 'inline') continue;
      for (const sentence of inline.content.split(/(?<=[.!?])\s+|\n{2,}/)) {
        if (DIRECTIVE_RE.test(sentence)) found.push({ line: t.map?.[0] ?? 0, text: sentence });
      }
    }
  }
  return found;
}

/** Lower-case words of a clause with anchors, bold IDs, markup and punctuation removed. */
export function clauseWords(text: string): string[] {
  const cleaned = replaceBoldIds(dropBraced(text), ' ').toLowerCase();
  return cleaned.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * `text.replace(/\{#[^}]*\}/g, ' ')`, linear: the regex scans to the next `}` again from every `{#` before it, which
 * is quadratic in a clause of many unclosed `{#`.
 */
function dropBraced(text: string): string {
  let out = '';
  let from = 0;
  let close = -1;
  for (let open = text.indexOf('{#'); open >= 0; open = text.indexOf('{#', from)) {
    if (close <= open) close = text.indexOf('}', open + 2);
    if (close < 0) break;
    out += `${text.slice(from, open)} `;
    from = close + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
