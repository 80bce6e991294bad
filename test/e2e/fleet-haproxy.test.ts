// The fleet deployment in deploy/: three stateless replicas on one PostgreSQL ledger behind HAProxy, driven with the
// real SDK client; one replica is killed mid-load.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { runCli } from '../helpers/cli.js';
import { builtCli, repoRoot, specsExample } from '../helpers/paths.js';
import { openTestPostgres } from '../helpers/postgres.js';

const exec = promisify(execFile);

function haproxyInstalled(): boolean {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasHaproxy = haproxyInstalled();
if (!hasHaproxy)
  console.warn('skipping the HAProxy fleet test: haproxy is not installed (bash scripts/ci-haproxy.sh)');
const found = hasHaproxy ? await openTestPostgres() : { ok: false as const, reason: 'no haproxy' };
if (hasHaproxy && !found.ok) console.warn(`skipping the HAProxy fleet test: ${found.reason}`);
const pg = found.ok ? found.pg : undefined;

const fleetDir = mkdtempSync(path.join(tmpdir(), 'specledger-fleet-'));
afterAll(async () => {
  await exec('bash', [path.join(repoRoot, 'deploy/fleet.sh'), 'down'], {
    env: { ...process.env, FLEET_DIR: fleetDir },
  });
  rmSync(fleetDir, { recursive: true, force: true });
  await pg?.drop();
});

const REFS = ['auth#token-lifetime', 'refunds#FR-003', 'errors#error-envelope', 'idempotency#key-scope'];

/** Ports free right now on loopback (bound and released), for HAProxy's config, which needs them up front. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** HAProxy's view of each replica (`show stat` on the runtime API): status and sessions it has sent there. */
function haproxyStats(): Promise<Map<string, { status: string; sessions: number }>> {
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = netConnect(path.join(fleetDir, 'haproxy.sock'));
    socket.on('data', (d) => {
      out += d.toString();
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const header = (out.split('\n')[0] ?? '').replace(/^# /, '').split(',');
      const col = (name: string) => header.indexOf(name);
      const stats = new Map<string, { status: string; sessions: number }>();
      for (const line of out.split('\n').slice(1)) {
        const f = line.split(',');
        if (f[col('pxname')] === 'specledger' && /^127\.0\.0\.1:\d+$/.test(f[col('svname')] ?? ''))
          stats.set(f[col('svname')]!, { status: f[col('status')]!, sessions: Number(f[col('stot')]) });
      }
      resolve(stats);
    });
    socket.end('show stat\n');
  });
}

async function connectClient(url: string, name: string): Promise<Client> {
  const client = new Client({ name, version: '0.0.1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** One get_clause through HAProxy; true when it was answered with a clause (a digest), false on any failure. */
async function read(client: Client, runId: string, i: number): Promise<boolean> {
  try {
    const result = await client.callTool({
      name: 'get_clause',
      arguments: { ref: REFS[i % REFS.length], run_id: runId },
    });
    return (
      result.isError !== true &&
      typeof (result.structuredContent as { digest?: unknown })?.digest === 'string'
    );
  } catch {
    return false;
  }
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!pg)('deploy/: three replicas behind HAProxy on one PostgreSQL ledger', () => {
  it('loses no answered read when a replica dies, keeps one valid chain, and stops routing to the dead one', async () => {
    const ledger = pg!.withSchema(pg!.freshSchema());
    const [front, p1, p2, p3] = await freePorts(4);
    const env = {
      ...process.env,
      SPECLEDGER_LEDGER: ledger,
      SPECLEDGER_SPECS: specsExample,
      SPECLEDGER_CLI: `${process.execPath} ${builtCli}`,
      FLEET_DIR: fleetDir,
      FLEET_FRONT_PORT: String(front),
      FLEET_PORT_1: String(p1),
      FLEET_PORT_2: String(p2),
      FLEET_PORT_3: String(p3),
    };
    const { stdout } = await exec('bash', [path.join(repoRoot, 'deploy/fleet.sh'), 'up'], { env });
    const url = stdout.trim();
    expect(url).toBe(`http://127.0.0.1:${front}/mcp`);
    // HAProxy names each replica by its address: r1 is the first.
    const [r1, r2, r3] = [p1, p2, p3].map((p) => `127.0.0.1:${p}`) as [string, string, string];
    // A replica that answered its first checks late is still rising ("UP 1/2") for one check interval.
    const allUp = async () => [...(await haproxyStats()).values()].every((s) => s.status === 'UP');
    await until(allUp, 'HAProxy to mark the three replicas UP', 30_000);
    const before = await haproxyStats();
    expect([...before.values()].map((s) => s.status)).toEqual(['UP', 'UP', 'UP']);

    const runs = Array.from({ length: 4 }, (_, c) => `haproxy-run-${c}`);
    const clients = await Promise.all(runs.map((r) => connectClient(url, r)));
    const answered = new Map<string, number>();
    const attempted = new Map<string, number>();
    let total = 0;
    let killed = false;
    const victim = Number(readFileSync(path.join(fleetDir, 'replica-1.pid'), 'utf8'));
    await Promise.all(
      runs.map(async (runId, c) => {
        for (let i = 0; i < 60; i++) {
          attempted.set(runId, (attempted.get(runId) ?? 0) + 1);
          if (await read(clients[c]!, runId, i)) {
            answered.set(runId, (answered.get(runId) ?? 0) + 1);
            total++;
          }
          if (!killed && total >= 60) {
            killed = true;
            process.kill(victim, 'SIGKILL');
          }
        }
      }),
    );
    expect(killed).toBe(true);
    // HAProxy's retries send a request refused by the dead replica to a live one, so nearly all are answered.
    expect(total).toBeGreaterThan(runs.length * 60 * 0.9);

    // HAProxy marks the dead replica DOWN, then sends it nothing more: every later read is answered by the others.
    await until(async () => (await haproxyStats()).get(r1)?.status === 'DOWN', 'HAProxy to mark r1 DOWN');
    const down = (await haproxyStats()).get(r1)!.sessions;
    const after = await Promise.all(
      Array.from({ length: 40 }, (_, i) => read(clients[i % clients.length]!, runs[i % runs.length]!, i)),
    );
    after.forEach((ok, i) => {
      const runId = runs[i % runs.length]!;
      attempted.set(runId, (attempted.get(runId) ?? 0) + 1);
      if (ok) answered.set(runId, (answered.get(runId) ?? 0) + 1);
    });
    expect(after.every(Boolean)).toBe(true);
    const stats = await haproxyStats();
    expect(stats.get(r1)).toEqual({ status: 'DOWN', sessions: down });
    expect((stats.get(r2)?.sessions ?? 0) + (stats.get(r3)?.sessions ?? 0)).toBeGreaterThan(
      (before.get(r2)?.sessions ?? 0) + (before.get(r3)?.sessions ?? 0) + 40,
    );
    await Promise.all(clients.map((c) => c.close()));

    // Every answered read is in the ledger, in one chain that verifies.
    const store = await openLedger(ledger, { readonly: true });
    try {
      for (const runId of runs) {
        const reads = await store.reads({ run_id: runId });
        // A read cut off by the kill may be recorded without an answer; and HAProxy retries that one call on another
        // replica (deploy/haproxy.cfg: retry-on empty-response), where it is recorded again. Each client has one call
        // in flight, so the kill can add at most one record per run beyond the calls attempted.
        expect(reads.length).toBeGreaterThanOrEqual(answered.get(runId) ?? 0);
        expect(reads.length).toBeLessThanOrEqual((attempted.get(runId) ?? 0) + 1);
      }
    } finally {
      await store.close();
    }
    const verify = await runCli(['verify', '--ledger', ledger]);
    expect({ code: verify.code, stderr: verify.stderr }).toMatchObject({ code: 0 });
  }, 300_000);
});
