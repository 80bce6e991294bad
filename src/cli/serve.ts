// specledger serve: the MCP server over stdio (default) or Streamable HTTP.
import type { Command } from 'commander';
import { createApp } from '../app.js';
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
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the specs to MCP clients (stdio by default; --http for Streamable HTTP)')
    .option('--specs <dir>', 'spec root', defaultSpecs())
    .option('--ledger <path>', 'ledger: SQLite file, postgres:// URL, or "off"', defaultLedger())
    .option('--http', 'serve Streamable HTTP instead of stdio')
    .option('--host <host>', 'HTTP bind address', '127.0.0.1')
    .option('--port <port>', 'HTTP port', '3333')
    .option('--stateless', 'HTTP without sessions, for replicas behind a load balancer')
    .option('--token-file <file>', 'bearer tokens, one "name:token" per line (or SPECLEDGER_TOKEN)')
    .option('--insecure-no-auth', 'allow a non-loopback bind without a token')
    .option('--no-watch', 'do not reload specs when files change')
    .option('--poll', 'watch by polling (network file systems)')
    .action(async (opts: ServeOptions) => {
      const app = await createApp({
        specs: opts.specs,
        ledger: resolveLedger(opts.ledger),
        transport: opts.http ? 'http' : 'stdio',
        log: logErr,
        onProgress: progressReporter(),
      });
      const snap = app.corpus.current();
      const problems = snap.problems.filter((p) => p.severity === 'error');
      for (const p of problems) logErr(`specledger: ${p.file}:${p.line}: ${p.message}`);
      const where = opts.http ? `http://${opts.host}:${opts.port}/mcp` : 'stdio';
      logErr(
        `specledger: serving ${snap.catalog.length} specs (${snap.clauseCount} clauses) from ${app.corpus.root} over ${where}; ledger ${opts.ledger}${problems.length ? `; ${problems.length} problems` : ''}`,
      );
      const { closed } = await serveStdio(app);
      const stop = async () => {
        await app.close();
        process.exit(0);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      await closed;
      await app.close();
    });
}
