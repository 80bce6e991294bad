// The provenance console: a read-only web app over the ledger, the specs and git, server-rendered with hono.

import type { Context } from 'hono';
import { Hono } from 'hono';
import { SpecLedgerError } from '../errors.js';
import { consoleAssets } from './assets.js';
import { type Html, type PageContext, problemPage } from './layout.js';
import { clauseView } from './pages/clause.js';
import { commitsView } from './pages/commits.js';
import { diffView } from './pages/diff.js';
import { healthView } from './pages/health.js';
import { runView } from './pages/run.js';
import { runsView } from './pages/runs.js';
import { specsView } from './pages/specs.js';
import type { ConsoleSources } from './sources.js';

interface ConsoleOptions {
  sources: ConsoleSources;
  /** The path the console is mounted at: '' (its own server) or e.g. '/ui' (under `serve --http`). */
  base?: string;
  /** Where failures the page cannot explain go (stderr in the CLI). */
  log?: (message: string) => void;
}

/**
 * No inline script or style runs, nothing loads from elsewhere, no form posts anywhere else, no framing: the pages
 * show untrusted text (specs, client names, run IDs), and this is the second wall behind escaping every value.
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** A whole number from the query (an offset), 0 when absent or not one. */
function offsetOf(c: Context): number {
  const n = Number(c.req.query('offset') ?? '0');
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

const text = (c: Context, name: string): string => c.req.query(name) ?? '';

export function createConsoleApp(options: ConsoleOptions): Hono {
  const { sources } = options;
  const base = options.base ?? '';
  const assets = consoleAssets();
  const ctx: PageContext = { base, assets };
  const app = new Hono({ strict: false });
  const routes = base === '' ? app : app.basePath(base);

  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  });

  const render = async (c: Context, view: () => Html | Promise<Html>) => {
    try {
      return c.html(await view());
    } catch (error) {
      if (
        error instanceof SpecLedgerError &&
        (error.code === 'NOT_FOUND' || error.code === 'INVALID_ARGUMENT')
      ) {
        const status = error.code === 'NOT_FOUND' ? 404 : 400;
        return c.html(
          await problemPage(ctx, status === 404 ? 'Not found' : 'Bad request', error.message),
          status,
        );
      }
      options.log?.(`console ${c.req.path}: ${error instanceof Error ? error.message : String(error)}`);
      return c.html(
        await problemPage(
          ctx,
          'Something went wrong',
          'The page could not be built; the server log says why.',
        ),
        500,
      );
    }
  };

  routes.get('/', (c) =>
    render(c, () =>
      runsView(ctx, sources, {
        client: text(c, 'client'),
        principal: text(c, 'principal'),
        source: text(c, 'source'),
        from: text(c, 'from'),
        to: text(c, 'to'),
        offset: offsetOf(c),
      }),
    ),
  );
  routes.get('/run', (c) => render(c, () => runView(ctx, sources, required(c, 'id'), offsetOf(c))));
  routes.get('/clause', (c) => render(c, () => clauseView(ctx, sources, required(c, 'ref'), offsetOf(c))));
  routes.get('/diff', (c) =>
    render(c, () => diffView(ctx, sources, required(c, 'ref'), required(c, 'digest'), c.req.query('run'))),
  );
  routes.get('/commits', (c) => render(c, () => commitsView(ctx, sources, text(c, 'rev'))));
  routes.get('/health', (c) => render(c, () => healthView(ctx, sources)));
  routes.get('/specs', (c) => render(c, () => specsView(ctx, sources)));
  routes.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (asset === undefined) return c.text('Not found', 404);
    c.header('content-type', asset.type);
    c.header('cache-control', 'public, max-age=31536000, immutable');
    return c.body(asset.body);
  });
  app.notFound(async (c) =>
    c.html(await problemPage(ctx, 'Not found', `The console has no page at ${c.req.path}.`), 404),
  );
  return app;
}

/** A query parameter a page cannot do without; its absence is the caller's mistake (400), named. */
function required(c: Context, name: string): string {
  const value = c.req.query(name);
  if (value === undefined || value.trim() === '')
    throw new SpecLedgerError('INVALID_ARGUMENT', `the page needs ?${name}=…`);
  return value;
}
