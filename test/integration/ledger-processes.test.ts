// Several processes on one SQLite ledger file: one valid chain, and no committed record lost to kill -9.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { oldRecords, writeVersion1Ledger, writeVersion2Ledger } from '../fixtures/ledger-old-formats.js';

const WORKER = fileURLToPath(new URL('../fixtures/ledger-append-worker.ts', import.meta.url));
const OPEN_WORKER = fileURLToPath(new URL('../fixtures/ledger-open-worker.ts', import.meta.url));

function startWorker(
  path: string,
  runId: string,
  count: number,
  mode: 'race' | 'kill',
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', WORKER, path, runId, String(count), mode], {
    stdio: 'pipe',
  });
}

/** Resolves with the first stdout line matching `pattern`; rejects if the child exits first. */
function waitForLine(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (pattern.test(line)) {
        lines.close();
        resolve(line);
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`worker exited (${code ?? signal}) before ${pattern}: ${stderr}`)),
    );
  });
}

describe('sqlite ledger shared by processes', () => {
  let dir: string;
  let path: string;
  const children: ChildProcessWithoutNullStreams[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'specledger-processes-'));
    path = join(dir, 'ledger.db');
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one valid chain of 1000 records when two processes append 500 each at once', async () => {
    const workers = ['proc-a', 'proc-b'].map((runId) => startWorker(path, runId, 500, 'race'));
    children.push(...workers);
    await Promise.all(workers.map((w) => waitForLine(w, /^ready$/)));
    const done = workers.map((w) => waitForLine(w, /^done$/));
    const startAt = Date.now() + 100;
    for (const w of workers) w.stdin.write(`go ${startAt}\n`);
    await Promise.all(done);

    const store = openSqliteStore(path);
    try {
      expect(await store.verify()).toEqual({ ok: true, records: 1000 });
      const runs = await store.runs();
      expect(runs.map((r) => [r.run_id, r.reads]).sort()).toEqual([
        ['proc-a', 500],
        ['proc-b', 500],
      ]);
      const records = await store.reads({});
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      const order = records.map((r) => r.run_id);
      // The two processes really did take turns, rather than one finishing before the other began.
      expect(order.filter((r, i) => i > 0 && r !== order[i - 1]).length).toBeGreaterThan(1);
    } finally {
      await store.close();
    }
  });

  it('keeps every record whose append resolved before the process was killed with SIGKILL', async () => {
    const child = startWorker(path, 'doomed', 1_000_000, 'kill');
    children.push(child);
    const line = await waitForLine(child, /^committed (2\d|[3-9]\d)$/);
    const acknowledged = Number(line.split(' ')[1]);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const store = openSqliteStore(path);
    try {
      const records = await store.reads({ run_id: 'doomed' });
      expect(records.length).toBeGreaterThanOrEqual(acknowledged);
      expect(await store.verify()).toEqual({ ok: true, records: records.length });
    } finally {
      await store.close();
    }
  });
});

describe('sqlite ledger opened by many processes at once', () => {
  const PROCESSES = 8;
  let dir: string;
  let workers: ChildProcessWithoutNullStreams[] = [];
  /** Each worker's stdout lines not yet claimed by `nextLine`. */
  let pending: string[][] = [];
  let waiting: (((line: string) => void) | undefined)[] = [];

  function nextLine(i: number): Promise<string> {
    const queued = pending[i]?.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      waiting[i] = resolve;
    });
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'specledger-open-race-'));
    // The processes are started once and open a new file on every cue: 50 rounds of 8 process start-ups
    // would measure tsx, not the ledger.
    workers = Array.from({ length: PROCESSES }, (_, i) =>
      spawn(process.execPath, ['--import', 'tsx', OPEN_WORKER, `proc-${i}`], { stdio: 'pipe' }),
    );
    pending = workers.map(() => []);
    waiting = workers.map(() => undefined);
    workers.forEach((worker, i) => {
      createInterface({ input: worker.stdout }).on('line', (line) => {
        const resolve = waiting[i];
        waiting[i] = undefined;
        if (resolve) resolve(line);
        else pending[i]?.push(line);
      });
      worker.stderr.resume();
    });
    for (let i = 0; i < PROCESSES; i++) expect(await nextLine(i)).toBe('ready');
  });
  afterEach(() => {
    for (const worker of workers) worker.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Cues every process to open `path` at one instant; resolves with what each reported. */
  async function openAtOnce(path: string): Promise<string[]> {
    const startAt = Date.now() + 30;
    for (const worker of workers) worker.stdin.write(`open ${path} ${startAt}\n`);
    return Promise.all(workers.map((_, i) => nextLine(i)));
  }

  it('creates one ledger whichever process gets there first, 50 times in a row', async () => {
    const failures: string[] = [];
    for (let round = 0; round < 50; round++) {
      const path = join(dir, `ledger-${round}.db`);
      const outcomes = await openAtOnce(path);
      failures.push(...outcomes.filter((o) => !o.startsWith('ok ')).map((o) => `round ${round}: ${o}`));
      if (outcomes.every((o) => o.startsWith('ok '))) {
        const store = openSqliteStore(path, { readonly: true });
        try {
          expect(await store.verify()).toEqual({ ok: true, records: PROCESSES });
        } finally {
          await store.close();
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it.each([
    ['1', (path: string) => writeVersion1Ledger(path, 1200)],
    ['2', (path: string) => writeVersion2Ledger(path, oldRecords(1200), 8)],
  ])(
    'upgrades a version %s ledger once when every process opens it at once',
    async (version, write) => {
      const failures: string[] = [];
      for (let round = 0; round < 10; round++) {
        const path = join(dir, `v${version}-${round}.db`);
        write(path);
        const outcomes = await openAtOnce(path);
        failures.push(...outcomes.filter((o) => !o.startsWith('ok ')).map((o) => `round ${round}: ${o}`));
        if (outcomes.every((o) => o.startsWith('ok '))) {
          const store = openSqliteStore(path, { readonly: true });
          try {
            expect(await store.verify()).toEqual({ ok: true, records: 1200 + PROCESSES });
          } finally {
            await store.close();
          }
        }
      }
      expect(failures).toEqual([]);
    },
    120_000,
  );
});
