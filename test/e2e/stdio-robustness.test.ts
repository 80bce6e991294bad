// The built server over stdio against hostile or heavy clients: a deeply nested response, a long provenance,
// and more resource subscriptions than any client needs.
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanEnv, connectStdioCli, type StdioCli } from '../helpers/cli.js';
import { builtCli, specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

describe('serve over stdio, raw JSON-RPC', () => {
  it('survives a 5,000-level nested response from the client and keeps answering', async () => {
    const child = spawn(
      process.execPath,
      [builtCli, 'serve', '--specs', specsExample, '--ledger', 'off', '--no-watch'],
      { stdio: ['pipe', 'pipe', 'pipe'], env: cleanEnv() },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const answers = new Map<number, unknown>();
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { id?: number };
      if (typeof message.id === 'number') answers.set(message.id, message);
    });
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    try {
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      });
      await vi.waitFor(() => expect(answers.has(1)).toBe(true), { timeout: 10_000 });
      let deep = '1';
      for (let i = 0; i < 5_000; i++) deep = `{"a":${deep}}`;
      child.stdin.write(`{"jsonrpc":"2.0","id":77,"result":${deep}}\n`);
      send({ jsonrpc: '2.0', id: 2, method: 'ping' });
      await vi.waitFor(() => expect(answers.get(2)).toMatchObject({ result: {} }), { timeout: 10_000 });
      expect(stderr).toMatch(/nests deeper than 128 levels and was skipped/);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});

describe('get_provenance paging over stdio', () => {
  let tmp: TempDir;
  let stdio: StdioCli;

  beforeAll(async () => {
    tmp = makeTempDir();
    stdio = await connectStdioCli(['--specs', specsExample, '--ledger', tmp.at('ledger.db')]);
  }, 30_000);
  afterAll(async () => {
    await stdio.close();
    tmp.remove();
  });

  type Page = { reads: Array<{ seq: number; ref: string }>; next_cursor?: string };

  it('pages a run oldest first with a cursor, every read exactly once', async () => {
    const refs = [
      'auth#overview',
      'auth#key-types',
      'auth#key-format',
      'auth#rotation',
      'errors#error-envelope',
    ];
    for (const ref of refs)
      await stdio.client.callTool({ name: 'get_clause', arguments: { ref, run_id: 'paged' } });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const args = { run_id: 'paged', limit: 2, ...(cursor ? { cursor } : {}) };
      const page = (await stdio.client.callTool({ name: 'get_provenance', arguments: args }))
        .structuredContent as Page;
      expect(page.reads.length).toBeLessThanOrEqual(2);
      seen.push(...page.reads.map((r) => r.ref));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(refs);
  });

  it('refuses a cursor it did not hand out', async () => {
    const result = await stdio.client.callTool({
      name: 'get_provenance',
      arguments: { run_id: 'paged', cursor: 'page-2' },
    });
    expect(result.isError).toBe(true);
  });
});

describe('resource subscriptions over stdio', () => {
  let tmp: TempDir;
  let specs: string;
  let stdio: StdioCli;

  beforeAll(async () => {
    tmp = makeTempDir();
    specs = tmp.at('specs');
    cpSync(specsExample, specs, { recursive: true });
    stdio = await connectStdioCli(['--specs', specs, '--ledger', 'off'], { watch: true });
  }, 30_000);
  afterAll(async () => {
    await stdio.close();
    tmp.remove();
  });

  it('refuses a subscription to a clause that does not exist, suggesting the one meant', async () => {
    await expect(stdio.client.subscribeResource({ uri: 'spec://auth/rotatoin' })).rejects.toThrow(
      /auth#rotation/,
    );
  });

  it('accepts a subscription to a URI it does not serve, as the protocol expects, and keeps nothing for it', async () => {
    // 20,000 of them: beyond the cap, so accepting means none of them is held.
    for (let i = 0; i < 20_000; i++)
      await stdio.client.subscribeResource({ uri: `https://example.com/${i}` });
    await expect(stdio.client.subscribeResource({ uri: 'spec://auth/rotation' })).resolves.toEqual({});
  });

  it('holds at most 10,000 subscriptions per connection', async () => {
    // Distinct spellings of real clauses (clause IDs resolve case-insensitively).
    const catalog = await stdio.client.callTool({
      name: 'get_outline',
      arguments: { spec: 'auth', depth: 9 },
    });
    const ids = (catalog.structuredContent as { clauses: Array<{ id: string }> }).clauses.map((c) => c.id);
    const uris = new Set<string>();
    for (let mask = 0; uris.size < 10_001 && mask < 1 << 16; mask++) {
      for (const id of ids) {
        const letters = [...id].map((ch, i) => ((mask >> i) & 1 ? ch.toUpperCase() : ch)).join('');
        uris.add(`spec://auth/${letters}`);
      }
    }
    const list = [...uris].slice(0, 10_001);
    const results = await Promise.allSettled(list.map((uri) => stdio.client.subscribeResource({ uri })));
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(refused).toHaveLength(1);
    expect(String(refused[0]?.reason)).toMatch(/already holds 10000 resource subscriptions/);
    await Promise.all(list.map((uri) => stdio.client.unsubscribeResource({ uri })));
  }, 60_000);

  it('sends updated for the subscribed clause an edit changed, and not for the ones it left alone', async () => {
    const updated: string[] = [];
    stdio.client.setNotificationHandler('notifications/resources/updated', (n) => {
      updated.push(n.params.uri);
    });
    for (const uri of ['spec://auth/rotation', 'spec://auth/key-format', 'spec://errors/error-envelope'])
      await stdio.client.subscribeResource({ uri });
    const file = path.join(specs, 'specs/auth.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('within 60 seconds', 'within 30 seconds'));
    await vi.waitFor(() => expect(updated).toContain('spec://auth/rotation'), { timeout: 10_000 });
    expect(updated).not.toContain('spec://auth/key-format');
    expect(updated).not.toContain('spec://errors/error-envelope');
  });
});
