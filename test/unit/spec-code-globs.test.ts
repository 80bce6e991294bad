// applies_to globs: the same answers as picomatch (dot: true) on the syntax they share, in time linear in the path.
import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { compileCodeGlob, createGlobCompiler } from '../../src/parse/code-globs.js';
import { parse } from '../helpers/parse.js';

const matcher = (glob: string) => {
  const compiled = compileCodeGlob(glob);
  if (!compiled.ok) throw new Error(`${glob} refused: ${compiled.reason}`);
  return compiled.test;
};

describe('compileCodeGlob', () => {
  it.each([
    ['src/**/*.ts', 'src/a/b/c.ts', true],
    ['src/**/*.ts', 'src/c.ts', true],
    ['src/**/*.ts', 'lib/c.ts', false],
    ['src/**', 'src', true],
    ['src/**', 'src/a/b', true],
    ['**/*.md', 'README.md', true],
    ['**/*.md', 'docs/.hidden/x.md', true],
    ['*.{ts,tsx}', 'a.tsx', true],
    ['*.{ts,tsx}', 'a.js', false],
    ['api/v[0-9]/*', 'api/v2/x', true],
    ['api/v[!0-9]/*', 'api/v2/x', false],
    ['a/*/c', 'a/b/x/c', false],
    ['file?.txt', 'file1.txt', true],
    ['!docs/**', 'src/a.ts', true],
    ['!docs/**', 'docs/a.md', false],
    ['lit\\*eral', 'lit*eral', true],
    ['lit\\*eral', 'litxeral', false],
    ['{a,{b,c}}/x', 'c/x', true],
    ['{x}/y', '{x}/y', true],
  ])('matches %s against %s as %s', (glob, path, expected) => {
    expect(matcher(glob)(path)).toBe(expected);
  });

  it('refuses extglobs and over-long globs with a reason', () => {
    expect(compileCodeGlob('@(a*)*(a*)*(a*)*(a*)b')).toEqual({
      ok: false,
      reason: expect.stringContaining('extglob'),
    });
    expect(compileCodeGlob('a'.repeat(2000))).toEqual({ ok: false, reason: expect.stringContaining('1024') });
    expect(compileCodeGlob('{a,b')).toEqual({ ok: false, reason: expect.stringContaining('unclosed') });
  });

  it('compiles each glob once per load, and still reports a bad glob in every file that uses it', () => {
    const globs = createGlobCompiler(2);
    expect(globs.compile('src/**')).toBe(globs.compile('src/**'));
    for (const glob of ['src/**', 'a/*', 'b/?', 'src/**']) {
      const once = globs.compile(glob);
      expect(once.ok).toBe(true);
      if (once.ok)
        expect(['src/x', 'a/y', 'b/z', 'c'].map(once.test)).toEqual(
          ['src/x', 'a/y', 'b/z', 'c'].map(matcher(glob)),
        );
    }
    // The parse helper shares one context (and so one glob compiler) across files, as a corpus load does.
    const text = (id: string) => `---\nid: ${id}\napplies_to: ["@(a*)b", "src/**"]\n---\n# ${id}\n`;
    for (const id of ['first', 'second']) {
      const { doc, problems } = parse(`${id}.md`, text(id));
      expect(problems).toEqual([
        expect.objectContaining({ file: `${id}.md`, line: 3, rule: 'frontmatter-schema' }),
      ]);
      expect(doc!.appliesTo).toEqual(['src/**']);
    }
  });

  it('takes at most 4,096 characters of globs from one spec, and says which were left out', () => {
    // 2,035 globs of 1,023 characters in one file once stalled specs_for_path, and every client, for minutes.
    const globs = Array.from({ length: 10 }, (_, i) => `src/${'*a'.repeat(497)}${i}/**`);
    const { doc, problems } = parse(
      'many.md',
      `---\nid: many\napplies_to: ${JSON.stringify(globs)}\n---\n# Many\n`,
    );
    expect(doc!.appliesTo).toEqual(globs.slice(0, 4));
    expect(problems).toEqual([
      expect.objectContaining({
        line: 3,
        message: expect.stringMatching(/over 4096 characters of globs; .* and the 5 after it are ignored/),
      }),
    ]);
  });

  it('answers the globs that make a backtracking matcher run for seconds', () => {
    // picomatch takes 1.5 s on the second case and grows without bound on the third; here each is one pass.
    expect(matcher('*a*a*a*a*a*a*b')('a'.repeat(5000))).toBe(false);
    expect(matcher('**/a/**/a/**/a/**/a/**/b')('a/'.repeat(5000))).toBe(false);
    expect(matcher('{*a,*b}{*a,*b}{*a,*b}{*a,*b}c')('a'.repeat(5000))).toBe(false);
  });

  // picomatch reads `[!a]` as "`!` or `a`"; bash, and this matcher, read it as "not `a`" (the table above).
  it('agrees with picomatch on random globs and paths over the shared syntax', () => {
    const segment = fc.constantFrom('a', 'b', 'ab', 'x.ts', '.d', 'a.b.c');
    const globSegment = fc.constantFrom(
      '*',
      '**',
      '?',
      'a*',
      '*b',
      '*.ts',
      '{a,b}',
      '[ab]',
      '[^a]*',
      'a',
      'x.ts',
      '.d',
    );
    fc.assert(
      fc.property(
        fc.array(globSegment, { minLength: 1, maxLength: 4 }),
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        (globParts, pathParts) => {
          // picomatch lets `a/**` match `a` but not `*/**` match `a`; this matcher lets both match.
          const before = globParts.at(-2);
          fc.pre(!(globParts.at(-1) === '**' && before !== undefined && /[*?[{]/.test(before)));
          const glob = globParts.join('/');
          const path = pathParts.join('/');
          expect(matcher(glob)(path), `${glob} on ${path}`).toBe(picomatch(glob, { dot: true })(path));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
