// stdio: what IDE configs launch. stdout carries only JSON-RPC; everything else goes to stderr.
import type { App } from '../app.js';
import { NdjsonTransport } from './ndjson-transport.js';

/**
 * Serves one client on stdin/stdout. `log` gets what cannot be answered on the protocol: a line that is not JSON-RPC,
 * an oversize message, a client that stopped reading (the SDK's transport dropped these silently).
 */
export async function serveStdio(
  app: App,
  log: (message: string) => void,
): Promise<{ closed: Promise<void> }> {
  const spec = app.createServer();
  const transport = new NdjsonTransport(process.stdin, process.stdout);
  // Set before connect: the protocol layer chains its own handler after this one.
  transport.onerror = (error) => log(`stdio: ${error.message.split('\n')[0]}`);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
  });
  await spec.server.connect(transport);
  return { closed };
}
