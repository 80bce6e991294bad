// The built CLI as a subprocess: one-shot commands with their exit code, `serve --http` until it listens, `serve` over stdio.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { builtCli } from './paths.js';

const exec = promisify(execFile);

/**
 * How a client negotiates the protocol era: `legacy` is the 2025 initialize handshake (the SDK default), `modern`
 * pins 2026-07-28 (server/discover, no fallback), `auto` probes and falls back — what Claude Code does.
 */
export type EraMode = 'legacy' | 'modern' | 'auto';

export function clientOptions(era: EraMode = 'legacy'): ConstructorParameters<typeof Client>[1] {
  if (era === 'legacy') return {};
  return { versionNegotiation: { mode: era === 'auto' ? 'auto' : { pin: '2026-07-28' } } };
}

/** Runs `specledger ARGS`; a non-zero exit is returned, not thrown. */
export async function runCli(
  args: readonly string[],
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [builtCli, ...args]);
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

export interface HttpCli {
  child: ChildProcess;
  /** The MCP endpoint the banner announced (the real port when started with --port 0). */
  url: string;
  exited: Promise<number | null>;
}

/** Starts `specledger serve --http --port 0 ARGS` (with --no-watch unless `watch`) and resolves once its banner names the URL. */
export async function startHttpCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; watch?: boolean } = {},
): Promise<HttpCli> {
  const watch = options.watch ? [] : ['--no-watch'];
  const child = spawn(process.execPath, [builtCli, 'serve', '--http', '--port', '0', ...watch, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /over (http:\/\/\S+\/mcp)/.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`server exited ${code} before listening: ${err}`)));
  });
  return { child, url, exited };
}

/** The environment of an IDE launching the server: no run IDs or spec paths leaking in from this test process. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...getDefaultEnvironment(), NO_COLOR: '1', ...extra };
}

export interface StdioCli {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/** Starts `specledger serve ARGS` (with --no-watch unless `watch`) over stdio and connects the real SDK client. */
export async function connectStdioCli(
  args: readonly string[],
  options: { env?: Record<string, string>; clientName?: string; watch?: boolean; era?: EraMode } = {},
): Promise<StdioCli> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [builtCli, 'serve', ...(options.watch ? [] : ['--no-watch']), ...args],
    env: cleanEnv(options.env),
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const client = new Client(
    { name: options.clientName ?? 'stdio-e2e', version: '0.0.1' },
    clientOptions(options.era),
  );
  await client.connect(transport);
  return { client, stderr: () => err, close: () => client.close() };
}

/**
 * The JSON-RPC message a Streamable HTTP POST answered with, whether it came as a JSON body or (as the SDK answers
 * sessionless 2025-era requests) as one SSE `message` event.
 */
export async function answerOf<T>(response: Response): Promise<T> {
  const body = await response.text();
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream'))
    return JSON.parse(body) as T;
  const data = body.split('\n').find((line) => line.startsWith('data: '));
  if (data === undefined) throw new Error(`no SSE data event in ${JSON.stringify(body.slice(0, 200))}`);
  return JSON.parse(data.slice('data: '.length)) as T;
}
