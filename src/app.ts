// Composition root: config → source → index → cache → ledger → server; start and stop.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { type Corpus, loadCorpus, type ReloadResult } from './corpus/corpus.js';
import type { Snapshot } from './corpus/snapshot.js';
import { DEFAULT_LEDGER_PATH } from './ledger/location.js';
import { openLedger } from './ledger/open.js';
import type { LedgerStore } from './ledger/types.js';
import { type ClientInfo, type ConnectionInfo, runIdFromEnv } from './mcp/context.js';
import type { RenderedResult, SpecServerDeps } from './mcp/deps.js';
import { createRecorder, type RecordHook } from './mcp/recorder.js';
import { createSpecServer, createSpecSurface, type SpecServer, type SpecSurface } from './mcp/server.js';
import { startCountHelper } from './parse/token-helper.js';
import { type CountHelper, createTokenCounter, type TokenCounter } from './parse/tokens.js';
import { type Federation, loadFederation } from './roots/federation.js';
import type { RootList } from './roots/root-list.js';
import { createGitInfo } from './source/git.js';
import { createSpanHook } from './telemetry/spans.js';

interface AppOptions {
  /** One spec root; ignored when `roots` is given. */
  specs: string;
  /** The roots to serve (src/roots/root-list.ts); several are served as one federation with `root:` refs. */
  roots?: RootList;
  /** `off`, a SQLite path or a postgres:// URL; default `.specledger/ledger.db` under the working directory. */
  ledger?: string;
  transport: ConnectionInfo['transport'];
  env?: NodeJS.ProcessEnv;
  /** Diagnostics; always stderr in the CLI. */
  log?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
  /** Observes every committed read, besides the OpenTelemetry span each read gets. */
  onRecorded?: RecordHook;
  /** 64 MiB of rendered responses: thousands of clauses, small beside the corpus itself. */
  cacheBytes?: number;
}

export interface App {
  corpus: Corpus;
  /** The roots behind `corpus` when several are served; each has its own corpus to watch. Null for one root. */
  federation: Federation | null;
  ledger: LedgerStore;
  tokens: TokenCounter;
  deps: SpecServerDeps;
  /**
   * What the server instances of one connection are built from. `witnessed`: the connection is one client's
   * (stdio; a 2025-era HTTP session has its own ID); `clientInfo`: who introduced itself, per principal, where
   * one surface serves many clients (sessionless HTTP).
   */
  surface(options: SurfaceOptions): SpecSurface;
  /** Builds one MCP server instance; each is told about reloads until it closes. */
  createServer(surface: SpecSurface): SpecServer;
  /** Re-reads files and tells every live server, then every listener, what changed. */
  applyReload(result: ReloadResult): Promise<void>;
  /** Called after each reload; for entries that publish changes themselves (the 2026-07-28 HTTP listen streams). */
  onReload(listener: (before: Snapshot, after: Snapshot) => void): void;
  close(): Promise<void>;
}

export interface SurfaceOptions {
  witnessed: boolean;
  connectionId?: string;
  clientInfo?: (principal: string | null) => ClientInfo | undefined;
}

export async function createApp(options: AppOptions): Promise<App> {
  const env = options.env ?? process.env;
  let countHelper: CountHelper | null = null;
  const tokens = createTokenCounter(undefined, () => {
    countHelper = startCountHelper();
    return countHelper;
  });
  const federation = options.roots?.federated
    ? await loadFederation(options.roots, { tokens, onProgress: options.onProgress })
    : null;
  const root = options.roots?.roots[0]?.real ?? options.specs;
  // Asked before the parse, so git runs beside it (as loadFederation does per root).
  const gitInfo = federation ? Promise.resolve(federation.git) : createGitInfo(root);
  const corpus = federation?.corpus ?? loadCorpus({ root, tokens, onProgress: options.onProgress });
  const ledgerSpec = options.ledger ?? path.join(process.cwd(), DEFAULT_LEDGER_PATH);
  const ledger = await openLedger(ledgerSpec, {
    log: (level, message) => options.log?.(`specledger: ${level}: ${message}`),
  });
  const git = await gitInfo;
  const deps: SpecServerDeps = {
    corpus,
    ...(federation ? { roots: federation.roots } : {}),
    ledger,
    tokens,
    recorder: createRecorder(ledger, git, withSpans(options.onRecorded)),
    cache: new LRUCache<string, RenderedResult>({
      maxSize: options.cacheBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (v) => 2 * (v.text.length + JSON.stringify(v.structured).length) + 64,
    }),
    connection: {
      transport: options.transport,
      connectionId: `conn-${randomUUID()}`,
      envRunId: runIdFromEnv(env),
    },
  };
  const live = new Set<SpecServer>();
  const listeners: Array<(before: Snapshot, after: Snapshot) => void> = [];

  return {
    corpus,
    federation,
    ledger,
    tokens,
    deps,
    surface(surfaceOptions) {
      const conn: ConnectionInfo = {
        ...deps.connection,
        witnessed: surfaceOptions.witnessed,
        ...(surfaceOptions.connectionId ? { connectionId: surfaceOptions.connectionId } : {}),
        clientInfo: surfaceOptions.clientInfo ?? (() => undefined),
      };
      return createSpecSurface(deps, conn);
    },
    createServer(surface) {
      const spec = createSpecServer(surface);
      live.add(spec);
      const close = spec.close;
      spec.close = async () => {
        live.delete(spec);
        await close();
      };
      return spec;
    },
    async applyReload({ before, after, rejected, dropped }) {
      const warn = (files: readonly string[], outcome: string) =>
        files.flatMap((file) =>
          after.problems
            .filter((p) => p.file === file)
            .map((p) => `${p.file}:${p.line}: ${p.message} (${outcome})`),
        );
      const warnings = [
        ...warn(rejected, 'last good version still served'),
        ...warn(dropped, 'no longer served'),
      ];
      for (const w of warnings) options.log?.(`warning: ${w}`);
      await Promise.allSettled([...live].map((s) => s.snapshotChanged(before, after, warnings)));
      for (const listener of listeners) listener(before, after);
    },
    onReload(listener) {
      listeners.push(listener);
    },
    async close() {
      countHelper?.close();
      await Promise.allSettled([...live].map((s) => s.close()));
      await ledger.close();
    },
  };
}

/** One span per read through @opentelemetry/api: a no-op unless the host application registers an SDK. */
function withSpans(hook: RecordHook | undefined): RecordHook {
  const spans = createSpanHook();
  if (!hook) return spans;
  return (records, ctx, tool) => {
    spans(records, ctx, tool);
    hook(records, ctx, tool);
  };
}
