// A real SpecLedger app (SQLite ledger in a temp dir) connected to a real SDK Client over the in-memory transport.

import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { type App, createApp } from '../../src/app.js';
import { makeTempDir } from './temp.js';

export interface Connected {
  app: App;
  client: Client;
  ledgerPath: string;
  /** Calls a tool and returns its result, typed as a tool result. */
  call(name: string, args?: Record<string, unknown>, meta?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function connect(specs: string, env: NodeJS.ProcessEnv = {}): Promise<Connected> {
  const tmp = makeTempDir('specledger-mcp-');
  const ledgerPath = tmp.at('ledger.db');
  // An empty env: a CI run ID in the test process's environment must not decide the run ID.
  const app = await createApp({ specs, ledger: ledgerPath, transport: 'memory', env });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const spec = app.createServer(app.surface({ witnessed: true }));
  await spec.server.connect(serverTransport);
  const client = new Client({ name: 'specledger-tests', version: '1.2.3' });
  await client.connect(clientTransport);
  return {
    app,
    client,
    ledgerPath,
    async call(name, args = {}, meta) {
      return (await client.callTool({
        name,
        arguments: args,
        ...(meta ? { _meta: meta } : {}),
      })) as CallToolResult;
    },
    async close() {
      await client.close();
      await app.close();
      tmp.remove();
    },
  };
}

/** The text rendering of a tool result. */
export function textOf(result: CallToolResult): string {
  return result.content
    .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}

/** structuredContent of a successful tool result; fails loudly (with the error text) otherwise. */
export function structured<T>(result: CallToolResult): T {
  if (result.isError) throw new Error(`tool failed: ${textOf(result)}`);
  if (!result.structuredContent) throw new Error('tool returned no structuredContent');
  return result.structuredContent as T;
}
