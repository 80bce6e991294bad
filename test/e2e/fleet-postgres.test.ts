// Two HTTP replicas on one PostgreSQL ledger under concurrent clients; one replica is killed mid-load.
import { afterAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { answerOf, type HttpCli, runCli, startHttpCli } from '../helpers/cli.js';
import { specsExample } from '../helpers/paths.js';
import { openTestPostgres } from '../helpers/postgres.js';

const found = await openTestPostgres();
if (!found.ok) console.warn(`skipping the fleet test: ${found.reason}`);
const pg = found.ok ? found.pg : undefined;
afterAll(async () => {
  await pg?.drop();
});

const REFS = [
  'auth#token-lifetime',
  'refunds#FR-003',
  'errors#error-envelope',
  'idempotency#key-scope',
  'payments#capture',
];

function startReplica(ledger: string): Promise<HttpCli> {
  return startHttpCli(['--stateless', '--specs', specsExample, '--ledger', ledger]);
}

async function callClause(url: string, runId: string, id: number): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        'x-run-id': runId,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'get_clause', arguments: { ref: REFS[id % REFS.length] } },
      }),
    });
    if (res.status !== 200) return false;
    const body = (await answerOf(res)) as {
      result?: { isError?: boolean; structuredContent?: { digest?: string } };
    };
    return body.result?.isError !== true && typeof body.result?.structuredContent?.digest === 'string';
  } catch {
    return false;
  }
}

describe.skipIf(!pg)('fleet mode: two replicas, one PostgreSQL ledger', () => {
  it('keeps every answered read and one valid chain when a replica dies mid-load', async () => {
    const ledger = pg!.withSchema(pg!.freshSchema());
    const replicas = await Promise.all([startReplica(ledger), startReplica(ledger)]);
    const answered = new Map<string, number>();
    const attempted = new Map<string, number>();
    let total = 0;
    let killed = false;
    const clients = Array.from({ length: 6 }, (_, c) => `fleet-run-${c}`);
    await Promise.all(
      clients.map(async (runId, c) => {
        for (let i = 0; i < 80; i++) {
          // Each client alternates replicas, so every run's reads land on both.
          const replica = replicas[(c + i) % 2]!;
          attempted.set(runId, (attempted.get(runId) ?? 0) + 1);
          if (await callClause(replica.url, runId, i)) {
            answered.set(runId, (answered.get(runId) ?? 0) + 1);
            total++;
          }
          if (!killed && total >= 150) {
            killed = true;
            replicas[0]!.child.kill('SIGKILL');
          }
        }
      }),
    );
    expect(killed).toBe(true);
    replicas[1]!.child.kill('SIGTERM');
    await new Promise((r) => replicas[1]!.child.once('exit', r));

    const store = await openLedger(ledger, { readonly: true });
    try {
      expect(await store.verify()).toMatchObject({ ok: true });
      for (const runId of clients) {
        const reads = await store.reads({ run_id: runId });
        // Every answer the client got is recorded; a read cut off by the kill may be recorded without an answer.
        expect(reads.length).toBeGreaterThanOrEqual(answered.get(runId) ?? 0);
        expect(reads.length).toBeLessThanOrEqual(attempted.get(runId) ?? 0);
      }
    } finally {
      await store.close();
    }

    const { stdout } = await runCli(['runs', 'show', 'fleet-run-0', '--ledger', ledger, '--json']);
    const shown = JSON.parse(stdout) as {
      run: { id: string; source: string };
      reads: Array<{ kind: string; ref: string; transport: string }>;
    };
    expect(shown.run).toMatchObject({ id: 'fleet-run-0', source: 'header' });
    expect(shown.reads.length).toBeGreaterThanOrEqual(answered.get('fleet-run-0') ?? 0);
    expect(new Set(shown.reads.map((r) => r.ref))).toEqual(new Set(REFS));
    expect(shown.reads.every((r) => r.kind === 'clause' && r.transport === 'http')).toBe(true);
  }, 120_000);
});
