// specledger serve: the MCP server over stdio (default) or Streamable HTTP.
import { type Command, Option } from 'commander';
import type { App } from '../app.js';
import type { ReloadResult } from '../corpus/corpus.js';
import { ExitError, errorMessage } from '../errors.js';
import type { CheckpointEvery } from '../ledger/checkpoint-schedule.js';
import { principalProblem } from '../mcp/run-id.js';
import { ROOT_CONFIG_FILES } from '../roots/config-files.js';
import {
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_PRINCIPAL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SESSION_IDLE_MS,
} from '../transports/http-limits.js';
import { isLoopbackHost } from '../transports/http-security.js';
import { readInputFile } from './input-files.js';
import {
  type CommonOptions,
  defaultLedger,
  defaultSpecs,
  integerOption,
  listOption,
  parseByteSize,
  parseCheckpointEvery,
  parseDuration,
  parsePort,
  resolveLedger,
} from './options.js';
import { escapeControls, logErr, progressReporter } from './output.js';
import { prepareCheckpoints } from './serve-checkpoints.js';

interface ServeOptions extends Omit<CommonOptions, 'specs'> {
  /** `--specs` values in order: `DIR` or `NAME=DIR`. */
  specs: string[];
  config?: string;
  discover?: string | boolean;
  http?: boolean;
  host: string;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  port: number;
  stateless?: boolean;
  tokenFile?: string;
  insecureNoAuth?: boolean;
  watch: boolean;
  poll?: boolean;
  maxBody: number;
  maxSessions: number;
  maxSessionsPerPrincipal: number;
  sessionIdle: number;
  requestTimeout: number;
  fastLane: boolean;
  checkpointEvery?: CheckpointEvery;
  checkpointKey?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the specs to MCP clients (stdio by default; --http for Streamable HTTP)')
    .option(
      '--specs <[name=]dir>',
      'spec root; repeat as NAME=DIR to serve several (refs then read NAME:SPEC#CLAUSE)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--config <file>', `roots from a file (default: ${ROOT_CONFIG_FILES.join(' or ')} here)`)
    .option(
      '--discover [dir]',
      'serve the spec roots nested under DIR (default: here): .kiro/, openspec/, specs/, AGENTS.md',
    )
    .option('--ledger <path>', 'ledger: SQLite file, postgres:// URL, or "off"', defaultLedger())
    .option('--http', 'serve Streamable HTTP instead of stdio')
    .option('--host <host>', 'HTTP bind address', '127.0.0.1')
    .option('--port <port>', 'HTTP port (0 = any free port)', parsePort, 3333)
    .option('--stateless', 'HTTP without sessions, for replicas behind a load balancer')
    .option('--token-file <file>', 'bearer tokens, one "name:token" per line (or SPECLEDGER_TOKEN=token)')
    .option('--insecure-no-auth', 'allow a non-loopback bind without a token')
    .option(
      '--allowed-hosts <hosts>',
      'Host headers to accept, replacing the loopback defaults: host:port, or a host on any port (behind a proxy, its address)',
      listOption,
    )
    .option(
      '--allowed-origins <origins>',
      'browser Origins to accept, replacing the loopback defaults (requests without Origin are always accepted)',
      listOption,
    )
    .option('--max-body <size>', 'largest HTTP request body, e.g. 1MiB or 500KB', parseByteSize, 1024 * 1024)
    .option(
      '--request-timeout <duration>',
      'time a client has to send a whole request (headers and body), e.g. 30s',
      parseDuration,
      DEFAULT_REQUEST_TIMEOUT_MS,
    )
    .option(
      '--max-sessions <n>',
      'HTTP sessions open at once; the least recently used idle one is evicted',
      integerOption(1),
      DEFAULT_MAX_SESSIONS,
    )
    .option(
      '--max-sessions-per-principal <n>',
      'HTTP sessions one token (or, without tokens, everyone) may hold',
      integerOption(1),
      DEFAULT_MAX_SESSIONS_PER_PRINCIPAL,
    )
    .option(
      '--session-idle <duration>',
      'close an HTTP session unused for this long',
      parseDuration,
      DEFAULT_SESSION_IDLE_MS,
    )
    // For diagnosis and the benchmark's baseline: every request through the SDK (its HTTP entry, its stdio path).
    .addOption(new Option('--no-fast-lane', 'answer plain tools/call through the SDK too').hideHelp())
    .option(
      '--checkpoint-every <n|duration>',
      'sign a checkpoint every N records or every period (30s, 5m)',
      parseCheckpointEvery,
    )
    .option('--checkpoint-key <file>', 'private key the checkpoints are signed with (from specledger keygen)')
    .option('--no-watch', 'do not reload specs when files change')
    .option('--poll', 'watch by polling (network file systems)')
    .action(async (opts: ServeOptions) => {
      const bearerTokens = opts.http ? loadBearerTokens(opts.tokenFile) : [];
      if (opts.http && !isLoopbackHost(opts.host) && bearerTokens.length === 0 && !opts.insecureNoAuth) {
        throw new ExitError(
          `refusing to bind ${opts.host} without a bearer token: pass --token-file FILE or set SPECLEDGER_TOKEN (or --insecure-no-auth if something else authenticates)`,
          2,
        );
      }
      const startCheckpoints = prepareCheckpoints(opts);
      // Loaded here, not at the top: every other command starts without the SDK and the server (~0.5 s of CPU).
      // One transport's modules only: the HTTP one brings Hono and its Node server, which stdio never needs.
      const [{ createApp }, { watchCorpus }] = await Promise.all([
        import('../app.js'),
        import('../source/watcher.js'),
      ]);
      // Loaded here, like the server below: the root list brings yaml and zod, which other commands never need.
      const { resolveRootList } = await import('../roots/root-list.js');
      const roots = resolveRootList({
        specs: opts.specs,
        config: opts.config,
        discover: opts.discover,
        cwd: process.cwd(),
        fallback: defaultSpecs(),
      });
      const app = await createApp({
        specs: roots.roots[0]!.real,
        roots,
        ledger: resolveLedger(opts.ledger),
        transport: opts.http ? 'http' : 'stdio',
        log: logErr,
        onProgress: progressReporter(),
      });
      const stops: Array<() => Promise<void>> = [];
      const stopAll = async (): Promise<void> => {
        for (const s of stops.reverse()) await s().catch((e: Error) => logErr(`specledger: ${e.message}`));
        await app.close();
      };
      let where = 'stdio';
      let done: Promise<void>;
      try {
        if (startCheckpoints) {
          const checkpoints = startCheckpoints(app.ledger);
          stops.push(() => checkpoints.stop());
        }
        if (opts.watch) {
          const federation = app.federation;
          // Each root has its own watcher: a root that vanishes or breaks is reported, the others keep serving.
          const targets = federation
            ? federation.roots.map((root) => ({
                corpus: root.corpus,
                onReload: (result: ReloadResult) => app.applyReload(federation.rootReloaded(root, result)),
              }))
            : [{ corpus: app.corpus, onReload: (result: ReloadResult) => app.applyReload(result) }];
          // Started together: each waits for its first scan of the folder, and those overlap on the I/O pool.
          const started = await Promise.allSettled(
            targets.map((target) =>
              watchCorpus(target.corpus, { poll: opts.poll, log: logErr, onReload: target.onReload }),
            ),
          );
          for (const result of started)
            if (result.status === 'fulfilled') stops.push(() => result.value.close());
          const failed = started.find((result) => result.status === 'rejected');
          if (failed) throw failed.reason;
        }
        if (opts.http) {
          const { startHttpServer } = await import('../transports/http.js');
          const http = await startHttpServer(app, {
            host: opts.host,
            port: opts.port,
            stateless: opts.stateless ?? false,
            fastLane: opts.fastLane,
            bearerTokens,
            allowedHosts: opts.allowedHosts,
            allowedOrigins: opts.allowedOrigins,
            maxBodyBytes: opts.maxBody,
            requestTimeoutMs: opts.requestTimeout,
            maxSessions: opts.maxSessions,
            maxSessionsPerPrincipal: opts.maxSessionsPerPrincipal,
            sessionIdleMs: opts.sessionIdle,
            readiness: () => readiness(app),
            console: await consoleHandler(app),
            log: (level, message) => logErr(`specledger: ${level}: ${message}`),
          }).catch((error: unknown) => {
            // EADDRINUSE, EACCES, a host that does not resolve: nothing is served, so nothing may keep running.
            throw new ExitError(`cannot listen on ${opts.host}:${opts.port}: ${errorMessage(error)}`, 1, {
              cause: error,
            });
          });
          where = http.url;
          stops.push(() => http.close());
          done = new Promise(() => {});
        } else {
          const { serveStdio } = await import('../transports/stdio.js');
          done = (
            await serveStdio(app, (message, level = 'warn') => logErr(`specledger: ${level}: ${message}`), {
              fastLane: opts.fastLane,
            })
          ).closed;
        }
      } catch (error) {
        await stopAll();
        throw error;
      }
      banner(app, where, opts.ledger);
      void app.corpus
        .warmSearch()
        .catch((error: Error) => logErr(`specledger: search index: ${error.message}`));
      let stopping = false;
      const stop = async (): Promise<void> => {
        if (stopping) return;
        stopping = true;
        await stopAll();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop());
      process.on('SIGINT', () => void stop());
      await done;
      await stop();
    });
}

/** The provenance console under /ui, read-only, on the server's own ledger and live corpus. */
async function consoleHandler(app: App) {
  const [{ createConsoleHandler }, { openGitRepo }] = await Promise.all([
    import('../ui/server.js'),
    import('../governance/git.js'),
  ]);
  // Several roots have several repositories; the console's commits page knows one, so it says there is none.
  const repo = app.federation ? null : await openGitRepo(app.corpus.root);
  return createConsoleHandler({
    base: '/ui',
    sources: {
      store: app.ledger,
      corpus: app.corpus,
      repo,
      specsDir: app.federation ? null : app.corpus.root,
      walkChain: false,
    },
    log: (message) => logErr(`specledger: error: ${message}`),
  });
}

function banner(app: App, where: string, ledger: string): void {
  const snap = app.corpus.current();
  const problems = snap.problems.filter((p) => p.severity === 'error');
  for (const p of problems) logErr(`specledger: ${p.file}:${p.line}: ${p.message}`);
  const from = app.federation
    ? `${app.federation.roots.length} roots (${app.federation.roots.map((r) => `${r.name}=${r.real}`).join(', ')})`
    : app.corpus.root;
  logErr(
    `specledger: serving ${snap.catalog.length} specs (${snap.clauseCount} clauses) from ${from} over ${where}; ledger ${ledger}${problems.length ? `; ${problems.length} problems` : ''}`,
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

/**
 * "name:token" per line (# comments allowed); a bare token is named "default". The name is the principal recorded
 * on every read and the scope of its runs (`name/run`), so it follows the principal rule (mcp/run-id.ts). A file
 * that names no token is refused: serving it would mean serving without authentication, silently.
 */
function loadBearerTokens(file: string | undefined): Array<{ name: string; token: string }> {
  const lines = file
    ? readInputFile(file, 'token file').split(/\r?\n/)
    : process.env.SPECLEDGER_TOKEN
      ? [process.env.SPECLEDGER_TOKEN]
      : [];
  const tokens: Array<{ name: string; token: string; line: number }> = [];
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) return;
    const at = l.indexOf(':');
    tokens.push(
      at > 0
        ? { name: l.slice(0, at).trim(), token: l.slice(at + 1).trim(), line: i + 1 }
        : { name: 'default', token: l, line: i + 1 },
    );
  });
  const where = (t: { line: number }) => (file ? `${file}:${t.line}: ` : 'SPECLEDGER_TOKEN: ');
  if (file && tokens.length === 0) {
    throw new ExitError(
      `${file} holds no token (only blank lines and comments); refusing to serve without authentication. Write one "name:token" per line, e.g. ci-bot:$(openssl rand -hex 24)`,
      2,
    );
  }
  const names = new Set<string>();
  const secrets = new Set<string>();
  for (const t of tokens) {
    const problem = principalProblem(t.name);
    if (problem)
      throw new ExitError(`${where(t)}token name "${escapeControls(t.name)}" is not usable: ${problem}`, 2);
    if (t.token.length < 16)
      throw new ExitError(
        `${where(t)}token "${t.name}" is shorter than 16 characters; use a random secret`,
        2,
      );
    if (names.has(t.name))
      throw new ExitError(`${where(t)}token name "${t.name}" is used twice; names identify principals`, 2);
    if (secrets.has(t.token))
      throw new ExitError(`${where(t)}token "${t.name}" repeats another token's secret`, 2);
    names.add(t.name);
    secrets.add(t.token);
  }
  return tokens.map(({ name, token }) => ({ name, token }));
}
