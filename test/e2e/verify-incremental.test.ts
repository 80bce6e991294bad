// verify --from-checkpoint through the built CLI: only the records after the last signed checkpoint are walked.
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { allRecords, copyLedger, forgeLedger, scriptedRun } from '../helpers/ledger-files.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const ORIGIN = 'example.com/specledger-incremental';

describe('verify --from-checkpoint (built CLI, SQLite)', { timeout: 120_000 }, () => {
  let temp: TempDir;
  let ledger: string;
  let key: string;
  let covered: number;
  const cli = (...args: string[]) => runCli(args);
  const verifyJson = async (file: string) => {
    const r = await cli('verify', '--from-checkpoint', '--key', `${key}.pub`, '--ledger', file, '--json');
    return { code: r.code, result: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
  };

  beforeAll(async () => {
    temp = makeTempDir('specledger-incremental-');
    ledger = temp.at('ledger.db');
    mkdirSync(temp.at('keys'));
    key = temp.at('keys/log');
    expect((await cli('keygen', '--out', key, '--origin', ORIGIN)).code).toBe(0);
    await scriptedRun(ledger, 'run-a');
    await scriptedRun(ledger, 'run-b');
    expect((await cli('checkpoint', '--key', key, '--ledger', ledger)).code).toBe(0);
    covered = (await allRecords(ledger)).length;
    await scriptedRun(ledger, 'run-c');
  }, 90_000);
  afterAll(() => temp.remove());

  it('trusts the signed checkpoint and chain-checks only the reads after it', async () => {
    const total = (await allRecords(ledger)).length;
    const { code, result } = await verifyJson(ledger);
    expect(code).toBe(0);
    expect(result).toMatchObject({
      ok: true,
      records: total,
      trusted: covered,
      checked: total - covered,
      origin: ORIGIN,
    });
    const text = await cli('verify', '--from-checkpoint', '--key', `${key}.pub`, '--ledger', ledger);
    expect(text.stdout).toContain(
      `ok: ${total} records; ${covered} under the checkpoint signed by ${ORIGIN}`,
    );
  });

  it('fails on a read after the checkpoint edited in place, naming it', async () => {
    const edited = temp.at('edited.db');
    copyLedger(ledger, edited);
    const db = new Database(edited);
    const newest = db.prepare('SELECT max(first_seq) AS seq FROM blocks').get() as { seq: number };
    db.prepare("UPDATE blocks SET records = json_replace(records, '$[0][3]', 7777) WHERE first_seq = ?").run(
      newest.seq,
    );
    db.close();
    expect(newest.seq).toBeGreaterThan(covered);
    const { code, result } = await verifyJson(edited);
    expect(code).toBe(1);
    expect(result).toMatchObject({ ok: false, seq: newest.seq });
    expect(String(result.reason)).toContain("hash does not match the record's content");
  });

  it('fails when a record the checkpoint covers was rewritten, naming the span', async () => {
    const rewritten = temp.at('rewritten.db');
    copyLedger(ledger, rewritten);
    const records = await allRecords(rewritten);
    await forgeLedger(
      rewritten,
      records.map((r) => (r.seq === covered ? { ...r, tokens: r.tokens + 1 } : r)),
      true,
    );
    const { code, result } = await verifyJson(rewritten);
    expect(code).toBe(1);
    expect(result.ok).toBe(false);
    expect(String(result.reason)).toMatch(/are not those the checkpoint signed/);
    expect(Number(result.seq)).toBeLessThanOrEqual(covered);
  });

  it('needs --key, and refuses a key for another log', async () => {
    const noKey = await cli('verify', '--from-checkpoint', '--ledger', ledger);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('--from-checkpoint needs --key');
    const other = temp.at('keys/other');
    expect((await cli('keygen', '--out', other, '--origin', 'example.com/other')).code).toBe(0);
    const wrong = await cli(
      'verify',
      '--from-checkpoint',
      '--key',
      `${other}.pub`,
      '--ledger',
      ledger,
      '--json',
    );
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).reason).toMatch(
      /no stored checkpoint verifies under the key for "example.com\/other"/,
    );
  });
});
