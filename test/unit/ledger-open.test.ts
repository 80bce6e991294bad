// openLedger: what each `--ledger` value opens.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { readInput } from '../fixtures/ledger-records.js';

describe('openLedger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'specledger-open-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a SQLite ledger at a path, creating its directory', async () => {
    const path = join(dir, '.specledger', 'ledger.db');
    const store = await openLedger(path);
    const [record] = await store.append([readInput()]);
    expect(record?.seq).toBe(1);
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('accepts a file: URL for the SQLite path', async () => {
    const path = join(dir, 'url.db');
    const store = await openLedger(pathToFileURL(path).href);
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('records nothing when the ledger is off', async () => {
    const store = await openLedger('off');
    const [record] = await store.append([readInput()]);
    expect(record).toMatchObject({ seq: 0, prev_hash: '', hash: '', run_id: 'run-1' });
    expect(await store.reads({})).toEqual([]);
    expect(await store.runs()).toEqual([]);
    expect(await store.servedText(readInput().digest as string)).toBeNull();
    expect(await store.verify()).toEqual({ ok: true, records: 0 });
    expect(await store.health()).toEqual({ writable: true });
    await store.close();
  });

  it('still rejects malformed records when the ledger is off', async () => {
    const store = await openLedger('off');
    await expect(store.append([readInput({ run_id: '' })])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('opens PostgreSQL for postgres:// URLs and fails closed when nothing answers', async () => {
    await expect(
      openLedger('postgresql://u@127.0.0.1:1/ledger', { busyTimeoutMs: 500 }),
    ).rejects.toMatchObject({
      code: 'LEDGER_UNAVAILABLE',
    });
  });

  it('rejects an empty location and unknown URL schemes as CONFIG errors', async () => {
    await expect(openLedger('  ')).rejects.toMatchObject({ code: 'CONFIG' });
    await expect(openLedger('mysql://db/ledger')).rejects.toMatchObject({ code: 'CONFIG', message: /mysql/ });
  });
});
