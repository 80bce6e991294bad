// The start-up fast paths (sliced texts, one normalization per body, shared token accessor, plain frontmatter
// fields, block-only Markdown) give exactly what the straightforward code they replaced gave.
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { plainTitle } from '../../src/parse/clause-ids.js';
import { digestOf, normalizeText, stripTrailingBlanks } from '../../src/parse/digest.js';
import { FrontmatterFieldSchemas, parseFrontmatter } from '../../src/parse/frontmatter.js';
import { createTokenCounter } from '../../src/parse/tokens.js';
import { specSource } from '../../src/parse/types.js';
import { parse } from '../helpers/parse.js';

const RUNS = 300;
const tokens = createTokenCounter();

/** Lines with the whitespace digests care about: trailing spaces/tabs, blank-ish lines, U+2028, NBSP. */
const line = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z ]{0,12}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '## Head {#h1}',
      '### Sub',
      '- **FR-001**: must',
      '- item',
      '1. first',
      '```',
      '> q',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('  ', '\t', ' \t ', 'x  ', 'y\t', 'a\u2028b  ', 'c \u2029 ', '\u00a0', ''),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
);
const file = fc
  .tuple(
    fc.constantFrom('', '---\nid: gen\nversion: 1.0.0  \n---\n', '---\ntitle: T\t\n---\n'),
    fc.array(line, { maxLength: 40 }),
    fc.constantFrom('\n', '\r\n'),
  )
  .map(([fm, lines, eol]) => fm + lines.join(eol));

/** The plainTitle this module had before its regexes were guarded. */
function plainTitleReference(inline: string): string {
  return inline
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*`]+/g, '')
    .replace(/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('parseSpec fast paths', () => {
  it('digests every clause and the file as digestOf would', () => {
    fc.assert(
      fc.property(file, (raw) => {
        const { doc } = parse('gen.md', raw);
        if (!doc) return;
        expect(doc.digest).toBe(digestOf(specSource(doc)));
        for (const c of doc.clauses) expect(c.digest).toBe(`sha256:${digestOf(c.text).slice(7)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('counts a leaf clause as its text, and a parent as its own lines plus its children', () => {
    fc.assert(
      fc.property(file, (raw) => {
        const { doc } = parse('gen.md', raw);
        if (!doc) return;
        const byId = new Map(doc.clauses.map((c) => [c.id, c]));
        for (const c of doc.clauses) {
          if (c.childIds.length === 0) {
            expect(c.tokens).toBe(tokens.count(c.text));
            continue;
          }
          const lines = c.text.split('\n');
          let own = '';
          let cursor = 0;
          for (const id of c.childIds) {
            const child = byId.get(id)!;
            own += lines.slice(cursor, child.line - c.line).join('\n');
            cursor = Math.max(cursor, child.endLine - c.line + 1);
          }
          own += lines.slice(cursor).join('\n');
          const children = c.childIds.reduce((sum, id) => sum + byId.get(id)!.tokens, 0);
          expect(c.tokens).toBe(tokens.count(own) + children);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps tokens an own enumerable number on clauses and on their copies', () => {
    const { doc } = parse('gen.md', '# T\n\n## A {#a}\n\ntext\n\n- **FR-001**: must\n');
    const clause = doc!.clauses[0]!;
    expect(Object.keys(clause)).toEqual([
      'id',
      'ref',
      'title',
      'idSource',
      'kind',
      'attrs',
      'depth',
      'line',
      'endLine',
      'text',
      'digest',
      'tokens',
      'parentId',
      'childIds',
    ]);
    const copy = { ...clause };
    expect(typeof copy.tokens).toBe('number');
    expect(copy.tokens).toBe(clause.tokens);
    expect(JSON.parse(JSON.stringify(clause)).tokens).toBe(clause.tokens);
  });

  it('normalizes text as before', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.constantFrom('\n', '\r\n', '\r'), (lines, eol) => {
        const text = lines.join(eol);
        expect(normalizeText(text)).toBe(
          text
            .replace(/\r\n?/g, '\n')
            .replace(/[ \t]+$/gm, '')
            .replace(/\n+$/, ''),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe('plainTitle', () => {
  it('strips markup as the unguarded regexes did', () => {
    const piece = fc.constantFrom(
      'a',
      ' ',
      '_',
      '__',
      '*',
      '`',
      '[x](y)',
      '](',
      '[',
      ')',
      'é',
      '日',
      '\t',
      '\n',
      '  ',
      '\u00a0',
      '\u2028',
      '1',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
        const inline = pieces.join('');
        expect(plainTitle(inline)).toBe(plainTitleReference(inline));
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

describe('parseFrontmatter', () => {
  it('accepts plain fields exactly as the zod schemas do', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('approved', 'Draft', 'DEPRECATED', 'a/b', 'a b', '', '1.2.3'),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
      fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    );
    const keys = Object.keys(FrontmatterFieldSchemas) as Array<keyof typeof FrontmatterFieldSchemas>;
    fc.assert(
      fc.property(fc.constantFrom(...keys), value, (key, v) => {
        const yaml = `---\n${key}: ${JSON.stringify(v)}\n---\nbody\n`;
        const fm = parseFrontmatter('x.md', yaml);
        const data = fm.data[key];
        if (data === undefined || data === null) return;
        const expected = FrontmatterFieldSchemas[key].safeParse(data);
        if (expected.success) {
          expect(fm.fields[key]).toEqual(expected.data);
          expect(fm.problems).toEqual([]);
        } else {
          expect(fm.fields[key]).toBeUndefined();
          expect(fm.problems).toHaveLength(1);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('block-only Markdown scanning', () => {
  it('leaves every block token (map, content, info) as full parsing gives it', () => {
    const full = new MarkdownIt({ html: true, linkify: false });
    const blocks = new MarkdownIt({ html: true, linkify: false });
    blocks.core.ruler.disable(['inline', 'linkify', 'replacements', 'smartquotes', 'text_join']);
    const shape = (md: MarkdownIt, text: string) =>
      md.parse(text, {}).map((t) => [t.type, t.tag, t.level, t.map, t.content, t.info, t.markup]);
    fc.assert(
      fc.property(file, (raw) => {
        const text = raw.replace(/\r\n?/g, '\n');
        expect(shape(blocks, text)).toEqual(shape(full, text));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('stripTrailingBlanks', () => {
  it('drops what the plain regex drops, on every short string of blanks, line ends and letters', () => {
    const reference = (t: string) => t.replace(/(?<![ \t])[ \t]+$/gm, '');
    const alphabet = [' ', '\t', '\n', '\r', '\u2028', '\u2029', 'a'];
    let checked = 0;
    const walk = (prefix: string): void => {
      expect(stripTrailingBlanks(prefix)).toBe(reference(prefix));
      checked++;
      if (prefix.length < 6) for (const c of alphabet) walk(prefix + c);
    };
    walk('');
    expect(checked).toBe((7 ** 7 - 1) / 6);
  });
});
