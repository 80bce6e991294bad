// stdio: what IDE configs launch. stdout carries only JSON-RPC; everything else goes to stderr.
import { serveStdio as serveSdkStdio } from '@modelcontextprotocol/server/stdio';
import type { App } from '../app.js';
import { NdjsonTransport } from './ndjson-transport.js';

/**
 * Serves one client on stdin/stdout, in whichever era its opening exchange picks (the SDK's serveStdio pins it:
 * `initialize` → 2025, `server/discover` or an enveloped request → 2026-07-28). One process is one connection, so
 * a read with no run hint is filed under the process's run. `log` gets what cannot be answered on the protocol: a
 * line that is not JSON-RPC, an oversize message, a client that stopped reading.
 */
export async function serveStdio(
  app: App,
  log: (message: string) => void,
): Promise<{ closed: Promise<void> }> {
  const surface = app.surface({ witnessed: true });
  const transport = new NdjsonTransport(process.stdin, process.stdout);
  const closed = new Promise<void>((resolve) => {
    void transport.ended.then(resolve);
    process.stdin.on('end', () => resolve());
  });
  serveSdkStdio(() => app.createServer(surface).server, {
    transport,
    onerror: (error) => log(`stdio: ${error.message.split('\n')[0]}`),
  });
  return { closed };
}
