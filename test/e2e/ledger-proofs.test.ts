// The built CLI proving what an agent read: keygen, checkpoint, prove, verify-receipt offline, verify --since against rewrites.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordLeafHash } from '../../src/ledger/tree-leaves.js';
import { runCli } from '../helpers/cli.js';
import { allRecords, copyLedger, forgeLedger, removeLedger, scriptedRun } from '../helpers/ledger-files.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';
import { buildGoVerifier, goMissing } from '../helpers/verifiers.js';

const ORIGIN = 'example.com/specledger-e2e';

// Each step spawns the built CLI a few times; on a loaded two-core machine one spawn takes seconds.
describe('proving what an agent read (built CLI, SQLite)', { timeout: 120_000 }, () => {
  let temp: TempDir;
  let ledger: string;
  let key: string;
  const cli = (...args: string[]) => runCli(args);

  beforeAll(async () => {
    temp = makeTempDir('specledger-proofs-');
    ledger = temp.at('ledger.db');
    key = temp.at('keys/log');
    await scriptedRun(ledger, 'run-a');
    await scriptedRun(ledger, 'run-b');
  }, 60_000);
  afterAll(() => temp.remove());

  it('writes a key pair: the private half 0600, the verifier key in the sumdb/note format', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(temp.at('keys'));
    const r = await cli('keygen', '--out', key, '--origin', ORIGIN);
    expect(r.code).toBe(0);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key, 'utf8')).toMatch(
      /^PRIVATE\+KEY\+example\.com\/specledger-e2e\+[0-9a-f]{8}\+\S+\n$/,
    );
    expect(readFileSync(`${key}.pub`, 'utf8')).toMatch(/^example\.com\/specledger-e2e\+[0-9a-f]{8}\+\S+\n$/);
    expect(r.stdout.trim()).toBe(readFileSync(`${key}.pub`, 'utf8').trim());
    const again = await cli('keygen', '--out', key, '--origin', ORIGIN);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists: refusing to overwrite a key/);
  });

  it('signs a checkpoint of every read and prints it as a C2SP signed note', async () => {
    const records = await allRecords(ledger);
    const r = await cli('checkpoint', '--key', key, '--ledger', ledger);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [origin, size, root, blank, signature] = r.stdout.split('\n');
    expect([origin, size, blank]).toEqual([ORIGIN, String(records.length), '']);
    expect(Buffer.from(root as string, 'base64')).toHaveLength(32);
    expect(signature).toMatch(/^— example\.com\/specledger-e2e [A-Za-z0-9+/=]+$/);
    writeFileSync(temp.at('checkpoint-1'), r.stdout);
  });

  it('refuses a private key others can read, naming the fix', async () => {
    chmodSync(key, 0o644);
    const r = await cli('checkpoint', '--key', key, '--ledger', ledger);
    chmodSync(key, 0o600);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/accessible by others \(mode 0644\): run chmod 600/);
  });

  it('writes one receipt per read of a run, each verifying offline after the ledger is gone', async () => {
    const runA = (await allRecords(ledger)).filter((r) => r.run_id === 'run-a');
    expect(runA.length).toBeGreaterThanOrEqual(4);
    const r = await cli('prove', '--run', 'run-a', '--out', temp.at('receipts'), '--ledger', ledger);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`${runA.length} receipts written`));
    const files = readdirSync(temp.at('receipts')).sort();
    expect(files).toEqual(runA.map((rec) => `seq-${rec.seq}.receipt.json`).sort());
    // Offline: a copy of the receipts, the ledger moved away.
    const offline = makeTempDir('specledger-offline-');
    for (const f of files) copyFileSync(temp.at(`receipts/${f}`), offline.at(f));
    copyFileSync(`${key}.pub`, offline.at('log.pub'));
    const aside = `${ledger}.aside`;
    copyLedger(ledger, aside);
    removeLedger(ledger);
    try {
      const v = await cli(
        'verify-receipt',
        ...files.map((f) => offline.at(f)),
        '--key',
        offline.at('log.pub'),
      );
      expect(v.stderr).toBe('');
      expect(v.code).toBe(0);
      const lines = v.stdout.trim().split('\n');
      expect(lines).toHaveLength(files.length);
      for (const line of lines)
        expect(line).toMatch(
          /^ok: seq \d+ is in log example\.com\/specledger-e2e \(tree size \d+\): run run-a read /,
        );
    } finally {
      copyLedger(aside, ledger);
      removeLedger(aside);
      offline.remove();
    }
  });

  it('rejects a receipt with one byte changed, a truncated proof, or a key for another log', async () => {
    const file = temp.at(`receipts/${readdirSync(temp.at('receipts')).sort()[1]}`);
    const receipt = JSON.parse(readFileSync(file, 'utf8'));
    const write = (name: string, value: unknown) => {
      writeFileSync(temp.at(name), JSON.stringify(value));
      return temp.at(name);
    };
    const edited = write('edited.json', {
      ...receipt,
      record: { ...receipt.record, tokens: receipt.record.tokens + 1 },
    });
    const e = await cli('verify-receipt', edited, '--key', `${key}.pub`);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/does not match its leaf hash \(edited\)/);
    const truncated = write('truncated.json', {
      ...receipt,
      inclusion_proof: receipt.inclusion_proof.slice(0, -1),
    });
    const t = await cli('verify-receipt', truncated, '--key', `${key}.pub`);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/inclusion proof does not lead to the checkpoint's root/);
    const proof = [...receipt.inclusion_proof];
    const first = Buffer.from(proof[0], 'base64');
    first[31] = (first[31] as number) ^ 1;
    proof[0] = first.toString('base64');
    const flipped = write('flipped.json', { ...receipt, inclusion_proof: proof });
    expect((await cli('verify-receipt', flipped, '--key', `${key}.pub`)).code).toBe(1);
    const other = temp.at('keys/other');
    expect((await cli('keygen', '--out', other, '--origin', 'other.example/log')).code).toBe(0);
    const o = await cli('verify-receipt', file, '--key', `${other}.pub`);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/not signed by the key given \(other\.example\/log\+[0-9a-f]{8}\)/);
    const notJson = write('nonsense.json', 'x');
    expect((await cli('verify-receipt', notJson, '--key', `${key}.pub`)).code).toBe(1);
  });

  it('refuses to read a receipt, key or checkpoint that is not a regular file, without reading it', async () => {
    // /dev/zero as a receipt once grew the process to 6 GB before it aborted; a FIFO would block forever.
    const fifo = temp.at('receipt.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const args of [
      ['verify-receipt', '/dev/zero', '--key', `${key}.pub`],
      ['verify-receipt', fifo, '--key', `${key}.pub`],
      ['verify-receipt', temp.at('receipts'), '--key', `${key}.pub`],
      ['verify-receipt', temp.at('nonsense.json'), '--key', '/dev/zero'],
      ['verify', '--ledger', ledger, '--since', '/dev/zero', '--key', `${key}.pub`],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/not a regular file/);
    }
  });

  it('passes verify --since after more reads, from a checkpoint that extends incrementally', async () => {
    await scriptedRun(ledger, 'run-c');
    const second = await cli('checkpoint', '--key', key, '--ledger', ledger);
    expect(second.code).toBe(0);
    writeFileSync(temp.at('checkpoint-2'), second.stdout);
    const full = await cli('checkpoint', '--key', key, '--full', '--ledger', ledger);
    expect(full.stdout.split('\n').slice(0, 3)).toEqual(second.stdout.split('\n').slice(0, 3));
    const v = await cli(
      'verify',
      '--since',
      temp.at('checkpoint-1'),
      '--key',
      `${key}.pub`,
      '--ledger',
      ledger,
    );
    expect(v.stderr).toBe('');
    expect(v.stdout).toMatch(/^ok: \d+ records, chain intact, consistent with the checkpoint of \d+ records/);
    expect(v.code).toBe(0);
  });

  it('refuses a changed checkpoint, one from the future, one by an unknown key, and needs --key', async () => {
    const size = (await allRecords(ledger)).length;
    const changed = readFileSync(temp.at('checkpoint-2'), 'utf8').replace(`\n${size}\n`, `\n${size + 5}\n`);
    writeFileSync(temp.at('changed'), changed);
    const c = await cli('verify', '--since', temp.at('changed'), '--key', `${key}.pub`, '--ledger', ledger);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/signature by example\.com\/specledger-e2e is invalid/);
    // A genuine checkpoint of a larger tree (a copy of this ledger that went on recording), checked against this one.
    const ahead = temp.at('ahead.db');
    copyLedger(ledger, ahead);
    await scriptedRun(ahead, 'run-ahead');
    const future = await cli('checkpoint', '--key', key, '--ledger', ahead);
    writeFileSync(temp.at('future'), future.stdout);
    const f = await cli('verify', '--since', temp.at('future'), '--key', `${key}.pub`, '--ledger', ledger);
    expect(f.code).toBe(1);
    const aheadSize = (await allRecords(ahead)).length;
    expect(aheadSize).toBeGreaterThan(size);
    expect(f.stdout).toMatch(
      new RegExp(`^FAILED: the checkpoint covers ${aheadSize} records but the ledger holds ${size}`),
    );
    const u = await cli(
      'verify',
      '--since',
      temp.at('checkpoint-2'),
      '--key',
      temp.at('keys/other.pub'),
      '--ledger',
      ledger,
    );
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/not signed by the key given/);
    const n = await cli('verify', '--since', temp.at('checkpoint-2'), '--ledger', ledger);
    expect(n.code).toBe(1);
    expect(n.stderr).toMatch(/--since needs --key/);
  });

  describe('tampering after a checkpoint was taken', () => {
    let pristine: string;
    beforeAll(() => {
      pristine = temp.at('pristine.db');
      copyLedger(ledger, pristine);
    });
    // Each test tampers with the ledger; the next one starts from the ledger as the checkpoint saw it.
    afterEach(() => {
      removeLedger(ledger);
      copyLedger(pristine, ledger);
    });
    const since = () =>
      cli('verify', '--since', temp.at('checkpoint-2'), '--key', `${key}.pub`, '--ledger', ledger);
    /** One statement run on the ledger file, as someone who can write to it would; it must change one row. */
    const tamper = (sql: string) => {
      const db = new Database(ledger);
      const changed = db.prepare(sql).run().changes;
      db.close();
      expect(changed).toBe(1);
    };

    it('a chain rewritten consistently passes verify alone, and fails verify --since naming the record', async () => {
      const records = await allRecords(ledger);
      const rewritten = records.map((r) => (r.seq === 3 ? { ...r, spec_version: '9.9.9' } : r));
      await forgeLedger(ledger, rewritten, true);
      const plain = await cli('verify', '--ledger', ledger);
      expect(plain.stdout).toMatch(/^ok: \d+ records, chain intact/);
      expect(plain.code).toBe(0);
      const s = await since();
      expect(s.code).toBe(1);
      expect(s.stdout).toMatch(
        /^FAILED: the first record that differs is among seqs 1\.\.\d+ \(the ledger was rewritten\)/,
      );
    });

    it('a rewrite that drops the tree state still fails verify --since', async () => {
      const records = await allRecords(ledger);
      await forgeLedger(
        ledger,
        records.map((r) => (r.seq === 1 ? { ...r, tokens: 1 } : r)),
        false,
      );
      expect((await cli('verify', '--ledger', ledger)).code).toBe(0);
      const s = await since();
      expect(s.code).toBe(1);
      expect(s.stdout).toMatch(
        /^FAILED: records 1\.\.\d+ no longer hash to the checkpoint's root \(the ledger was rewritten\)/,
      );
    });

    it('deleting the newest records and rewriting the chain is caught', async () => {
      const records = await allRecords(ledger);
      await forgeLedger(ledger, records.slice(0, -3), false);
      expect((await cli('verify', '--ledger', ledger)).code).toBe(0);
      const s = await since();
      expect(s.code).toBe(1);
      expect(s.stdout).toMatch(
        new RegExp(
          `^FAILED: the checkpoint covers ${records.length} records but the ledger holds ${records.length - 3}`,
        ),
      );
    });

    it('an empty block inserted after the others fails verify and verify --since with exit 1', async () => {
      // An unreadable block is damage, a failed check (1), not a ledger out of reach (2).
      tamper(
        "INSERT INTO blocks (first_seq, last_seq, records, hashes) SELECT max(last_seq) + 1, max(last_seq), '[]', zeroblob(32) FROM blocks",
      );
      const plain = await cli('verify', '--ledger', ledger);
      expect(plain.code).toBe(1);
      expect(plain.stdout).toMatch(/holds no records/);
      const s = await since();
      expect(s.code).toBe(1);
      expect(s.stderr).toMatch(/holds no records/);
    });

    it('editing one record in place is caught by verify and by verify --since', async () => {
      tamper(
        "UPDATE blocks SET records = json_replace(records, '$[1][3]', 7777) WHERE first_seq = (SELECT min(first_seq) FROM blocks)",
      );
      const plain = await cli('verify', '--ledger', ledger);
      expect(plain.code).toBe(1);
      expect(plain.stdout).toMatch(/^FAILED at seq 2:/);
      const s = await since();
      expect(s.code).toBe(1);
      expect(s.stderr).toMatch(/ledger verification failed: seq 2: hash does not match the record's content/);
    });
  });

  describe.skipIf(goMissing())('checked by Go (sumdb/note, sumdb/tlog)', () => {
    // Built on first use: one hook per describe.
    let built: ReturnType<typeof buildGoVerifier> | undefined;
    const go = (args: string[], input?: string) => {
      built ??= buildGoVerifier();
      return built(args, input);
    };

    it('accepts the CLI checkpoint and the receipts, and rejects a one-byte change', async () => {
      const note = go(['note', `${key}.pub`, temp.at('checkpoint-1')]);
      expect(note.stderr).toBe('');
      expect(note.stdout.split('\n')[0]).toBe(ORIGIN);
      writeFileSync(
        temp.at('checkpoint-bad'),
        readFileSync(temp.at('checkpoint-1'), 'utf8').replace(ORIGIN, `${ORIGIN}x`),
      );
      expect(go(['note', `${key}.pub`, temp.at('checkpoint-bad')]).code).toBe(1);
      const lines = readdirSync(temp.at('receipts')).map((f) => {
        const r = JSON.parse(readFileSync(temp.at(`receipts/${f}`), 'utf8'));
        const root = (r.checkpoint as string).split('\n')[2];
        return {
          size: r.tree_size,
          root,
          index: r.leaf_index,
          leaf: recordLeafHash(r.record).toString('base64'),
          proof: r.inclusion_proof,
        };
      });
      const ok = go(['inclusion'], lines.map((l) => JSON.stringify(l)).join('\n'));
      expect(ok.stderr).toBe('');
      expect(ok.stdout.trim()).toBe(`ok ${lines.length}`);
      const first = lines[0] as (typeof lines)[number];
      const leaf = Buffer.from(first.leaf, 'base64');
      leaf[0] = (leaf[0] as number) ^ 1;
      expect(go(['inclusion'], JSON.stringify({ ...first, leaf: leaf.toString('base64') })).code).toBe(1);
    });

    it("computes the ledger's root from the records' bytes as the checkpoint states it", async () => {
      const { canonicalRecordJson } = await import('../../src/ledger/hash-chain.js');
      const records = (await allRecords(ledger)).slice(
        0,
        Number(readFileSync(temp.at('checkpoint-1'), 'utf8').split('\n')[1]),
      );
      const root = go(
        ['root'],
        JSON.stringify({ data: records.map((r) => Buffer.from(canonicalRecordJson(r)).toString('base64')) }),
      );
      expect(root.stdout.trim()).toBe(readFileSync(temp.at('checkpoint-1'), 'utf8').split('\n')[2]);
    });
  });
});
