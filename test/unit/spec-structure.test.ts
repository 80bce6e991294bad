// The clause tree from Markdown structure: code fences, CRLF, setext and non-ASCII headings, nesting, titles, lines.
import { describe, expect, it } from 'vitest';
import { clauseById, outlineOf, parseDoc } from '../helpers/parse.js';

describe('headings in code fences', () => {
  it('are text of the enclosing clause, not clauses', () => {
    const text = [
      '# Doc',
      '',
      '## Real {#real}',
      '',
      '```md',
      '## Not a heading {#fake}',
      '- **FR-009**: not a requirement',
      '```',
      '',
      '~~~',
      '# also not a heading',
      '~~~',
      '',
      '    ## indented code is not a heading either',
      '',
    ].join('\n');
    const doc = parseDoc('d.md', text);
    expect(outlineOf(doc)).toEqual([['real', 1]]);
    expect(clauseById(doc, 'real').text).toContain('## Not a heading {#fake}');
    expect(clauseById(doc, 'real').text).toContain('# also not a heading');
  });

  it('swallow the rest of the file when the fence is never closed', () => {
    const doc = parseDoc('d.md', '# Doc\n\n## Real\n\n```\n## Inside the open fence\n\n## Also inside\n');
    expect(outlineOf(doc)).toEqual([['real', 1]]);
    expect(clauseById(doc, 'real').text).toContain('## Also inside');
  });
});

describe('line endings', () => {
  it('parses CRLF files like LF files, with LF text and the same lines', () => {
    const lf =
      '---\nid: crlf\nversion: 1.0.0\n---\n# Title\n\n## One {#one}\n\nBody line.\n\n### Two\n\n- **R-1**: rule\n';
    const crlfDoc = parseDoc('c.md', lf.replace(/\n/g, '\r\n'));
    const lfDoc = parseDoc('c.md', lf);
    expect(crlfDoc.clauses.map((c) => [c.id, c.line, c.endLine, c.text, c.digest])).toEqual(
      lfDoc.clauses.map((c) => [c.id, c.line, c.endLine, c.text, c.digest]),
    );
    expect(crlfDoc.version).toBe('1.0.0');
    expect(clauseById(crlfDoc, 'one').text).not.toContain('\r');
    expect(crlfDoc.digest).toBe(lfDoc.digest);
  });

  it('accepts old Mac CR line endings and a byte-order mark', () => {
    const doc = parseDoc('m.md', '\uFEFF---\rid: mac\r---\r# T\r\r## A {#a}\rtext\r');
    expect(doc.id).toBe('mac');
    expect(clauseById(doc, 'a')).toMatchObject({ line: 6, text: '## A {#a}\ntext' });
  });
});

describe('setext headings', () => {
  it('are clauses like ATX headings, and a lone setext H1 is the title', () => {
    const doc = parseDoc(
      's.md',
      'Title\n=====\n\nIntro.\n\nSection A\n---------\n\ntext a\n\nSection B {#b}\n---------\nmore\n',
    );
    expect(doc.title).toBe('Title');
    expect(outlineOf(doc)).toEqual([
      ['section-a', 1],
      ['b', 1],
    ]);
    expect(clauseById(doc, 'section-a')).toMatchObject({
      line: 6,
      endLine: 9,
      text: 'Section A\n---------\n\ntext a',
    });
    expect(clauseById(doc, 'b').title).toBe('Section B');
  });
});

describe('non-ASCII headings', () => {
  it('get readable IDs and resolve by them', () => {
    const doc = parseDoc(
      'i18n.md',
      '# Doc\n\n## Überprüfung\n\nPrüfen.\n\n## 日本語の見出し\n\n本文。\n\n## Ça va?\n',
    );
    expect(doc.clauses.map((c) => [c.id, c.title])).toEqual([
      ['überprüfung', 'Überprüfung'],
      ['日本語の見出し', '日本語の見出し'],
      ['ça-va', 'Ça va?'],
    ]);
    expect(clauseById(doc, '日本語の見出し').text).toBe('## 日本語の見出し\n\n本文。');
  });
});

describe('files without frontmatter', () => {
  it('are served with IDs and metadata derived from the path and the text', () => {
    const doc = parseDoc(
      'guides/getting-started.md',
      'Read this guide before anything else. It explains the basics.\n\n## Install\n\n### From npm\n',
    );
    expect(doc).toMatchObject({
      id: 'guides/getting-started',
      title: 'getting-started',
      version: '0.0.0',
      status: 'draft',
      bodyLine: 1,
      frontmatterText: '',
      summary: 'Read this guide before anything else.',
      problems: [],
    });
    expect(outlineOf(doc)).toEqual([
      ['install', 1],
      ['from-npm', 2],
    ]);
  });

  it('treat a thematic break at the top as Markdown, not as frontmatter', () => {
    const doc = parseDoc('hr.md', '***\n\n## After the rule\n');
    expect(doc.bodyLine).toBe(1);
    expect(outlineOf(doc)).toEqual([['after-the-rule', 1]]);
  });
});

describe('nesting', () => {
  const text = [
    '# Spec', //             1
    '', //                   2
    '## A {#a}', //          3
    '', //                   4
    'intro', //              5
    '', //                   6
    '### A1 {#a1}', //       7
    '', //                   8
    '- **A-1**: rule one', //9
    '- **A-2**: rule two', //10
    '', //                   11
    '#### A1x {#a1x}', //    12
    '', //                   13
    '## B {#b}', //          14
    '', //                   15
    '#### B deep {#bd}', //  16
    'deep text', //          17
    '', //                   18
  ].join('\n');
  const doc = parseDoc('n.md', text);

  it('links parents and children and counts depth from the top-level clauses', () => {
    expect(doc.clauses.map((c) => [c.id, c.depth, c.parentId])).toEqual([
      ['a', 1, null],
      ['a1', 2, 'a'],
      ['A-1', 3, 'a1'],
      ['A-2', 3, 'a1'],
      ['a1x', 3, 'a1'],
      ['b', 1, null],
      ['bd', 2, 'b'],
    ]);
    expect(clauseById(doc, 'a1').childIds).toEqual(['A-1', 'A-2', 'a1x']);
  });

  it('gives a section the text of its sub-sections, up to the next heading of its level', () => {
    expect(clauseById(doc, 'a').text).toBe(text.split('\n').slice(2, 12).join('\n'));
    expect(clauseById(doc, 'a')).toMatchObject({ line: 3, endLine: 12 });
    expect(clauseById(doc, 'bd')).toMatchObject({
      line: 16,
      endLine: 17,
      text: '#### B deep {#bd}\ndeep text',
    });
  });

  it("counts a parent's tokens as its own text plus its children", () => {
    const a1 = clauseById(doc, 'a1');
    const childTokens = a1.childIds.reduce((n, id) => n + clauseById(doc, id).tokens, 0);
    expect(a1.tokens).toBeGreaterThan(childTokens);
    expect(clauseById(doc, 'a').tokens).toBeGreaterThan(a1.tokens);
  });

  it('gives every clause a sha256 digest that changes when its text changes', () => {
    for (const c of doc.clauses) expect(c.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const edited = parseDoc('n.md', text.replace('rule two', 'rule 2'));
    expect(clauseById(edited, 'A-2').digest).not.toBe(clauseById(doc, 'A-2').digest);
    expect(clauseById(edited, 'a1').digest).not.toBe(clauseById(doc, 'a1').digest);
    expect(clauseById(edited, 'b').digest).toBe(clauseById(doc, 'b').digest);
  });

  it('does not change a digest for trailing whitespace', () => {
    const spaced = parseDoc('n.md', text.replace('rule two', 'rule two   '));
    expect(clauseById(spaced, 'A-2').digest).toBe(clauseById(doc, 'A-2').digest);
  });
});

describe('the document title', () => {
  it('is a lone H1 that opens the document, which is not a clause', () => {
    const doc = parseDoc(
      't.md',
      '# The Title\n\nIntro paragraph that is long enough to summarise.\n\n## Part {#part}\n',
    );
    expect(doc.title).toBe('The Title');
    expect(doc.summary).toBe('Intro paragraph that is long enough to summarise.');
    expect(outlineOf(doc)).toEqual([['part', 1]]);
  });

  it('is taken from frontmatter before the H1', () => {
    const doc = parseDoc('t.md', '---\ntitle: From frontmatter\n---\n# Heading title\n\n## Part\n');
    expect(doc.title).toBe('From frontmatter');
    expect(outlineOf(doc)).toEqual([['part', 1]]);
  });

  it('is not taken from H1s when there are several: each is a clause', () => {
    const doc = parseDoc('multi.md', '# One\n\ntext\n\n# Two\n\n## Two point one\n');
    expect(doc.title).toBe('multi');
    expect(outlineOf(doc)).toEqual([
      ['one', 1],
      ['two', 1],
      ['two-point-one', 2],
    ]);
  });

  it('is not taken from an H1 with an explicit anchor: that H1 is a clause', () => {
    const doc = parseDoc('model_spec.md', '# Overview {#overview}\n\ntext\n\n## Structure {#structure}\n');
    expect(outlineOf(doc)).toEqual([
      ['overview', 1],
      ['structure', 2],
    ]);
  });
});

describe('clause line numbers', () => {
  it('point at the heading line in the file, counting the frontmatter', () => {
    const text =
      '---\nid: lines\ntitle: Lines\nversion: 1.0.0\n---\n\n# Lines\n\n## First {#first}\n\ntext\n\n- **L-1**: item\n';
    const doc = parseDoc('lines.md', text);
    const fileLines = text.split('\n');
    expect(doc.bodyLine).toBe(6);
    for (const c of doc.clauses) {
      expect(c.text.split('\n')[0]).toBe(fileLines[c.line - 1]);
      expect(c.text.split('\n').at(-1)).toBe(fileLines[c.endLine - 1]);
    }
    expect(clauseById(doc, 'first').line).toBe(9);
    expect(clauseById(doc, 'L-1').line).toBe(13);
  });

  it('drop trailing blank lines from a clause', () => {
    const doc = parseDoc('b.md', '## A {#a}\n\ntext\n\n\n\n## B {#b}\n');
    expect(clauseById(doc, 'a')).toMatchObject({ text: '## A {#a}\n\ntext', endLine: 3 });
  });
});
