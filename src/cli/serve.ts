// specledger serve: the MCP server over stdio (default) or Streamable HTTP.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type App, createApp } from '../app.js';
import { ExitError } from '../errors.js';
import { watchCorpus } from '../source/watcher.js';
import { isLoopbackHost, startHttpServer } from '../transports/http.js';
import { serveStdio } from '../transports/stdio.js';
import { type CommonOptions, defaultLedger, defaultSpecs, resolveLedger } from './options.js';
import { logErr, progressReporter } from './output.js';

export interface ServeOptions extends CommonOptions {
  http?: boolean;
  host: string;
  port: string;
  stateless?: boolean;
  tokenFile?: string;
  insecureNoAuth?: boolean;
  watch: boolean;
  poll?: boolean;
  maxBody: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the specs to MCP clients (stdio by default; --http for Streamable HTTP)')
    .option('--specs <dir>', 'spec root', defaultSpecs())
    .option('--ledger <path>', 'ledger: SQLite file, postgres:// URL, or "off"', defaultLedger())
    .option('--http', 'serve Streamable HTTP instead of stdio')
    .option('--host <host>', 'HTTP bind address', '127.0.0.1')
    .option('--port <port>', 'HTTP port (0 = any free port)', '3333')
    .option('--stateless', 'HTTP without sessions, for replicas behind a load balancer')
    .option('--token-file <file>', 'bearer tokens, one "name:token" per line (or SPECLEDGER_TOKEN=token)')
    .option('--insecure-no-auth', 'allow a non-loopback bind without a token')
    .option('--max-body <bytes>', 'largest HTTP request body accepted', String(1024 * 1024))
    .option('--no-watch', 'do not reload specs when files change')
    .option('--poll', 'watch by polling (network file systems)')
    .action(async (opts: ServeOptions) => {
      const tokens = opts.http ? loadTokens(opts.tokenFile) : [];
      if (opts.http && !isLoopbackHost(opts.host) && tokens.length === 0 && !opts.insecureNoAuth) {
        throw new ExitError(
          `refusing to bind ${opts.host} without a bearer token: pass --token-file FILE or set SPECLEDGER_TOKEN (or --insecure-no-auth if something else authenticates)`,
          2,
        );
      }
      const app = await createApp({
        specs: opts.specs,
        ledger: resolveLedger(opts.ledger),
        transport: opts.http ? 'http' : 'stdio',
        log: logErr,
        onProgress: progressReporter(),
      });
      const stops: Array<() => Promise<void>> = [];
      if (opts.watch) {
        const watcher = await watchCorpus(app.corpus, {
          poll: opts.poll,
          log: logErr,
          onReload: (result) => app.applyReload(result),
        });
        stops.push(() => watcher.close());
      }
      let where = 'stdio';
      let done: Promise<void>;
      if (opts.http) {
        const http = await startHttpServer({
          host: opts.host,
          port: Number(opts.port),
          stateless: opts.stateless ?? false,
          createServer: () => app.createServer(),
          tokens,
          maxBodyBytes: Number(opts.maxBody),
          readiness: () => readiness(app),
          log: (level, message) => logErr(`specledger: ${level}: ${message}`),
        });
        where = http.url;
        stops.push(() => http.close());
        done = new Promise(() => {});
      } else {
        done = (await serveStdio(app, (message) => logErr(`specledger: warn: ${message}`))).closed;
      }
      banner(app, where, opts.ledger);
      void app.corpus
        .warmSearch()
        .catch((error: Error) => logErr(`specledger: search index: ${error.message}`));
      let stopping = false;
      const stop = async (): Promise<void> => {
        if (stopping) return;
        stopping = true;
        for (const s of stops.reverse()) await s().catch((e: Error) => logErr(`specledger: ${e.message}`));
        await app.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop());
      process.on('SIGINT', () => void stop());
      await done;
      await stop();
    });
}

function banner(app: App, where: string, ledger: string): void {
  const snap = app.corpus.current();
  const problems = snap.problems.filter((p) => p.severity === 'error');
  for (const p of problems) logErr(`specledger: ${p.file}:${p.line}: ${p.message}`);
  logErr(
    `specledger: serving ${snap.catalog.length} specs (${snap.clauseCount} clauses) from ${app.corpus.root} over ${where}; ledger ${ledger}${problems.length ? `; ${problems.length} problems` : ''}`,
  );
}

async function readiness(app: App): Promise<{ ready: boolean; detail: Record<string, unknown> }> {
  const snap = app.corpus.current();
  // Asks without writing: a probe every few seconds must not grow the ledger.
  const health = await app.ledger.health();
  const damage = health.damage === undefined ? {} : { ledger_damage: health.damage };
  if (!health.writable) {
    return {
      ready: false,
      detail: { specs: snap.catalog.length, ledger: `not writable: ${health.problem}`, ...damage },
    };
  }
  return {
    ready: true,
    detail: {
      specs: snap.catalog.length,
      clauses: snap.clauseCount,
      generation: snap.generation,
      ledger: 'writable',
      ...damage,
    },
  };
}

/** "name:token" per line (# comments allowed); a bare token is named "default". */
export function loadTokens(file: string | undefined): Array<{ name: string; token: string }> {
  const lines = file
    ? readFileSync(file, 'utf8').split(/\r?\n/)
    : process.env.SPECLEDGER_TOKEN
      ? [process.env.SPECLEDGER_TOKEN]
      : [];
  const tokens = lines
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const at = l.indexOf(':');
      return at > 0
        ? { name: l.slice(0, at).trim(), token: l.slice(at + 1).trim() }
        : { name: 'default', token: l };
    });
  for (const t of tokens) {
    if (t.token.length < 16)
      throw new ExitError(`token "${t.name}" is shorter than 16 characters; use a random secret`, 2);
  }
  return tokens;
}
