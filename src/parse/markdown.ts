// Markdown structure from a real tokenizer (markdown-it): headings and list items/paragraphs with their line ranges.
import MarkdownIt from 'markdown-it';

export interface HeadingBlock {
  kind: 'heading';
  level: number;
  inline: string;
  /** 0-based body line of the heading. */
  start: number;
  /** Exclusive end of the section: the next heading at the same or a higher level, or the end of the body. */
  end: number;
}

export interface ItemBlock {
  kind: 'item';
  /** Inline text of the item's (or paragraph's) first line of content. */
  inline: string;
  start: number;
  end: number;
  ordered: boolean;
  /** The number of an ordered list item (1. 2. …), else null. */
  ordinal: number | null;
  /** 0 for a top-level paragraph, 1 for a top-level list item, 2 for a nested one… */
  listDepth: number;
}

export type Block = HeadingBlock | ItemBlock;

/** markdown-it holds no per-document state between parse calls, so one instance serves every parse. */
export interface MarkdownScanner {
  scan(body: string): Block[];
}

export function createMarkdownScanner(): MarkdownScanner {
  const md = new MarkdownIt({ html: true, linkify: false });
  // Only block structure is read: an inline token's `content` (the raw heading/paragraph text) is set by the block
  // parser. Skipping inline parsing (children, emphasis, links) removes ~40% of markdown-it's time and most of its
  // garbage at start-up (bench/README.md, cold start).
  md.core.ruler.disable(['inline', 'linkify', 'replacements', 'smartquotes', 'text_join']);
  return { scan: (body) => scanBlocks(md, body) };
}

function scanBlocks(md: MarkdownIt, body: string): Block[] {
  const tokens = md.parse(body, {});
  const lineCount = countLines(body);
  const headings: HeadingBlock[] = [];
  const items: ItemBlock[] = [];
  const listStack: boolean[] = [];
  let blockquote = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case 'blockquote_open':
        blockquote++;
        break;
      case 'blockquote_close':
        blockquote--;
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
        listStack.push(t.type === 'ordered_list_open');
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        listStack.pop();
        break;
      case 'heading_open':
        if (t.level === 0 && t.map) {
          headings.push({
            kind: 'heading',
            level: Number(t.tag.slice(1)),
            inline: tokens[i + 1]?.content ?? '',
            start: t.map[0],
            end: lineCount,
          });
        }
        break;
      case 'list_item_open': {
        const para = tokens[i + 1];
        const inline = tokens[i + 2];
        if (!t.map || blockquote > 0 || para?.type !== 'paragraph_open' || inline?.type !== 'inline') break;
        const ordered = listStack[listStack.length - 1] ?? false;
        items.push({
          kind: 'item',
          inline: inline.content,
          start: t.map[0],
          end: t.map[1],
          ordered,
          ordinal: ordered && t.info ? Number(t.info) : null,
          listDepth: listStack.length,
        });
        break;
      }
      case 'paragraph_open': {
        if (t.level !== 0 || !t.map) break;
        items.push({
          kind: 'item',
          inline: tokens[i + 1]?.content ?? '',
          start: t.map[0],
          end: t.map[1],
          ordered: false,
          ordinal: null,
          listDepth: 0,
        });
        break;
      }
      default:
        break;
    }
  }
  // A section ends where the next heading of the same or a higher level begins.
  for (let h = 0; h < headings.length; h++) {
    const cur = headings[h]!;
    for (let n = h + 1; n < headings.length; n++) {
      if (headings[n]!.level <= cur.level) {
        cur.end = headings[n]!.start;
        break;
      }
    }
  }
  const blocks: Block[] = [...headings, ...items];
  blocks.sort(
    (a, b) => a.start - b.start || (a.kind === 'heading' ? -1 : b.kind === 'heading' ? 1 : b.end - a.end),
  );
  return blocks;
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
