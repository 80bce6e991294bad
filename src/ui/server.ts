// `specledger ui`'s own HTTP server: loopback only, Host-checked against DNS rebinding, GET and HEAD only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { SpecLedgerError } from '../errors.js';
import { createHostPolicy, type HostPolicy, isLoopbackHost } from '../transports/http-security.js';
import { createConsoleApp } from './console.js';
import type { ConsoleSources } from './sources.js';

interface ConsoleServerOptions {
  sources: ConsoleSources;
  host: string;
  /** 0 = any free port. */
  port: number;
  log: (message: string) => void;
}

interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

/** The console as a node:http handler, for a server that has already admitted the request (`serve --http`). */
export function createConsoleHandler(
  options: Omit<ConsoleServerOptions, 'host' | 'port'> & { base: string },
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return getRequestListener(createConsoleApp(options).fetch);
}

function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(`${message}\n`);
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  // Nothing here authenticates a request, so nothing but this machine may reach it.
  if (!isLoopbackHost(options.host))
    throw new SpecLedgerError(
      'CONFIG',
      `refusing to serve the console on ${options.host}: it has no authentication; bind a loopback address, or use \`specledger serve --http --token-file FILE\`, which serves it under /ui behind bearer tokens`,
    );
  const handle = getRequestListener(createConsoleApp({ sources: options.sources, log: options.log }).fetch);
  let policy: HostPolicy | undefined;
  const server = createServer((req, res) => {
    if (policy === undefined || !policy.isHostAllowed(req.headers.host))
      return refuse(res, 403, `Invalid Host header: ${req.headers.host ?? ''}`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return refuse(res, 405, 'The console only reads.', { allow: 'GET, HEAD' });
    handle(req, res).catch((error: unknown) => {
      options.log(`console ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) refuse(res, 500, 'Internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  policy = createHostPolicy({ bindHost: options.host, port });
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
