// An edit reaches a subscribed client in both eras: resources/subscribe and unsolicited notifications for 2025
// clients, a subscriptions/listen stream for 2026-07-28 clients; over stdio, HTTP sessions and sessionless HTTP.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions, connectStdioCli, type EraMode, type HttpCli, startHttpCli } from '../helpers/cli.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const URI = 'spec://auth/key-storage';

type Transport = 'stdio' | 'stateful' | 'stateless';

describe.each(['stdio', 'stateful', 'stateless'] as const)('reload over %s', (transport: Transport) => {
  let tmp: TempDir;
  let server: HttpCli | undefined;
  beforeAll(async () => {
    tmp = makeTempDir('specledger-reload-eras-');
    cpSync(specsExample, tmp.at('specs'), { recursive: true });
    if (transport !== 'stdio') {
      const mode = transport === 'stateless' ? ['--stateless'] : [];
      server = await startHttpCli([...mode, '--specs', tmp.at('specs'), '--ledger', tmp.at('l.db')], {
        watch: true,
      });
    }
  }, 30_000);
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    tmp.remove();
  });

  async function connect(era: EraMode): Promise<{ client: Client; close(): Promise<void> }> {
    if (transport === 'stdio') {
      const cli = await connectStdioCli(['--specs', tmp.at('specs'), '--ledger', tmp.at(`${era}.db`)], {
        era,
        watch: true,
      });
      return { client: cli.client, close: () => cli.close() };
    }
    const client = new Client({ name: 'reload', version: '1' }, clientOptions(era));
    await client.connect(new StreamableHTTPClientTransport(new URL((server as HttpCli).url)));
    return { client, close: () => client.close() };
  }

  const eras: EraMode[] = transport === 'stateless' ? ['modern'] : ['legacy', 'modern'];
  it.each(eras)(
    'tells a subscribed %s client that the clause changed, and that the list changed',
    async (era) => {
      const { client, close } = await connect(era);
      try {
        const updated: string[] = [];
        let listChanged = 0;
        client.setNotificationHandler('notifications/resources/updated', (n) => {
          updated.push(n.params.uri);
        });
        client.setNotificationHandler('notifications/resources/list_changed', () => {
          listChanged++;
        });
        if (era === 'legacy') await client.subscribeResource({ uri: URI });
        else await client.listen({ resourceSubscriptions: [URI], resourcesListChanged: true });
        const file = tmp.at('specs/specs/auth.md');
        const before = readFileSync(file, 'utf8');
        writeFileSync(file, before.replace('**AUTH-4**: Secret', `**AUTH-4**: Secret (${era} edit)`));
        await expect.poll(() => updated, { timeout: 10_000, interval: 50 }).toContain(URI);
        // Only what was asked for: another clause of the same spec was not subscribed to.
        expect(updated.filter((u) => u !== URI && u !== 'spec://auth')).toEqual([]);
        writeFileSync(tmp.at(`specs/specs/new-${era}.md`), `---\nid: new-${era}\n---\n# New\n\nText.\n`);
        await expect.poll(() => listChanged, { timeout: 10_000, interval: 50 }).toBeGreaterThan(0);
        const read = await client.readResource({ uri: URI });
        expect((read.contents[0] as { text: string }).text).toContain(`(${era} edit)`);
      } finally {
        await close();
      }
    },
    30_000,
  );
});
