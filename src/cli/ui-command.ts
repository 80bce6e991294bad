// specledger ui: the provenance console, a read-only web page on the ledger, the specs and their git repository.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ExitError, errorMessage } from '../errors.js';
import { defaultLedger, ledgerOption, parsePort, resolveLedger, specsOption } from './options.js';
import { logErr } from './output.js';

interface UiOptions {
  specs: string;
  ledger?: string;
  host: string;
  port: number;
  watch: boolean;
}

export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description(
      'open the provenance console: runs, reads, clause history and diffs in a browser (read-only)',
    )
    .addOption(specsOption())
    .addOption(ledgerOption())
    .option(
      '--host <host>',
      'bind address; loopback only (for remote access use serve --http, under /ui)',
      '127.0.0.1',
    )
    .option('--port <port>', 'port (0 = any free port)', parsePort, 4780)
    .option('--no-watch', 'do not reload specs when files change')
    .action(startUi);
}

async function startUi(opts: UiOptions): Promise<void> {
  const location = resolveLedger(opts.ledger ?? defaultLedger());
  if (location === 'off') throw new ExitError('--ledger off has no records to show');
  if (!location.includes('://') && !existsSync(location))
    throw new ExitError(
      `no ledger at ${location} yet: \`specledger serve\` records reads there (or pass --ledger PATH|postgres://…)`,
    );
  // Loaded here: the stores, the parser, hono and git cost start-up time every other command need not pay.
  const [{ openLedger }, { loadCorpus }, { openGitRepo }, { watchCorpus }, { startConsoleServer }] =
    await Promise.all([
      import('../ledger/open.js'),
      import('../corpus/corpus.js'),
      import('../governance/git.js'),
      import('../source/watcher.js'),
      import('../ui/server.js'),
    ]);
  const store = await openLedger(location, { readonly: true });
  const stops: Array<() => Promise<void>> = [() => store.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => logErr(`specledger: ${e.message}`));
  };
  try {
    const corpus = existsSync(opts.specs) ? loadCorpus({ root: opts.specs }) : null;
    if (corpus === null) logErr(`specledger: no spec root at ${opts.specs}: clause states show as removed`);
    if (corpus && opts.watch) {
      const watcher = await watchCorpus(corpus, { log: logErr, onReload: () => undefined });
      stops.push(() => watcher.close());
    }
    const repo = corpus ? await openGitRepo(corpus.root) : null;
    const server = await startConsoleServer({
      sources: { store, corpus, repo, specsDir: corpus ? opts.specs : null, walkChain: true },
      host: opts.host,
      port: opts.port,
      log: (message) => logErr(`specledger: error: ${message}`),
    }).catch((error: unknown) => {
      throw new ExitError(
        `cannot serve the console on ${opts.host}:${opts.port}: ${errorMessage(error)}`,
        1,
        {
          cause: error,
        },
      );
    });
    stops.push(() => server.close());
    // The URL is the command's output (a person opens it; a script reads it), so it goes to stdout.
    process.stdout.write(`${server.url}\n`);
    logErr(`specledger: console for ledger ${location} at ${server.url} (read-only; Ctrl-C stops it)`);
  } catch (error) {
    await stopAll();
    throw error;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await stopAll();
}
