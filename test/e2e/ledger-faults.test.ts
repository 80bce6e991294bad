// The built server when its ledger's disk fills up, its -shm file is made immutable, or the file was damaged.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { builtCli, specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

/** Why a real tmpfs cannot be mounted here (not root, no CAP_SYS_ADMIN, a sandbox), or null when it can. */
function cannotMount(): string | null {
  const probe = makeTempDir('specledger-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe.dir], { stdio: 'ignore' });
    execFileSync('umount', [probe.dir], { stdio: 'ignore' });
    return null;
  } catch (error) {
    return `cannot mount a tmpfs to fill (${(error as Error).message.split('\n')[0]})`;
  } finally {
    probe.remove();
  }
}

/** Why `chattr +i` is not possible on the temp folder's file system, or null when it is. */
function cannotChattr(): string | null {
  const probe = makeTempDir('specledger-chattr-probe-');
  const file = probe.at('f');
  writeFileSync(file, '');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
    return null;
  } catch (error) {
    return `cannot make a file immutable here (${(error as Error).message.split('\n')[0]})`;
  } finally {
    probe.remove();
  }
}

const mountProblem = cannotMount();
const chattrProblem = cannotChattr();
if (mountProblem) console.warn(`skipping the full-disk test: ${mountProblem}`);
if (chattrProblem) console.warn(`skipping the immutable -shm test: ${chattrProblem}`);

async function connect(url: string, runId: string): Promise<Client> {
  const client = new Client({ name: 'faults-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { 'x-run-id': runId } } }),
  );
  return client;
}

async function getClause(client: Client): Promise<{ isError: boolean; text: string }> {
  const result = (await client.callTool({
    name: 'get_clause',
    arguments: { ref: 'auth#token-lifetime' },
  })) as {
    isError?: boolean;
    content: { text?: string }[];
  };
  return { isError: result.isError === true, text: result.content.map((c) => c.text ?? '').join('\n') };
}

/** A get_clause that must be served. */
async function read(client: Client): Promise<void> {
  const result = await getClause(client);
  if (result.isError) throw new Error(`get_clause failed: ${result.text}`);
}

async function probe(url: string, path: '/readyz' | '/healthz'): Promise<{ status: number; body: string }> {
  const res = await fetch(new URL(path, url));
  return { status: res.status, body: await res.text() };
}

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** Everything the server has written to stderr so far, the start-up included. */
  stderr: () => string;
}

const serveArgs = (ledgerPath: string) => [
  builtCli,
  'serve',
  '--http',
  '--port',
  '0',
  '--no-watch',
  '--specs',
  specsExample,
  '--ledger',
  ledgerPath,
];

/** `specledger serve --http` on `ledgerPath`, once its banner names the URL. */
async function serve(ledgerPath: string): Promise<Served> {
  const child = spawn(process.execPath, serveArgs(ledgerPath), { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /over (http:\/\/\S+\/mcp)/.exec(err);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`server exited ${code} before listening: ${err}`)));
  });
  return { child, url, exited, stderr: () => err };
}

describe('the server on a ledger fault', () => {
  let tmp: TempDir;
  let server: Served | undefined;
  const cleanups: (() => void)[] = [];

  beforeEach(() => {
    tmp = makeTempDir('specledger-faults-');
  });
  afterEach(() => {
    server?.child.kill('SIGKILL');
    server = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        cleanup();
      } catch {}
    }
    tmp.remove();
  });

  it.skipIf(mountProblem !== null)(
    'reports unready on every probe while the disk is full, logs the write failure once, and recovers',
    async () => {
      const disk = tmp.at('disk');
      mkdirSync(disk);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk]);
      cleanups.push(() => execFileSync('umount', ['-l', disk]));
      const ledgerPath = `${disk}/ledger.db`;
      server = await serve(ledgerPath);
      const stderr = server.stderr;
      const client = await connect(server.url, 'full-disk');
      await read(client);

      // Probes while healthy leave the ledger file as it was: nothing is committed.
      const watcher = new Database(ledgerPath, { readonly: true });
      cleanups.push(() => watcher.close());
      const version = watcher.pragma('data_version', { simple: true });
      for (let i = 0; i < 4; i++) expect((await probe(server.url, '/readyz')).status).toBe(200);
      expect(watcher.pragma('data_version', { simple: true })).toBe(version);

      const filler = `${disk}/filler`;
      try {
        for (;;) appendFileSync(filler, Buffer.alloc(4096));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      for (let i = 0; i < 3; i++)
        expect(await getClause(client)).toEqual({
          isError: true,
          text: expect.stringMatching(/ledger write failed/),
        });
      for (let i = 0; i < 4; i++) {
        const ready = await probe(server.url, '/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body).toMatch(/not writable/);
      }
      const failures = stderr()
        .split('\n')
        .filter((line) => line.includes('ledger write failed'));
      expect(failures).toEqual([
        expect.stringMatching(/^specledger: error: ledger write failed: .*SQLITE_FULL/),
      ]);

      rmSync(filler);
      await sleep(1100); // health() retries a failed ledger at most once a second
      expect((await probe(server.url, '/readyz')).status).toBe(200);
      await read(client);
      expect(stderr()).toContain('specledger: info: ledger writes succeed again');
      await client.close();
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const store = await openLedger(ledgerPath, { readonly: true });
      try {
        expect(await store.verify()).toMatchObject({ ok: true });
        expect(await store.reads({ run_id: 'full-disk' })).toHaveLength(2);
      } finally {
        await store.close();
      }
    },
    30_000,
  );

  it.skipIf(chattrProblem !== null)(
    'refuses the ledger with a clear error instead of dying of SIGBUS when its -shm becomes immutable',
    async () => {
      const ledgerPath = tmp.at('ledger.db');
      const shm = `${ledgerPath}-shm`;
      server = await serve(ledgerPath);
      const stderr = server.stderr;
      const client = await connect(server.url, 'immutable-shm');
      await read(client);

      execFileSync('chattr', ['+i', shm]);
      cleanups.push(() => execFileSync('chattr', ['-i', shm]));
      expect(await getClause(client)).toEqual({
        isError: true,
        text: expect.stringMatching(/ledger\.db-shm is not writable/),
      });
      expect((await probe(server.url, '/healthz')).status).toBe(200);
      const ready = await probe(server.url, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toContain('-shm is not writable');
      expect(stderr()).toMatch(
        /specledger: error: ledger unusable: .*ledger\.db-shm is not writable \(EPERM/,
      );
      await client.close().catch(() => {});
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);

      // And a server started on it refuses to start, saying which file, rather than crashing on its first read.
      const again = spawnSync(process.execPath, serveArgs(ledgerPath), { timeout: 20_000 });
      expect(again.signal).toBeNull();
      expect(again.status).toBe(2);
      expect(again.stderr.toString()).toContain('ledger.db-shm is not writable (EPERM');
    },
    30_000,
  );

  it('warns on stderr and in /readyz when it starts on a damaged ledger, and goes on recording', async () => {
    const ledgerPath = tmp.at('ledger.db');
    server = await serve(ledgerPath);
    let client = await connect(server.url, 'before');
    for (let i = 0; i < 3; i++) await read(client);
    await client.close();
    server.child.kill('SIGTERM');
    await server.exited;
    expect(server.stderr()).not.toContain('damaged');

    const db = new Database(ledgerPath);
    db.exec('DELETE FROM blocks WHERE first_seq = (SELECT max(first_seq) FROM blocks)');
    db.close();

    server = await serve(ledgerPath);
    expect(server.stderr()).toMatch(
      /specledger: warn: the ledger at .*ledger\.db is damaged: the ledger head records seq 3 but the newest record is seq 2 \(records were deleted from the end\)/,
    );
    const ready = await probe(server.url, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      detail: {
        ledger: 'writable',
        ledger_damage: expect.stringContaining('records were deleted from the end'),
      },
    });
    client = await connect(server.url, 'after');
    await read(client);
    await client.close();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const store = await openLedger(ledgerPath, { readonly: true });
    try {
      expect(await store.reads({ run_id: 'after' })).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
