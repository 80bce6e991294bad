// Property-based: generated and mangled Markdown never breaks the parser, and every clause is the file's own text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SpecDoc } from '../../src/spec/types.js';
import { parse } from '../helpers/parse.js';

const RUNS = 200;

/** What the parser promises to quote from: the file with LF line endings (and no byte-order mark). */
function normalized(raw: string): string {
  return raw.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, '');
}

const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    'Überprüfung',
    '日本語の見出し',
    'Ça va?',
    '🚀 Launch',
    'x_y *z* `c`',
    '{#',
    '}',
    '**',
    '#',
  ),
);
const anchor = fc
  .tuple(word, fc.option(fc.tuple(word, word), { nil: undefined }))
  .map(([id, attr]) => ` {#${id}${attr ? ` ${attr[0]}=${attr[1]}` : ''}}`);

const heading = fc
  .tuple(fc.integer({ min: 1, max: 7 }), anyText, fc.option(anchor, { nil: '' }))
  .map(([level, text, a]) => `${'#'.repeat(level)} ${text}${a}`);
const setext = fc
  .tuple(anyText, fc.constantFrom('===', '---', '-'))
  .map(([text, line]) => `${text}\n${line}`);
const boldItem = fc
  .tuple(
    fc.constantFrom('- ', '* ', '1. ', '', '  - '),
    fc.constantFrom('FR', 'SC', 'AUTH', 'T'),
    fc.integer({ min: 0, max: 20 }),
    anyText,
  )
  .map(([bullet, prefix, n, text]) => `${bullet}**${prefix}-${String(n).padStart(3, '0')}**: ${text}`);
const taskItem = fc
  .tuple(fc.constantFrom('- [ ] ', '- [x] ', '  - [ ] '), fc.integer({ min: 1, max: 30 }), anyText)
  .map(([box, n, text]) => `${box}T${String(n).padStart(3, '0')} ${text}`);
const orderedItem = fc.tuple(fc.integer({ min: 1, max: 9 }), anyText).map(([n, text]) => `${n}. ${text}`);
const formatHeading = fc.constantFrom(
  '### Requirement 3',
  '### Requirement: Do the thing',
  '#### Scenario: It happens',
  '### User Story 1 - First (Priority: P1)',
  '#### Acceptance Criteria',
);
const fence = fc
  .tuple(
    fc.constantFrom('```', '~~~', '````'),
    fc.array(fc.oneof(heading, anyText), { maxLength: 3 }),
    fc.boolean(),
  )
  .map(([marker, inner, closed]) => [`${marker}md`, ...inner, ...(closed ? [marker] : [])].join('\n'));
const block = fc.oneof(
  { weight: 4, arbitrary: heading },
  { weight: 1, arbitrary: setext },
  { weight: 3, arbitrary: anyText },
  { weight: 2, arbitrary: boldItem },
  { weight: 1, arbitrary: taskItem },
  { weight: 1, arbitrary: orderedItem },
  { weight: 1, arbitrary: formatHeading },
  { weight: 1, arbitrary: fence },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '', '> quoted', '---', '    indented code', '<div>', '|a|b|\n|-|-|'),
  },
);
const frontmatterish = fc.constantFrom(
  '',
  '---\n',
  '---\n---\n',
  '---\nid: gen\nversion: 1.0.0\n---\n',
  '---\nid: gen\nstatus: nonsense\n---\n',
  '---\ntitle: [unclosed\n---\n',
  '---\nowners:\n  - a\n - b\n---\n',
  '---\nid: gen\n',
  '\uFEFF---\nid: bom\n---\n',
  '...\n',
  '+++\ntitle = "toml"\n+++\n',
);
const lineBreak = fc.constantFrom('\n', '\n', '\n\n', '\r\n', '\r\n\r\n', '\r');

/** A file: a frontmatter-ish prefix, then blocks joined by a random mix of LF, CRLF and CR. */
const markdownFile = fc
  .tuple(frontmatterish, fc.array(fc.tuple(block, lineBreak), { maxLength: 25 }), fc.boolean())
  .map(([prefix, parts, crlfPrefix]) => {
    const head = crlfPrefix ? prefix.replace(/\n/g, '\r\n') : prefix;
    return head + parts.map(([b, br]) => b + br).join('');
  });

function checkClauses(doc: SpecDoc, raw: string): void {
  const text = normalized(raw);
  const lines = text.split('\n');
  const ids = new Set<string>();
  const byId = new Map(doc.clauses.map((c) => [c.id, c]));
  for (const c of doc.clauses) {
    expect(text.includes(c.text)).toBe(true);
    expect(c.line).toBeGreaterThanOrEqual(1);
    expect(c.endLine).toBeGreaterThanOrEqual(c.line);
    expect(c.endLine).toBeLessThanOrEqual(lines.length);
    // Not only somewhere in the file: exactly the file's lines line..endLine.
    expect(lines.slice(c.line - 1, c.endLine).join('\n')).toBe(c.text);
    expect(ids.has(c.id)).toBe(false);
    ids.add(c.id);
    expect(c.ref).toBe(`${doc.id}#${c.id}`);
    if (c.parentId === null) expect(c.depth).toBe(1);
    else expect(c.depth).toBe(byId.get(c.parentId)!.depth + 1);
  }
}

describe('parseSpec on generated Markdown', () => {
  it("never throws, and every clause is the file's own text at its own lines", () => {
    let clauses = 0;
    fc.assert(
      fc.property(
        markdownFile,
        fc.constantFrom(
          'gen.md',
          'specs/001-x/spec.md',
          '.kiro/specs/x/requirements.md',
          'openspec/specs/c/spec.md',
        ),
        (raw, path) => {
          const { doc, problems } = parse(path, raw);
          for (const p of problems) {
            expect(p.line).toBeGreaterThanOrEqual(1);
            expect(p.line).toBeLessThanOrEqual(normalized(raw).split('\n').length);
          }
          if (doc) checkClauses(doc, raw);
          clauses += doc?.clauses.length ?? 0;
        },
      ),
      { numRuns: RUNS },
    );
    // The generator must actually produce clauses, or the property above says nothing.
    expect(clauses).toBeGreaterThan(RUNS);
  });

  it('gives the same clauses whatever the line endings', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(heading, boldItem, anyText, fence), { maxLength: 15 }), (blocks) => {
        const lf = blocks.join('\n').replace(/\r\n?/g, '\n');
        const a = parse('eol.md', lf).doc;
        const b = parse('eol.md', lf.replace(/\n/g, '\r\n')).doc;
        expect(b?.clauses.map((c) => [c.id, c.line, c.text])).toEqual(
          a?.clauses.map((c) => [c.id, c.line, c.text]),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseSpec on arbitrary strings', () => {
  it('never throws on any text at all', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (raw) => {
        const { doc } = parse('any.md', raw);
        if (doc) checkClauses(doc, raw);
      }),
      { numRuns: RUNS },
    );
  });
});
