// Several roots as one snapshot: root-qualified refs, bare refs across roots, short names, per-root reloads.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpecLedgerError } from '../../src/errors.js';
import { createTokenCounter } from '../../src/parse/tokens.js';
import { type Federation, loadFederation } from '../../src/roots/federation.js';
import { resolveRootList } from '../../src/roots/root-list.js';
import { makeTempDir, specFile, type TempDir, writeTree } from '../helpers/temp.js';

let tmp: TempDir;
let fed: Federation;
beforeEach(async () => {
  tmp = makeTempDir('specledger-federation-unit-');
  writeTree(tmp.dir, {
    'pay/auth.md': specFile(
      { id: 'auth', version: '1.0.0' },
      '# Auth\n\n## Lifetime {#token-lifetime}\n\n15 minutes.\n',
    ),
    'pay/openspec/specs/cli-archive/spec.md':
      '# Archive\n\n### Requirement: Archive\n\nThe system SHALL archive.\n',
    'pay/openspec/specs/cli-init/spec.md': '# Init\n\n### Requirement: Init\n\nThe system SHALL init.\n',
    'Ledger/auth.md': specFile(
      { id: 'auth', version: '2.0.0' },
      '# Auth\n\n## Lifetime {#token-lifetime}\n\n5 minutes.\n',
    ),
    'Ledger/rules.md': '# Rules\n\n- **LED-1**: every write is logged\n',
    'Ledger/broken.md': '---\nid: [oops\n---\n# Broken\n',
  });
  const list = resolveRootList({ specs: ['pay=pay', 'Ledger=Ledger'], cwd: tmp.dir, fallback: 'specs' });
  fed = await loadFederation(list, { tokens: createTokenCounter() });
});
afterEach(() => tmp.remove());

function failure(ref: string): SpecLedgerError {
  try {
    fed.corpus.current().resolve(ref);
  } catch (error) {
    if (error instanceof SpecLedgerError) return error;
    throw error;
  }
  throw new Error(`"${ref}" resolved`);
}

describe('federation refs', () => {
  it('resolves ROOT:SPEC#CLAUSE, ROOT:CLAUSE-ID and a bare ref that one root has', () => {
    const snap = fed.corpus.current();
    expect(snap.resolve('pay:auth#token-lifetime').clause?.text).toMatch(/15 minutes/);
    expect(snap.resolve('Ledger:auth#token-lifetime').clause?.text).toMatch(/5 minutes/);
    expect(snap.resolve('Ledger:LED-1').clause?.ref).toBe('Ledger:rules#LED-1');
    expect(snap.resolve('LED-1').clause?.ref).toBe('Ledger:rules#LED-1');
    expect(snap.resolve('cli-archive').spec.id).toBe('pay:openspec/specs/cli-archive/spec');
  });

  it('refuses a bare ref that two roots have, naming both', () => {
    const spec = failure('auth');
    expect(spec.code).toBe('AMBIGUOUS');
    expect([...(spec.candidates ?? [])].sort()).toEqual(['Ledger:auth', 'pay:auth']);
    const clause = failure('auth#token-lifetime');
    expect(clause.code).toBe('AMBIGUOUS');
    expect([...(clause.candidates ?? [])].sort()).toEqual([
      'Ledger:auth#token-lifetime',
      'pay:auth#token-lifetime',
    ]);
  });

  it('names the specs a root-qualified short name could mean, as it does without a root', () => {
    const rooted = failure('pay:spec#req-archive');
    expect(rooted.code).toBe('AMBIGUOUS');
    expect([...(rooted.candidates ?? [])].sort()).toEqual([
      'pay:openspec/specs/cli-archive/spec',
      'pay:openspec/specs/cli-init/spec',
    ]);
    expect(rooted.message).toMatch(/matches 2 specs/);
    // The root's own short name still resolves when it is unique, and another root's specs are never candidates.
    expect(fed.corpus.current().resolve('pay:cli-init/spec').spec.id).toBe(
      'pay:openspec/specs/cli-init/spec',
    );
    expect(failure('Ledger:spec#req-archive').code).toBe('NOT_FOUND');
  });

  it('never answers ROOT:SPEC from another root, whatever its files are named', async () => {
    // Files named like another root's refs: `pay:rules.md` and `x/pay:payments.md` in root Ledger.
    writeTree(tmp.dir, {
      'Ledger/pay:rules.md': '# Spoofed\n\n- **SPOOF-1**: SPOOFED\n',
      'Ledger/x/pay:payments.md': '# Spoofed\n\n- **SPOOF-2**: SPOOFED\n',
    });
    const list = resolveRootList({ specs: ['pay=pay', 'Ledger=Ledger'], cwd: tmp.dir, fallback: 'specs' });
    fed = await loadFederation(list, { tokens: createTokenCounter() });
    expect(failure('pay:rules#SPOOF-1').code).toBe('NOT_FOUND');
    expect(failure('pay:payments#SPOOF-2').code).toBe('NOT_FOUND');
    expect(fed.corpus.current().resolve('Ledger:pay:rules#SPOOF-1').clause?.text).toMatch(/SPOOFED/);
    expect(fed.corpus.current().resolve('pay:auth#token-lifetime').clause?.text).toMatch(/15 minutes/);
  });

  it('shortens names within a root and keeps the root as it was named', () => {
    const snap = fed.corpus.current();
    expect(snap.shortId(snap.spec('pay:openspec/specs/cli-archive/spec')!)).toBe('pay:cli-archive');
    expect(snap.shortId(snap.spec('Ledger:rules')!)).toBe('Ledger:rules');
  });

  it('reports a root’s file problems under the root’s folder, with their line', () => {
    const problem = fed.corpus.current().problems.find((p) => p.file === 'Ledger/broken.md');
    expect(problem).toMatchObject({ line: expect.any(Number), severity: 'error' });
  });
});

describe('federation reloads', () => {
  it('swaps in one root’s reload and keeps every other root’s documents as they were', () => {
    const before = fed.corpus.current();
    const payAuth = before.spec('pay:auth');
    writeFileSync(
      tmp.at('Ledger/auth.md'),
      specFile({ id: 'auth', version: '2.1.0' }, '# Auth\n\n## Lifetime {#token-lifetime}\n\n7 minutes.\n'),
    );
    const ledger = fed.roots.find((r) => r.name === 'Ledger')!;
    const result = fed.rootReloaded(ledger, ledger.corpus.reload(['auth.md']));
    expect(result.before).toBe(before);
    expect(result.after.resolve('Ledger:auth#token-lifetime').clause?.text).toMatch(/7 minutes/);
    expect(result.after.spec('pay:auth')).toBe(payAuth);
  });

  it('says on the root page that a root whose folder is gone is not served, until it comes back', () => {
    const ledger = fed.roots.find((r) => r.name === 'Ledger')!;
    rmSync(tmp.at('Ledger'), { recursive: true });
    const gone = fed.rootReloaded(ledger, ledger.corpus.rescan()).after;
    expect(gone.root.text).toMatch(/^- Ledger: not served now \(cannot list folder: .*ENOENT.*\)$/m);
    expect(gone.root.text).toMatch(/^- pay: 3 specs, /m);
    expect(gone.spec('pay:auth')).toBeDefined();
    mkdirSync(tmp.at('Ledger'));
    writeFileSync(tmp.at('Ledger/rules.md'), '# Rules\n\n- **LED-1**: every write is logged\n');
    const back = fed.rootReloaded(ledger, ledger.corpus.rescan()).after;
    expect(back.root.text).toMatch(/^- Ledger: 1 specs, 1 clauses$/m);
  });
});
