// Several processes on one SQLite ledger file: one valid chain, and no committed record lost to kill -9.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';

const WORKER = fileURLToPath(new URL('../fixtures/ledger-append-worker.ts', import.meta.url));

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
