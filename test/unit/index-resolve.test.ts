// Reference resolution over a whole corpus: SPEC#CLAUSE, bare IDs, ambiguity, did-you-mean and case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/corpus/corpus.js';
import type { Snapshot } from '../../src/corpus/snapshot.js';
import { SpecLedgerError } from '../../src/errors.js';
import { makeTempDir, specFile, type TempDir, writeTree } from '../helpers/temp.js';

function failure(snapshot: Snapshot, ref: string): SpecLedgerError {
  try {
    snapshot.resolve(ref);
  } catch (error) {
    if (error instanceof SpecLedgerError) return error;
    throw error;
  }
  throw new Error(`"${ref}" resolved, but was expected to fail`);
}

describe('resolve', () => {
  let tmp: TempDir;
  let snapshot: Snapshot;

  beforeAll(() => {
    tmp = makeTempDir();
    writeTree(tmp.dir, {
      'auth.md': specFile(
        { id: 'auth', version: '1.0.0' },
        '# Auth\n\n## Token lifetime {#token-lifetime}\n\n15 minutes.\n\n## Keys {#keys}\n\n- **AUTH-1**: rotate\n',
      ),
      'specs/001-login/spec.md':
        '# Login\n\n## Requirements\n\n- **FR-001**: log in\n- **FR-002**: log out\n',
      'specs/002-reset/spec.md': '# Reset\n\n## Requirements\n\n- **FR-001**: reset password\n',
      'vendor/openai/model_spec.md':
        '# Overview {#overview}\n\ntext\n\n## Chain {#chain_of_command authority=root}\n',
      'openspec/changes/add-2fa/specs/auth/spec.md':
        '# 2FA\n\n### Requirement: Second factor\n\nThe system SHALL.\n',
    });
    snapshot = loadCorpus({ root: tmp.dir }).current();
  });
  afterAll(() => tmp.remove());

  it('resolves SPEC#CLAUSE to that clause', () => {
    const { spec, clause } = snapshot.resolve('auth#token-lifetime');
    expect(spec.id).toBe('auth');
    expect(clause).toMatchObject({
      id: 'token-lifetime',
      ref: 'auth#token-lifetime',
      title: 'Token lifetime',
    });
  });

  it('resolves a bare clause ID that only one spec carries', () => {
    expect(snapshot.resolve('token-lifetime').clause?.ref).toBe('auth#token-lifetime');
    expect(snapshot.resolve('AUTH-1').clause?.ref).toBe('auth#AUTH-1');
  });

  it('resolves a spec ID, bare or with an empty clause, to the whole spec', () => {
    expect(snapshot.resolve('auth')).toMatchObject({ spec: { id: 'auth' }, clause: null });
    expect(snapshot.resolve('auth#')).toMatchObject({ spec: { id: 'auth' }, clause: null });
  });

  it('scopes Spec Kit requirement IDs by feature folder', () => {
    expect(snapshot.resolve('specs/001-login/spec#FR-001').clause?.title).toBe('log in');
    expect(snapshot.resolve('specs/002-reset/spec#FR-001').clause?.title).toBe('reset password');
    expect(snapshot.resolve('FR-002').clause?.ref).toBe('specs/001-login/spec#FR-002');
  });

  it('refuses a bare ID that several specs carry, listing each as SPEC#CLAUSE', () => {
    const error = failure(snapshot, 'FR-001');
    expect(error.code).toBe('AMBIGUOUS');
    expect([...error.candidates].sort()).toEqual([
      'specs/001-login/spec#FR-001',
      'specs/002-reset/spec#FR-001',
    ]);
    expect(error.message).toContain('specs/001-login/spec#FR-001');
  });

  it('reports an unknown clause with did-you-mean candidates', () => {
    const error = failure(snapshot, 'auth#token-lifetim');
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(/did you mean auth#token-lifetime/);
    expect(error.candidates).toContain('auth#token-lifetime');
  });

  it('reports an unknown bare ID with candidates from the whole corpus', () => {
    const error = failure(snapshot, 'tokn-lifetime');
    expect(error.code).toBe('NOT_FOUND');
    expect(error.candidates).toContain('auth#token-lifetime');
  });

  it('reports an unknown spec with the spec IDs it may have meant', () => {
    const error = failure(snapshot, 'aut#keys');
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('"aut"');
    expect(error.candidates).toContain('auth');
  });

  it('reports nothing-like-it without inventing candidates', () => {
    const error = failure(snapshot, 'zzzzzzzz#qqqq');
    expect(error.code).toBe('NOT_FOUND');
    expect(error.candidates).toEqual([]);
  });

  it('ignores case in spec and clause IDs', () => {
    expect(snapshot.resolve('AUTH#Token-Lifetime').clause?.ref).toBe('auth#token-lifetime');
    expect(snapshot.resolve('Specs/001-Login/Spec#fr-001').clause?.ref).toBe('specs/001-login/spec#FR-001');
    expect(snapshot.resolve('TOKEN-LIFETIME').clause?.ref).toBe('auth#token-lifetime');
    expect(snapshot.resolve('auth-1').clause?.ref).toBe('auth#AUTH-1');
    expect(failure(snapshot, 'fr-001').code).toBe('AMBIGUOUS');
  });

  it('finds a nested spec by the last segments of its ID', () => {
    expect(snapshot.resolve('model_spec#chain_of_command').clause?.attrs).toEqual({ authority: 'root' });
    expect(snapshot.resolve('openai/model_spec#overview').spec.id).toBe('vendor/openai/model_spec');
  });

  it('keeps proposals out of bare-ID lookups but serves them by full reference', () => {
    expect(failure(snapshot, 'req-second-factor').code).toBe('NOT_FOUND');
    const ref = 'openspec/changes/add-2fa/specs/auth/spec#req-second-factor';
    expect(snapshot.resolve(ref).clause?.ref).toBe(ref);
  });

  it('rejects an empty reference as a bad argument', () => {
    expect(failure(snapshot, '  ').code).toBe('INVALID_ARGUMENT');
  });
});
