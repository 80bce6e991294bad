// Loading a spec root: bad files are reported with file:line and skipped, the rest is served, nothing outside is read.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/corpus/corpus.js';
import type { Snapshot } from '../../src/corpus/snapshot.js';
import type { Problem } from '../../src/parse/types.js';
import { makeTempDir, specFile, type TempDir, writeTree } from '../helpers/temp.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';

describe('loadCorpus with bad files', () => {
  let tmp: TempDir;
  let outside: TempDir;
  let snapshot: Snapshot;
  const problemFor = (file: string): Problem[] => snapshot.problems.filter((p) => p.file === file);

  beforeAll(() => {
    tmp = makeTempDir();
    outside = makeTempDir('specledger-outside-');
    writeTree(outside.dir, {
      'secret.md': `# Secret\n\n## Leak {#leak}\n\n${SECRET}\n`,
      'dir/also-secret.md': `# Also\n\n${SECRET}\n`,
    });
    writeTree(tmp.dir, {
      'good.md': specFile({ id: 'good' }, '# Good\n\n## Part {#part}\n\nServed.\n'),
      'binary.md': Buffer.from([0x23, 0x20, 0x42, 0x00, 0x01, 0x02, 0x0a]),
      'big.md': `# Big\n\n${'x'.repeat(5000)}\n`,
      'broken.md': '---\nid: broken\ntags: [a, b\n---\n# Broken\n',
      'a/one.md': specFile({ id: 'same' }, '# One\n\n## First {#first}\n'),
      'b/two.md': specFile({ id: 'same' }, '# Two\n\n## Second {#second}\n'),
      'inside/real.md': '# Real\n\n## Linked {#linked}\n',
      'notes.txt': 'not markdown',
    });
    mkdirSync(tmp.at('links'));
    symlinkSync(path.join(outside.dir, 'secret.md'), tmp.at('links/secret.md'));
    symlinkSync(path.join(outside.dir, 'dir'), tmp.at('links/outside-dir'));
    symlinkSync(tmp.at('inside/real.md'), tmp.at('links/inside-link.md'));
    symlinkSync(tmp.at('nowhere.md'), tmp.at('links/dangling.md'));
    snapshot = loadCorpus({ root: tmp.dir, maxFileBytes: 2000 }).current();
  });
  afterAll(() => {
    tmp.remove();
    outside.remove();
  });

  it('serves the good files', () => {
    expect(snapshot.resolve('good#part').clause?.text).toContain('Served.');
  });

  it('reports a binary file and does not serve it', () => {
    expect(problemFor('binary.md')).toEqual([
      expect.objectContaining({ rule: 'binary', severity: 'error', line: 1 }),
    ]);
    expect(snapshot.specs.map((s) => s.path)).not.toContain('binary.md');
  });

  it('reports a file over the size limit and does not serve it', () => {
    const [problem] = problemFor('big.md');
    expect(problem).toMatchObject({ rule: 'oversize', severity: 'error' });
    expect(problem!.message).toContain('2000');
    expect(snapshot.specs.map((s) => s.path)).not.toContain('big.md');
  });

  it('reports malformed frontmatter at its line and serves the other files', () => {
    // Line 3 is `tags: [a, b`, where the list that is never closed opens.
    expect(problemFor('broken.md')).toEqual([
      expect.objectContaining({ rule: 'frontmatter-syntax', line: 3 }),
    ]);
    expect(snapshot.spec('broken')).toBeUndefined();
    expect(snapshot.spec('good')).toBeDefined();
  });

  it('never reads a symlink that leads outside the root, and reports it', () => {
    expect(problemFor('links/secret.md')).toEqual([
      expect.objectContaining({ rule: 'path-outside-root', severity: 'error' }),
    ]);
    expect(problemFor('links/outside-dir')).toEqual([expect.objectContaining({ rule: 'path-outside-root' })]);
    for (const spec of snapshot.specs) expect(spec.body).not.toContain(SECRET);
    expect(snapshot.specs.some((s) => s.path.startsWith('links/outside-dir'))).toBe(false);
  });

  it('follows a symlink that stays inside the root', () => {
    expect(snapshot.specs.map((s) => s.path)).toContain('links/inside-link.md');
  });

  it('reports a dangling symlink', () => {
    expect(problemFor('links/dangling.md')).toEqual([expect.objectContaining({ rule: 'broken-link' })]);
  });

  it('reports a spec ID claimed by two files against both, at their id: lines, and serves neither as it', () => {
    for (const [file, other] of [
      ['a/one.md', 'b/two.md:2'],
      ['b/two.md', 'a/one.md:2'],
    ] as const) {
      expect(problemFor(file)).toEqual([
        expect.objectContaining({ rule: 'duplicate-spec-id', severity: 'error', line: 2 }),
      ]);
      expect(problemFor(file)[0]!.message).toContain(other);
    }
    expect(() => snapshot.resolve('same#first')).toThrow(/same/);
    expect(() => snapshot.resolve('same#second')).toThrow(/same/);
    expect(snapshot.specs.map((s) => s.path)).not.toContain('a/one.md');
    expect(snapshot.specs.map((s) => s.path)).not.toContain('b/two.md');
  });

  it('ignores files that are not Markdown', () => {
    expect(snapshot.problems.some((p) => p.file === 'notes.txt')).toBe(false);
    expect(snapshot.specs.some((s) => s.path === 'notes.txt')).toBe(false);
  });
});

describe('loadCorpus reload', () => {
  it('keeps serving the last good version of a file that breaks, and serves the fix', () => {
    const tmp = makeTempDir();
    try {
      writeTree(tmp.dir, { 'a.md': specFile({ id: 'a', version: '1.0.0' }, '# A\n\n## X {#x}\n\nfirst\n') });
      const corpus = loadCorpus({ root: tmp.dir });
      writeFileSync(tmp.at('a.md'), '---\nid: a\nversion: [\n---\n');
      const broken = corpus.reload(['a.md']);
      expect(broken.rejected).toEqual(['a.md']);
      expect(corpus.current().resolve('a#x').clause?.text).toContain('first');
      expect(corpus.current().problems).toEqual([
        expect.objectContaining({ file: 'a.md', rule: 'frontmatter-syntax' }),
      ]);
      writeFileSync(tmp.at('a.md'), specFile({ id: 'a', version: '1.1.0' }, '# A\n\n## X {#x}\n\nsecond\n'));
      corpus.reload(['a.md']);
      expect(corpus.current().resolve('a#x').clause?.text).toContain('second');
      expect(corpus.current().problems).toEqual([]);
    } finally {
      tmp.remove();
    }
  });
});

/** The "billion laughs" of issue 13 (under 400 bytes): nine anchors, each nine aliases of the one before (9^9 strings). */
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(
    (name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`,
  ),
].join('\n');

describe('loadCorpus with hostile frontmatter', () => {
  let tmp: TempDir;
  let snapshot: Snapshot;
  const problemFor = (file: string): Problem[] => snapshot.problems.filter((p) => p.file === file);

  beforeAll(() => {
    tmp = makeTempDir();
    writeTree(tmp.dir, {
      'bomb-title.md': `---\n${ALIAS_BOMB}\ntitle: *i\n---\n# Bomb\n\n## Part {#part}\n`,
      'bomb-tags.md': `---\n${ALIAS_BOMB}\ntags: *i\n---\n# Bomb\n\n## Part {#part}\n`,
      '.kiro/steering/bomb.md': `---\n${ALIAS_BOMB}\ninclusion: fileMatch\nfileMatchPattern: *i\n---\n# Bomb\n`,
      'long-title.md': `---\nid: long\ntitle: [${Array(5000).fill('"word"').join(',')}]\n---\n# Long\n\n## Part {#part}\n`,
      'good.md': specFile({ id: 'good' }, '# Good\n\n## Part {#part}\n\nServed.\n'),
    });
    snapshot = loadCorpus({ root: tmp.dir }).current();
  });
  afterAll(() => tmp.remove());

  it('reports a YAML alias bomb as a frontmatter error at the line where its aliases expand too far', () => {
    for (const file of ['bomb-title.md', 'bomb-tags.md', '.kiro/steering/bomb.md']) {
      // Line 5 is `d: &d [*c,…]`: nine aliases of 81 strings each, the first value past yaml's bound of 100.
      expect(problemFor(file)).toEqual([
        expect.objectContaining({ file, line: 5, rule: 'frontmatter-syntax', severity: 'error' }),
      ]);
      expect(problemFor(file)[0]!.message).toMatch(/alias/i);
      expect(snapshot.specs.map((s) => s.path)).not.toContain(file);
    }
  });

  it('serves the rest of the corpus', () => {
    expect(snapshot.resolve('good#part').clause?.text).toContain('Served.');
    expect(snapshot.resolve('long#part').spec.path).toBe('long-title.md');
  });

  it('quotes a wrong value in a problem only in part', () => {
    const [problem] = problemFor('long-title.md');
    expect(problem).toMatchObject({ line: 3, rule: 'frontmatter-schema' });
    expect(problem!.message).toContain('frontmatter "title"');
    expect(problem!.message).toContain('(5000 items)');
    expect(problem!.message.length).toBeLessThan(300);
  });
});

describe('loadCorpus with two files claiming one spec ID', () => {
  it('reports both at their id: lines and serves neither under that ID, so a new file cannot take it over', () => {
    const tmp = makeTempDir();
    try {
      writeTree(tmp.dir, {
        '0-notes.md': specFile(
          { title: 'Notes', id: 'auth' },
          '# Notes\n\n## Rotation {#rotation}\n\nForged.\n',
        ),
        'auth.md': specFile({ id: 'auth' }, '# Auth\n\n## Rotation {#rotation}\n\nRotate keys.\n'),
        'billing.md': specFile({}, '# Billing\n\n## Refunds {#refunds}\n'),
        'billing-copy.md': specFile({ id: 'billing' }, '# Copy\n'),
        'other.md': specFile({ id: 'other' }, '# Other\n\n## Part {#part}\n'),
      });
      const snapshot = loadCorpus({ root: tmp.dir }).current();
      const clashes = snapshot.problems.filter((p) => p.rule === 'duplicate-spec-id');
      expect(clashes.map((p) => [p.file, p.line, p.severity])).toEqual([
        ['0-notes.md', 3, 'error'],
        ['auth.md', 2, 'error'],
        // billing.md takes its ID from its path: no id: line, so line 1.
        ['billing-copy.md', 2, 'error'],
        ['billing.md', 1, 'error'],
      ]);
      expect(clashes[0]!.message).toContain('auth.md:2');
      expect(clashes[1]!.message).toContain('0-notes.md:3');
      expect(() => snapshot.resolve('auth#rotation')).toThrow();
      expect(() => snapshot.resolve('billing#refunds')).toThrow();
      expect(snapshot.resolve('other#part').spec.path).toBe('other.md');
    } finally {
      tmp.remove();
    }
  });
});
