// The behaviour every LedgerStore must show, and the queries answered from it; run once per store with its own opener.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpecLedgerError } from '../../src/errors.js';
import { canonicalRecordJson, GENESIS_HASH } from '../../src/ledger/hash-chain.js';
import { leafHash } from '../../src/ledger/merkle.js';
import { attest, runShow, runsList, staleReads, whoRead } from '../../src/ledger/queries.js';
import type { LedgerStore } from '../../src/ledger/types.js';
import { digestFor, readInput } from '../fixtures/ledger-records.js';

export interface OpenedLedger {
  store: LedgerStore;
  /** Opens a second store on the same ledger (after `store` is closed), to show records persist. */
  reopen: () => Promise<LedgerStore>;
  /** Closes anything still open and removes the ledger. */
  cleanup: () => Promise<void>;
}

export function describeLedgerContract(name: string, open: () => Promise<OpenedLedger>): void {
  describe(`${name} ledger store`, () => {
    let ledger: OpenedLedger;
    let store: LedgerStore;

    beforeEach(async () => {
      ledger = await open();
      store = ledger.store;
    });
    afterEach(async () => {
      await ledger.cleanup();
    });

    it('numbers appended records from seq 1 and links each to the previous hash', async () => {
      const records = await store.append([readInput(), readInput({ clause_id: 'AUTH-2' })]);
      const [first, second] = records;
      expect(records.map((r) => r.seq)).toEqual([1, 2]);
      expect(first?.prev_hash).toBe(GENESIS_HASH);
      expect(second?.prev_hash).toBe(first?.hash);
      expect(first?.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it("hashes a new ledger's records as their Merkle leaves, so one hash checks a record and gives its leaf", async () => {
      expect(store.recordHash).toBe('leaf');
      const records = await store.append([readInput(), readInput({ clause_id: 'AUTH-2' })]);
      for (const record of records)
        expect(record.hash).toBe(leafHash(canonicalRecordJson(record)).toString('hex'));
      await store.close();
      store = await ledger.reopen();
      expect(store.recordHash).toBe('leaf');
      expect(await store.verify()).toEqual({ ok: true, records: 2 });
    });

    it('returns stored records exactly as append returned them, nulls included', async () => {
      const [appended] = await store.append([
        readInput({
          principal: null,
          session_id: null,
          client_name: null,
          client_version: null,
          clause_id: null,
        }),
      ]);
      expect(await store.reads({})).toEqual([appended]);
      expect(appended).not.toHaveProperty('text');
    });

    it('finds reads by run, by spec and clause, and by digest', async () => {
      const changed = readInput({ run_id: 'run-2', text: 'AUTH-1, revised' });
      await store.append([
        readInput(),
        readInput({ clause_id: 'AUTH-2' }),
        changed,
        readInput({ spec_id: 'billing' }),
      ]);
      expect((await store.reads({ run_id: 'run-2' })).map((r) => r.seq)).toEqual([3]);
      expect((await store.reads({ spec_id: 'auth', clause_id: 'AUTH-1' })).map((r) => r.seq)).toEqual([1, 3]);
      expect((await store.reads({ spec_id: 'auth' })).map((r) => r.seq)).toEqual([1, 2, 3]);
      expect((await store.reads({ digest: digestFor('AUTH-1, revised') })).map((r) => r.run_id)).toEqual([
        'run-2',
      ]);
      expect(await store.reads({ run_id: 'no-such-run' })).toEqual([]);
    });

    it('keeps the first text served for a digest and returns it as the snapshot', async () => {
      const digest = digestFor('the served text');
      await store.append([readInput({ digest, text: 'the served text' })]);
      await store.append([
        readInput({ digest, text: 'a later text under the same digest' }),
        readInput({ digest }),
      ]);
      expect(await store.servedText(digest)).toBe('the served text');
      expect(await store.servedText(digestFor('never served'))).toBeNull();
    });

    it('verifies an intact chain and counts its records', async () => {
      expect(await store.verify()).toEqual({ ok: true, records: 0 });
      await store.append([readInput(), readInput()]);
      await store.append([readInput({ run_id: 'run-2' })]);
      expect(await store.verify()).toEqual({ ok: true, records: 3 });
    });

    it('keeps one contiguous chain when 200 appends run in parallel', async () => {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          store.append(
            i % 3 === 0
              ? [readInput({ run_id: `run-${i}` }), readInput({ run_id: `run-${i}` })]
              : [readInput({ run_id: `run-${i}` })],
          ),
        ),
      );
      const seqs = results.flat().map((r) => r.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      for (const [i, records] of results.entries()) {
        expect(records.every((r) => r.run_id === `run-${i}`)).toBe(true);
        if (records.length === 2) expect(records[1]?.seq).toBe((records[0]?.seq ?? 0) + 1);
      }
      expect(await store.verify()).toEqual({ ok: true, records: seqs.length });
    });

    it('rejects only the caller whose record is malformed', async () => {
      const bad = store.append([readInput({ tokens: -1 })]);
      const good = store.append([readInput()]);
      await expect(bad).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((await good).map((r) => r.seq)).toEqual([1]);
    });

    it('resolves an empty append without touching the chain', async () => {
      expect(await store.append([])).toEqual([]);
      expect(await store.verify()).toEqual({ ok: true, records: 0 });
    });

    it('summarizes each run with its principals, clients, source and time span', async () => {
      await store.append([
        readInput({ ts: '2025-03-01T10:00:00.000Z', run_id_source: 'header' }),
        readInput({
          ts: '2025-03-01T10:05:00.000Z',
          principal: 'alice',
          client_name: 'cursor',
          client_version: null,
        }),
        readInput({ ts: '2025-03-01T10:02:00.000Z', run_id: 'run-2', principal: null, run_id_source: 'env' }),
        readInput({ ts: '2025-03-01T10:09:00.000Z', principal: 'ci-bot' }),
      ]);
      expect(await store.runs()).toEqual([
        {
          run_id: 'run-1',
          run_id_source: 'header',
          first_ts: '2025-03-01T10:00:00.000Z',
          last_ts: '2025-03-01T10:09:00.000Z',
          reads: 3,
          principals: ['ci-bot', 'alice'],
          clients: ['claude-code/1.2.3', 'cursor'],
        },
        {
          run_id: 'run-2',
          run_id_source: 'env',
          first_ts: '2025-03-01T10:02:00.000Z',
          last_ts: '2025-03-01T10:02:00.000Z',
          reads: 1,
          principals: [],
          clients: ['claude-code/1.2.3'],
        },
      ]);
    });

    it('keeps records, snapshots and the chain across close and reopen', async () => {
      const appended = await store.append([readInput(), readInput({ clause_id: 'AUTH-2' })]);
      await store.close();
      store = await ledger.reopen();
      expect(await store.reads({})).toEqual(appended);
      expect(await store.servedText(readInput().digest as string)).toBe(readInput().text);
      const [next] = await store.append([readInput()]);
      expect(next?.seq).toBe(3);
      expect(next?.prev_hash).toBe(appended[1]?.hash);
      expect(await store.verify()).toEqual({ ok: true, records: 3 });
    });

    it('reports itself writable while it is, and not once closed', async () => {
      expect(await store.health()).toEqual({ writable: true });
      await store.append([readInput()]);
      expect(await store.health()).toEqual({ writable: true });
      await store.close();
      expect(await store.health()).toMatchObject({ writable: false, problem: 'the ledger is closed' });
    });

    it('refuses appends after close with LEDGER_UNAVAILABLE', async () => {
      await store.close();
      const error = await store.append([readInput()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SpecLedgerError);
      expect(error).toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    });
  });
}

const V1 = digestFor('AUTH-1 v1');
const V2 = digestFor('AUTH-1 v2');
const AUTH2 = digestFor('AUTH-2');
const OUTLINE = digestFor('auth outline');
const COMMIT = `${'c0ffee'.repeat(6)}c0ff`;

export function describeLedgerQueryContract(name: string, open: () => Promise<OpenedLedger>): void {
  describe(`ledger queries on the ${name} store`, () => {
    let ledger: OpenedLedger;
    let store: LedgerStore;

    beforeEach(async () => {
      ledger = await open();
      store = ledger.store;
      await store.append([
        readInput({
          ts: '2025-03-01T10:00:00.000Z',
          kind: 'outline',
          clause_id: null,
          digest: OUTLINE,
          tool: 'get_outline',
        }),
        readInput({ ts: '2025-03-01T10:01:00.000Z', digest: V1, spec_version: '1.0.0' }),
        readInput({ ts: '2025-03-01T10:02:00.000Z', clause_id: 'AUTH-2', digest: AUTH2, principal: 'alice' }),
        readInput({
          ts: '2025-03-01T10:03:00.000Z',
          kind: 'search',
          spec_id: null,
          clause_id: null,
          digest: null,
          tool: 'search',
        }),
        readInput({ ts: '2025-03-01T10:04:00.000Z', digest: V1 }),
        readInput({
          ts: '2025-03-01T11:00:00.000Z',
          run_id: 'run-2',
          digest: V2,
          spec_version: '1.1.0',
          principal: 'bob',
        }),
        readInput({
          ts: '2025-03-01T11:01:00.000Z',
          run_id: 'run-2',
          spec_id: 'sp ec/é',
          clause_id: 'X-1',
          digest: AUTH2,
        }),
      ]);
    });
    afterEach(async () => {
      await ledger.cleanup();
    });

    describe('runShow', () => {
      it('lists the run with its reads as refs in seq order', async () => {
        const shown = await runShow(store, 'run-1');
        expect(shown.run).toEqual({
          id: 'run-1',
          source: 'argument',
          principals: ['ci-bot', 'alice'],
          clients: ['claude-code/1.2.3'],
          first_ts: '2025-03-01T10:00:00.000Z',
          last_ts: '2025-03-01T10:04:00.000Z',
        });
        expect(shown.reads.map((r) => r.ref)).toEqual([
          'auth',
          'auth#AUTH-1',
          'auth#AUTH-2',
          null,
          'auth#AUTH-1',
        ]);
        expect(shown.reads[1]).toEqual({
          seq: 2,
          ts: '2025-03-01T10:01:00.000Z',
          kind: 'clause',
          ref: 'auth#AUTH-1',
          digest: V1,
          version: '1.0.0',
          tool: 'get_clause',
          principal: 'ci-bot',
          transport: 'http',
        });
      });

      it('reports an unknown run as NOT_FOUND', async () => {
        await expect(runShow(store, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      });
    });

    describe('runsList', () => {
      it('lists every run once, oldest first', async () => {
        expect((await runsList(store)).map((r) => [r.run_id, r.reads])).toEqual([
          ['run-1', 5],
          ['run-2', 2],
        ]);
      });
    });

    describe('whoRead', () => {
      it('lists the runs that read a clause with their counts and time span', async () => {
        const result = await whoRead(store, 'auth#AUTH-1');
        expect(result.ref).toBe('auth#AUTH-1');
        expect(result.digest).toBeNull();
        expect(result.runs).toEqual([
          expect.objectContaining({
            run_id: 'run-1',
            reads: 2,
            digests: [V1],
            first_ts: '2025-03-01T10:01:00.000Z',
            last_ts: '2025-03-01T10:04:00.000Z',
          }),
          expect.objectContaining({ run_id: 'run-2', reads: 1, digests: [V2], principals: ['bob'] }),
        ]);
      });

      it('narrows to one digest, given as an argument or as REF@DIGEST, with or without the sha256: prefix', async () => {
        for (const result of [
          await whoRead(store, 'auth#AUTH-1', V2),
          await whoRead(store, `auth#AUTH-1@${V2}`),
          await whoRead(store, 'auth#AUTH-1', V2.replace('sha256:', '')),
        ]) {
          expect(result.digest).toBe(V2);
          expect(result.runs.map((r) => r.run_id)).toEqual(['run-2']);
        }
      });

      it('matches any part of a spec when the ref names no clause', async () => {
        expect((await whoRead(store, 'auth')).runs.map((r) => [r.run_id, r.reads])).toEqual([
          ['run-1', 4],
          ['run-2', 1],
        ]);
      });

      it('rejects a malformed ref or digest as INVALID_ARGUMENT', async () => {
        await expect(whoRead(store, '#AUTH-1')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(whoRead(store, 'auth#AUTH-1', 'sha256:xyz')).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      });
    });

    describe('staleReads', () => {
      it('reports changed and removed refs once each, judged by the last digest read, and nothing current', async () => {
        await store.append([
          readInput({ ts: '2025-03-01T10:05:00.000Z', clause_id: 'AUTH-3', digest: digestFor('AUTH-3') }),
        ]);
        const current = new Map<string, string>([
          ['auth', OUTLINE],
          ['auth#AUTH-1', V2],
          ['auth#AUTH-2', AUTH2],
        ]);
        const report = await staleReads(store, 'run-1', (spec, clause) => {
          const digest = current.get(clause === null ? spec : `${spec}#${clause}`);
          return digest === undefined ? undefined : { digest };
        });
        expect(report).toEqual({
          run: 'run-1',
          stale: [
            { ref: 'auth#AUTH-1', read_digest: V1, current_digest: V2, reason: 'changed' },
            { ref: 'auth#AUTH-3', read_digest: digestFor('AUTH-3'), current_digest: null, reason: 'removed' },
          ],
        });
      });

      it('reports nothing once the run re-read the new text', async () => {
        const report = await staleReads(store, 'run-2', () => ({ digest: V2 }));
        expect(report.stale.map((s) => s.ref)).toEqual(['sp ec/é#X-1']);
        await store.append([
          readInput({ run_id: 'run-2', spec_id: 'sp ec/é', clause_id: 'X-1', digest: V2 }),
        ]);
        expect((await staleReads(store, 'run-2', () => ({ digest: V2 }))).stale).toEqual([]);
      });
    });

    describe('summaries kept across commits', () => {
      it('adds later commits to the run, who-read and stale answers', async () => {
        await store.append([
          readInput({
            ts: '2025-03-01T12:00:00.000Z',
            principal: 'carol',
            client_version: '2.0.0',
            digest: V1,
          }),
        ]);
        await store.append([
          readInput({ ts: '2025-03-01T09:00:00.000Z', run_id: 'run-3', run_id_source: 'env', digest: V2 }),
        ]);
        expect(await runsList(store)).toEqual([
          expect.objectContaining({
            run_id: 'run-1',
            reads: 6,
            first_ts: '2025-03-01T10:00:00.000Z',
            last_ts: '2025-03-01T12:00:00.000Z',
            principals: ['ci-bot', 'alice', 'carol'],
            clients: ['claude-code/1.2.3', 'claude-code/2.0.0'],
          }),
          expect.objectContaining({ run_id: 'run-2', reads: 2 }),
          expect.objectContaining({ run_id: 'run-3', reads: 1, run_id_source: 'env' }),
        ]);
        expect(await store.run('run-3')).toEqual({
          run_id: 'run-3',
          run_id_source: 'env',
          first_ts: '2025-03-01T09:00:00.000Z',
          last_ts: '2025-03-01T09:00:00.000Z',
          reads: 1,
          principals: ['ci-bot'],
          clients: ['claude-code/1.2.3'],
        });
        expect(await store.run('nope')).toBeNull();
        const who = await whoRead(store, 'auth#AUTH-1');
        expect(
          who.runs.map((r) => [r.run_id, r.reads, r.digests, r.principals, r.first_ts, r.last_ts]),
        ).toEqual([
          ['run-1', 3, [V1], ['ci-bot', 'carol'], '2025-03-01T10:01:00.000Z', '2025-03-01T12:00:00.000Z'],
          ['run-2', 1, [V2], ['bob'], '2025-03-01T11:00:00.000Z', '2025-03-01T11:00:00.000Z'],
          ['run-3', 1, [V2], ['ci-bot'], '2025-03-01T09:00:00.000Z', '2025-03-01T09:00:00.000Z'],
        ]);
        expect(who.runs[0]?.clients).toEqual(['claude-code/1.2.3', 'claude-code/2.0.0']);
        expect((await whoRead(store, 'auth#AUTH-1', V2)).runs.map((r) => r.run_id)).toEqual([
          'run-2',
          'run-3',
        ]);
        // run-1 re-read AUTH-1 at V1 last: still stale against V2.
        const stale = await staleReads(store, 'run-1', (_spec, clause) => ({
          digest: clause === 'AUTH-1' ? V2 : clause === null ? OUTLINE : AUTH2,
        }));
        expect(stale.stale).toEqual([
          { ref: 'auth#AUTH-1', read_digest: V1, current_digest: V2, reason: 'changed' },
        ]);
      });

      it('answers stale for a run that read no spec, and NOT_FOUND for an unknown run', async () => {
        await store.append([
          readInput({ run_id: 'searcher', kind: 'search', spec_id: null, clause_id: null, digest: null }),
        ]);
        expect(await staleReads(store, 'searcher', () => undefined)).toEqual({ run: 'searcher', stale: [] });
        await expect(staleReads(store, 'nobody', () => undefined)).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
        expect(await store.verify()).toEqual({ ok: true, records: 8 });
      });
    });

    describe('attest', () => {
      it('produces an in-toto statement with one dependency per clause version read', async () => {
        const now = new Date('2025-03-02T00:00:00.000Z');
        const statement = await attest(store, 'run-1', {
          commit: COMMIT,
          builderId: 'https://ci.example/runner',
          now,
        });
        expect(statement._type).toBe('https://in-toto.io/Statement/v1');
        expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
        expect(statement.subject).toEqual([{ name: `git+commit:${COMMIT}`, digest: { gitCommit: COMMIT } }]);
        const { buildDefinition, runDetails } = statement.predicate;
        expect(buildDefinition.buildType).toBe('https://specledger.dev/run/v1');
        expect(buildDefinition.externalParameters).toEqual({ run_id: 'run-1', run_id_source: 'argument' });
        expect(buildDefinition.resolvedDependencies).toEqual([
          {
            name: 'auth#AUTH-1',
            uri: `spec://auth/AUTH-1@${V1}`,
            digest: { sha256: V1.slice('sha256:'.length) },
            annotations: { spec_version: '1.0.0', status: 'approved', git_commit: 'a'.repeat(40) },
          },
          expect.objectContaining({ uri: `spec://auth/AUTH-2@${AUTH2}`, digest: { sha256: AUTH2.slice(7) } }),
        ]);
        expect(runDetails).toEqual({
          builder: { id: 'https://ci.example/runner' },
          metadata: {
            invocationId: 'run-1',
            startedOn: '2025-03-01T10:00:00.000Z',
            finishedOn: '2025-03-01T10:04:00.000Z',
          },
        });
        expect(JSON.parse(JSON.stringify(statement))).toEqual(statement);
      });

      it('makes the run the subject when no commit is given, and URI-encodes spec ids', async () => {
        const statement = await attest(store, 'run-2');
        expect(statement.subject).toEqual([
          { name: 'run:run-2', digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } },
        ]);
        expect(statement.predicate.buildDefinition.resolvedDependencies.map((d) => d.uri)).toEqual([
          `spec://auth/AUTH-1@${V2}`,
          `spec://sp%20ec%2F%C3%A9/X-1@${AUTH2}`,
        ]);
      });

      it('rejects a short or malformed commit', async () => {
        await expect(attest(store, 'run-1', { commit: 'abc123' })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      });
    });
  });
}
