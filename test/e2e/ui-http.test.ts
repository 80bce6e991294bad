// The console under `serve --http` at /ui: the same pages, behind the same bearer tokens, read-only.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdioCli, type HttpCli, startHttpCli } from '../helpers/cli.js';
import { CLI_TEST_TIMEOUT } from '../helpers/git.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const RUN = 'run-console-http';
const TOKEN = 'console-reader-token-0123456789';

describe('the console under serve --http', { timeout: CLI_TEST_TIMEOUT }, () => {
  let tmp: TempDir;
  let server: HttpCli;
  let base: string;

  beforeAll(async () => {
    tmp = makeTempDir();
    const ledger = tmp.at('ledger.db');
    const agent = await connectStdioCli(['--specs', specsExample, '--ledger', ledger], {
      env: { SPECLEDGER_RUN_ID: RUN },
    });
    await agent.client.callTool({ name: 'get_clause', arguments: { ref: 'auth#token-lifetime' } });
    await agent.close();
    writeFileSync(tmp.at('tokens'), `reviewer:${TOKEN}\n`);
    server = await startHttpCli([
      '--specs',
      specsExample,
      '--ledger',
      ledger,
      '--token-file',
      tmp.at('tokens'),
    ]);
    base = server.url.replace(/\/mcp$/, '/ui');
  }, CLI_TEST_TIMEOUT);

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    tmp?.remove();
  });

  const get = (url: string, token?: string) =>
    fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('refuses a request without a valid bearer token', async () => {
    expect((await get(base)).status).toBe(401);
    expect((await get(`${base}/run?id=${RUN}`, 'not-the-token-at-all')).status).toBe(401);
  });

  it('serves the runs and run pages, their stylesheet and script under /ui, with the strict CSP', async () => {
    const runs = await get(base, TOKEN);
    expect(runs.status).toBe(200);
    expect(runs.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await runs.text();
    expect(html).toContain(`href="/ui/run?id=${RUN}"`);
    const css = /href="(\/ui\/assets\/console\.css\?v=\w+)"/.exec(html)?.[1];
    expect(css).toBeDefined();
    const sheet = await get(new URL(css as string, base).href, TOKEN);
    expect(sheet.status).toBe(200);
    expect(sheet.headers.get('content-type')).toContain('text/css');
    const run = await (await get(`${base}/run?id=${RUN}`, TOKEN)).text();
    expect(run).toContain('auth#token-lifetime');
    expect(run).toContain('unchanged');
  });

  it('does not walk the hash chain from the shared server: the health page says how to check it instead', async () => {
    const health = await get(`${base}/health`, TOKEN);
    expect(health.status).toBe(200);
    const text = await health.text();
    expect(text).toContain("Not walked from the server's console");
    expect(text).toContain('specledger verify --from-checkpoint');
    expect(text).not.toContain('Verified:');
  });

  it('only reads: other methods are refused and the MCP endpoint is unaffected', async () => {
    const post = await fetch(base, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(post.status).toBe(405);
    expect((await get(`${base}/nowhere`, TOKEN)).status).toBe(404);
    expect((await fetch(server.url.replace(/\/mcp$/, '/healthz'))).status).toBe(200);
  });
});
