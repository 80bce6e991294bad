// stdio: what IDE configs launch. stdout carries only JSON-RPC; everything else goes to stderr.
import type { App } from '../app.js';
import { NdjsonTransport } from './ndjson-transport.js';

export async function serveStdio(app: App): Promise<{ closed: Promise<void> }> {
  const spec = app.createServer();
  const transport = new NdjsonTransport(process.stdin, process.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
  });
  await spec.server.connect(transport);
  return { closed };
}
