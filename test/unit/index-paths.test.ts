// specsForPath: the specs whose applies_to (or Kiro fileMatch) globs match a code path, and AGENTS.md nearest last.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/corpus/corpus.js';
import type { Snapshot } from '../../src/corpus/snapshot.js';
import { SpecLedgerError } from '../../src/errors.js';
import { makeTempDir, specFile, type TempDir, writeTree } from '../helpers/temp.js';

describe('specsForPath', () => {
  let tmp: TempDir;
  let snapshot: Snapshot;

  beforeAll(() => {
    tmp = makeTempDir();
    writeTree(tmp.dir, {
      'README.md': '# Root\n\nThe root document.\n',
      'AGENTS.md': '# Everywhere\n\nRoot rules.\n',
      'services/AGENTS.md': '# Services\n\nService rules.\n',
      'services/refunds/AGENTS.md': '# Refunds\n\nRefund rules.\n',
      'services/refunds-legacy/AGENTS.md': '# Legacy refunds\n',
      'web/AGENTS.md': '# Web\n',
      'specs/refunds.md': specFile(
        { id: 'refunds', applies_to: ['services/refunds/**'], version: '1.0.0', status: 'approved' },
        '# Refunds\n\n## Window {#window}\n\n### Detail {#detail}\n\n## Limits {#limits}\n',
      ),
      'specs/ts-rules.md': specFile(
        { id: 'ts-rules', applies_to: '**/*.ts' },
        '# TS\n\n## Strict {#strict}\n',
      ),
      'specs/web.md': specFile({ id: 'web', applies_to: ['web/**'] }, '# Web\n'),
      'specs/unscoped.md': specFile({ id: 'unscoped' }, '# Unscoped\n'),
      '.kiro/steering/api.md':
        '---\ninclusion: fileMatch\nfileMatchPattern: "services/**/api.ts"\n---\n# API steering\n\n## Shape\n',
    });
    snapshot = loadCorpus({ root: tmp.dir }).current();
  });
  afterAll(() => tmp.remove());

  it('lists the specs whose applies_to globs match, with the glob that matched', () => {
    const match = snapshot.specsForPath('services/refunds/src/api.ts');
    expect(match.specs.map((s) => [s.id, s.matched])).toEqual(
      expect.arrayContaining([
        ['refunds', 'services/refunds/**'],
        ['ts-rules', '**/*.ts'],
        ['.kiro/steering/api', 'services/**/api.ts'],
      ]),
    );
    expect(match.specs.map((s) => s.id)).not.toContain('web');
    expect(match.specs.map((s) => s.id)).not.toContain('unscoped');
    expect(match.specs).toHaveLength(3);
  });

  it('lists the top-level clauses of matched specs as references with token costs, not bodies', () => {
    const match = snapshot.specsForPath('services/refunds/src/api.ts');
    const refs = match.clauses.map((c) => c.ref);
    expect(refs).toEqual(expect.arrayContaining(['refunds#window', 'refunds#limits', 'ts-rules#strict']));
    expect(refs).not.toContain('refunds#detail');
    for (const c of match.clauses) {
      expect(c.tokens).toBeGreaterThan(0);
      expect(Object.keys(c).sort()).toEqual(['ref', 'title', 'tokens']);
    }
  });

  it('lists the AGENTS.md files from the root down to the path, nearest last', () => {
    const match = snapshot.specsForPath('services/refunds/src/api.ts');
    expect(match.agents.map((a) => a.path)).toEqual([
      'AGENTS.md',
      'services/AGENTS.md',
      'services/refunds/AGENTS.md',
    ]);
    for (const a of match.agents) expect(a.tokens).toBeGreaterThan(0);
  });

  it('does not take a sibling folder that shares a name prefix for a parent', () => {
    const match = snapshot.specsForPath('services/refunds-legacy/x.py');
    expect(match.agents.map((a) => a.path)).toEqual([
      'AGENTS.md',
      'services/AGENTS.md',
      'services/refunds-legacy/AGENTS.md',
    ]);
    expect(match.specs.map((s) => s.id)).toEqual([]);
  });

  it('matches a Kiro fileMatch pattern only where it applies', () => {
    expect(snapshot.specsForPath('services/payments/api.ts').specs.map((s) => s.id)).toContain(
      '.kiro/steering/api',
    );
    expect(snapshot.specsForPath('services/payments/db.ts').specs.map((s) => s.id)).not.toContain(
      '.kiro/steering/api',
    );
  });

  it('accepts ./ prefixes, backslashes and folder paths', () => {
    expect(snapshot.specsForPath('./services\\refunds\\src\\api.ts').path).toBe(
      'services/refunds/src/api.ts',
    );
    expect(snapshot.specsForPath('web/').agents.map((a) => a.path)).toEqual(['AGENTS.md', 'web/AGENTS.md']);
  });

  it('rejects paths that climb out of the repository', () => {
    for (const bad of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'a\0b']) {
      expect(() => snapshot.specsForPath(bad)).toThrow(SpecLedgerError);
    }
  });
});
