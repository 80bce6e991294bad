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
  log: (message: string, level?: 'info' | 'warn') => void,
): Promise<{ closed: Promise<void> }> {
  const surface = app.surface({ witnessed: true });
  const transport = new NdjsonTransport(process.stdin, process.stdout);
  const closed = new Promise<void>((resolve) => {
    void transport.ended.then(resolve);
    process.stdin.on('end', () => resolve());
  });
  // The SDK builds the instance once the opening exchange has picked the era: said on stderr, for whoever wonders
  // what an IDE negotiated.
  serveSdkStdio(
    ({ era }) => {
      log(
        `stdio: the client speaks ${era === 'modern' ? '2026-07-28' : 'a 2025 revision (initialize)'}`,
        'info',
      );
      return app.createServer(surface).server;
    },
    {
      transport,
      onerror: (error) => log(`stdio: ${error.message.split('\n')[0]}`, 'warn'),
    },
  );
  return { closed };
}
