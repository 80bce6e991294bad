// Files built to make parsing slow (issue 13, item 4) parse in proportion to their size, with the IDs and counts they always had.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/parse/digest.js';
import { clauseById, parse, parseDoc } from '../helpers/parse.js';

/** Deterministic letters a–z with no whitespace: one 'word' the tokenizer's pre-tokenizer cannot split. */
function letters(n: number): string {
  let s = '';
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += String.fromCharCode(97 + (x % 26));
  }
  return s;
}

function cjk(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x4e00 + ((i * 7919) % 2000));
  return s;
}

describe('token counts of text without whitespace', () => {
  it('counts a 200k-letter word, 80k CJK characters and 200k spaces in proportion to their length', () => {
    const doc = parseDoc(
      'long.md',
      `# Long\n\n## Word {#word}\n\n${letters(200_000)}\n\n## CJK {#cjk}\n\n${cjk(80_000)}\n\n## Blank {#blank}\n\nx${' '.repeat(200_000)}x\n`,
    );
    // Random letters are about two per token; a CJK character is one token or more; long runs of spaces merge.
    expect(clauseById(doc, 'word').tokens).toBeGreaterThan(200_000 / 4);
    expect(clauseById(doc, 'word').tokens).toBeLessThan(200_000 / 1.5);
    expect(clauseById(doc, 'cjk').tokens).toBeGreaterThanOrEqual(80_000);
    expect(clauseById(doc, 'cjk').tokens).toBeLessThan(3 * 80_000);
    expect(clauseById(doc, 'blank').tokens).toBeLessThan(200_000 / 16);
    expect(doc.tokens).toBeGreaterThan(clauseById(doc, 'word').tokens + clauseById(doc, 'cjk').tokens);
  });

  it('counts text whose words are of ordinary length exactly as the tokenizer does', () => {
    const prose = Array.from({ length: 3000 }, (_, i) => `word${i} ${letters(i % 200)}, 中文${i}。`).join(
      ' ',
    );
    const url = `https://example.com/${letters(250)}`;
    const doc = parseDoc('prose.md', `# P\n\n## Prose {#prose}\n\n${prose}\n${url}\n`);
    expect(clauseById(doc, 'prose').tokens).toBe(countTokens(clauseById(doc, 'prose').text));
  });
});

describe('duplicate clause IDs at scale', () => {
  it('gives 1,999 repeated "## Example" headings unique IDs, the first ones as they always were', () => {
    const doc = parseDoc('dup.md', `# D\n\n${'## Example\n\ntext\n\n'.repeat(1_999)}`);
    const ids = doc.clauses.map((c) => c.id);
    expect(ids.slice(0, 4)).toEqual(['example', 'example-2', 'example-3', 'example-4']);
    expect(ids.at(-1)).toBe('example-1999');
    expect(new Set(ids).size).toBe(1_999);
  });

  it('refuses a file of 20k headings at the first heading past the limit, before parsing it', () => {
    const { doc, problems } = parse('dup.md', `# D\n\n${'## Example\n\ntext\n\n'.repeat(20_000)}`);
    expect(doc).toBeNull();
    // Line 1 is "# D"; the 2,001st heading is the 2,000th "## Example", 4 lines apart from line 3.
    expect(problems).toContainEqual(
      expect.objectContaining({
        rule: 'oversize',
        line: 3 + 4 * 1_999,
        message: expect.stringContaining('2000 headings'),
      }),
    );
  });

  it('qualifies repeated sub-headings by their parent first, then numbers them', () => {
    const doc = parseDoc('dup.md', `# D\n\n## Section\n\n${'### Example\n\ntext\n\n'.repeat(1_998)}`);
    const ids = doc.clauses.map((c) => c.id);
    expect(ids.slice(0, 5)).toEqual([
      'section',
      'example',
      'section.example',
      'section.example-2',
      'section.example-3',
    ]);
    expect(new Set(ids).size).toBe(1_999);
  });

  it('gives 1,999 {#dup} anchors unique IDs and reports every repeat at its line', () => {
    const { doc, problems } = parse('dup.md', `# D\n\n${'## Part {#dup}\n\ntext\n\n'.repeat(1_999)}`);
    const ids = doc!.clauses.map((c) => c.id);
    expect(ids.slice(0, 3)).toEqual(['dup', 'dup-2', 'dup-3']);
    expect(new Set(ids).size).toBe(1_999);
    const repeats = problems.filter((p) => p.rule === 'duplicate-clause-id');
    expect(repeats).toHaveLength(1_998);
    expect(repeats[0]).toMatchObject({ line: 7, severity: 'error' });
  });

  it('skips a numbered ID another clause already took, wherever it appears', () => {
    const later = parseDoc(
      'a.md',
      '# A\n\n## Example\n\n## Example\n\n## Three {#example-3}\n\n## Example\n',
    );
    expect(later.clauses.map((c) => c.id)).toEqual(['example', 'example-2', 'example-3', 'example-4']);
    const earlier = parseDoc(
      'b.md',
      '# B\n\n## Two {#example-2}\n\n## Example\n\n## Example\n\n## Example\n',
    );
    expect(earlier.clauses.map((c) => c.id)).toEqual(['example-2', 'example', 'example-3', 'example-4']);
  });
});

describe('deeply nested and very long lines', () => {
  it('serves a 2,000-level indented list of requirements, its digests those of its text', () => {
    const list = Array.from({ length: 2000 }, (_, i) => `${'  '.repeat(i)}- **R-${i}**: item ${i}`).join(
      '\n',
    );
    const doc = parseDoc('deep.md', `# L\n\n${list}\n`);
    // markdown-it stops nesting lists at its depth limit; what is deeper is the text of the deepest item.
    expect(doc.clauses.length).toBeGreaterThan(10);
    expect(clauseById(doc, 'R-0').text).toContain('item 1999');
    for (const c of [doc.clauses[0]!, doc.clauses.at(-1)!]) expect(c.digest).toBe(digestOf(c.text));
    expect(doc.tokens).toBeGreaterThan(2000);
  });

  it('reads anchors, bold IDs and links in lines of 100k characters', () => {
    const doc = parseDoc(
      'long.md',
      [
        '# L',
        '',
        `## Spaced${' '.repeat(100_000)}{#spaced}`,
        '',
        `## ${'[]('.repeat(30_000)}`,
        '',
        `**A${'1'.repeat(100_000)}X** not an ID`,
        '',
        `- **FR-${'1'.repeat(100_000)}**: an ID`,
        '',
      ].join('\n'),
    );
    expect(clauseById(doc, 'spaced').title).toBe('Spaced');
    expect(doc.clauses.map((c) => c.id.slice(0, 8))).toEqual(['spaced', 'section', 'FR-11111']);
  });
});
