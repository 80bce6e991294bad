// The behaviour every LedgerStore must show; run once per store (SQLite now, PostgreSQL later) with its own opener.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpecLedgerError } from '../../src/errors.js';
import { GENESIS_HASH } from '../../src/ledger/hash-chain.js';
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
      expect(await store.snapshot(digest)).toBe('the served text');
      expect(await store.snapshot(digestFor('never served'))).toBeNull();
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
      expect(await store.snapshot(readInput().digest as string)).toBe(readInput().text);
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
