// The git rules of `specledger lint` across real commits: version bumps, removed clause IDs and drift.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Finding, runLint } from '../../src/governance/index.js';
import { authSpec, specText, type TempRepo, tempRepo } from './lint-fixtures.js';

let repo: TempRepo;
beforeEach(() => {
  repo = tempRepo();
});
afterEach(() => repo.cleanup());

async function lint(options: { specs?: string; base?: string } = {}): Promise<Finding[]> {
  const report = await runLint({
    specs: `${repo.dir}/${options.specs ?? 'specs'}`,
    base: options.base,
    cwd: repo.dir,
  });
  return report.findings;
}

const rule = (findings: Finding[], id: string) => findings.filter((f) => f.rule === id);

describe('version-not-bumped', () => {
  beforeEach(() => {
    repo.write('specs/auth.md', authSpec());
    repo.commit('auth 1.0.0');
  });

  it('flags a content change whose version did not go up, on the version line', async () => {
    repo.write('specs/auth.md', authSpec().replace('15 minutes', '30 minutes'));
    repo.commit('longer tokens');
    const findings = rule(await lint({ base: 'HEAD~1' }), 'version-not-bumped');
    expect(findings).toEqual([
      expect.objectContaining({
        file: 'auth.md',
        line: 3,
        severity: 'error',
        message: 'content changed since HEAD~1 (1 clause edited) but version is still 1.0.0',
        hint: expect.stringContaining('version: 1.0.1'),
      }),
    ]);
  });

  it('flags a version that went down, and uncommitted edits too', async () => {
    const base = repo.git('rev-parse', 'HEAD');
    repo.write(
      'specs/auth.md',
      authSpec({ version: '0.9.0' }, '\n## Audit {#audit}\n\nEvery key use is logged.\n'),
    );
    const [finding] = rule(await lint({ base }), 'version-not-bumped');
    expect(finding?.message).toMatch(/1 added\) but version went down from 1\.0\.0 to 0\.9\.0$/);
    expect(finding?.hint).toContain('version: 1.1.0');
  });

  it('accepts a bumped version, a frontmatter-only change and a changed draft', async () => {
    repo.write('specs/auth.md', authSpec({ version: '1.0.1' }).replace('15 minutes', '30 minutes'));
    repo.write(
      'specs/notes.md',
      specText({ id: 'notes', status: 'draft', version: '0.1.0' }, '# Notes\n\nOne.\n'),
    );
    repo.commit('bump');
    const base = repo.git('rev-parse', 'HEAD');
    repo.write(
      'specs/auth.md',
      authSpec({ version: '1.0.1', owners: '[security-team, platform]' }).replace('15 minutes', '30 minutes'),
    );
    repo.write(
      'specs/notes.md',
      specText({ id: 'notes', status: 'draft', version: '0.1.0' }, '# Notes\n\nTwo.\n'),
    );
    repo.commit('owners and notes');
    expect(rule(await lint({ base: 'HEAD~2' }), 'version-not-bumped')).toEqual([]);
    expect(rule(await lint({ base }), 'version-not-bumped')).toEqual([]);
  });
});

describe('clause-removed', () => {
  beforeEach(() => {
    repo.write('specs/auth.md', authSpec());
    repo.commit('auth 1.0.0');
  });

  it('flags a removed clause ID once per removed section, naming its line at the base', async () => {
    repo.write(
      'specs/auth.md',
      authSpec({ version: '2.0.0' }).replace(/## Token lifetime[\s\S]*?(## Key storage)/, '$1'),
    );
    repo.commit('drop token lifetime');
    const findings = rule(await lint({ base: 'HEAD~1' }), 'clause-removed');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: 'auth.md', ref: 'auth#token-lifetime', severity: 'error' });
    expect(findings[0]!.message).toContain('line 10 at HEAD~1');
    expect(findings[0]!.message).toContain('with 2 clauses inside it');
    expect(findings[0]!.hint).toContain('deprecated_clauses: [token-lifetime]');
  });

  it('accepts removals listed in deprecated_clauses or marked deprecated at the base', async () => {
    repo.write('specs/auth.md', authSpec().replace('{#key-storage}', '{#key-storage deprecated}'));
    repo.commit('deprecate key storage');
    repo.write(
      'specs/auth.md',
      authSpec({ version: '2.0.0', deprecated_clauses: '[AUTH-2]' })
        .replace('- **AUTH-2**: Tokens are not refreshable.\n', '')
        .replace(/## Key storage[\s\S]*$/, ''),
    );
    repo.commit('remove');
    const findings = await lint({ base: 'HEAD~1' });
    expect(rule(findings, 'clause-removed')).toEqual([]);
    expect(rule(findings, 'version-not-bumped')).toEqual([]);
  });

  it('accepts removals from a deprecated or draft spec', async () => {
    repo.write('specs/auth.md', authSpec({ status: 'deprecated' }).replace(/## Key storage[\s\S]*$/, ''));
    repo.write('specs/draft.md', specText({ id: 'draft', status: 'draft' }, '# D\n\n## A {#a}\n\nx\n'));
    repo.commit('deprecate auth, add draft');
    repo.write('specs/draft.md', specText({ id: 'draft', status: 'draft' }, '# D\n'));
    repo.commit('trim draft');
    expect(rule(await lint({ base: 'HEAD~2' }), 'clause-removed')).toEqual([]);
    expect(rule(await lint({ base: 'HEAD~1' }), 'clause-removed')).toEqual([]);
  });

  it('flags a deleted approved spec, and follows a moved one by its ID', async () => {
    repo.write('specs/security/auth.md', authSpec());
    repo.remove('specs/auth.md');
    repo.commit('move auth');
    expect(await lint({ base: 'HEAD~1' })).toEqual([]);
    repo.remove('specs/security/auth.md');
    repo.commit('delete auth');
    expect(rule(await lint({ base: 'HEAD~1' }), 'clause-removed')).toEqual([
      expect.objectContaining({
        file: 'security/auth.md',
        line: 1,
        message: expect.stringContaining('deleted'),
      }),
    ]);
  });

  it('works when the spec root is a subfolder of the repository', async () => {
    repo.write('docs/specs/auth.md', authSpec());
    repo.commit('docs copy');
    repo.write('docs/specs/auth.md', authSpec().replace(/## Key storage[\s\S]*$/, ''));
    repo.commit('drop key storage');
    const findings = await lint({ specs: 'docs/specs', base: 'HEAD~1' });
    expect(findings.map((f) => [f.rule, f.file, f.ref ?? null])).toEqual([
      ['version-not-bumped', 'auth.md', null],
      ['clause-removed', 'auth.md', 'auth#key-storage'],
    ]);
  });

  it('rejects a base that names no commit, and a base outside git', async () => {
    await expect(lint({ base: 'no-such-branch' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('drift', () => {
  beforeEach(() => {
    repo.write('src/auth/keys.ts', 'export const a = 1;\n');
    repo.write('src/other.ts', 'export const b = 1;\n');
    repo.write('specs/auth.md', authSpec({ applies_to: '["src/auth/**"]' }));
    repo.commit('auth spec and code');
  });

  it('reports code under applies_to changed after the spec last changed, with the newest commit', async () => {
    repo.write('src/auth/keys.ts', 'export const a = 2;\n');
    repo.commit('first change');
    repo.write('src/auth/tokens.ts', 'export const t = 1;\n');
    const newest = repo.commit('tokens');
    const findings = rule(await lint(), 'drift');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: 'auth.md', line: 6, severity: 'warning' });
    expect(findings[0]!.message).toContain('2 commits, 2 files');
    expect(findings[0]!.message).toContain(`newest ${newest.slice(0, 7)}`);
    expect(findings[0]!.message).toContain('"tokens" changed src/auth/tokens.ts');
  });

  it('stays quiet when only other code changed, or the spec changed after the code', async () => {
    repo.write('src/other.ts', 'export const b = 2;\n');
    repo.commit('unrelated');
    expect(rule(await lint(), 'drift')).toEqual([]);
    repo.write('src/auth/keys.ts', 'export const a = 3;\n');
    repo.commit('code');
    repo.write(
      'specs/auth.md',
      authSpec({ applies_to: '["src/auth/**"]', version: '1.0.1' }, '\nReviewed.\n'),
    );
    repo.commit('spec follows code');
    expect(rule(await lint(), 'drift')).toEqual([]);
  });

  it('does not report a spec with uncommitted edits', async () => {
    repo.write('src/auth/keys.ts', 'export const a = 2;\n');
    repo.commit('code');
    repo.write(
      'specs/auth.md',
      authSpec({ applies_to: '["src/auth/**"]', version: '1.0.1' }, '\nEditing.\n'),
    );
    expect(rule(await lint(), 'drift')).toEqual([]);
  });

  it('reads applies_to relative to drift.codeRoot from the config', async () => {
    repo.write('specs/specledger.lint.json', JSON.stringify({ drift: { codeRoot: '../src' } }));
    repo.write('specs/auth.md', authSpec({ applies_to: '["auth/**"]' }));
    repo.commit('globs relative to src');
    repo.write('src/auth/keys.ts', 'export const a = 2;\n');
    repo.commit('code');
    expect(rule(await lint(), 'drift')).toEqual([
      expect.objectContaining({ message: expect.stringContaining('changed auth/keys.ts') }),
    ]);
  });
});

describe('outside git', () => {
  it('skips drift with a note, and refuses --base', async () => {
    const { tempTree } = await import('./lint-fixtures.js');
    const tree = tempTree();
    try {
      tree.write('auth.md', authSpec({ applies_to: '["src/**"]' }));
      const report = await runLint({ specs: tree.dir, cwd: tree.dir });
      expect(report.findings).toEqual([]);
      expect(report.notes).toContain('not a git repository: drift not checked');
      await expect(runLint({ specs: tree.dir, cwd: tree.dir, base: 'main' })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    } finally {
      tree.cleanup();
    }
  });
});
