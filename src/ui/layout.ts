// The page shell every console page shares: head, navigation, pager, and the small formatters the pages use.
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { SHORT_DIGEST_LENGTH } from '../trace/trailers.js';
import type { Asset } from './assets.js';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Where the console is mounted (`''` for `specledger ui`, `/ui` under `serve --http`) and its files. */
export interface PageContext {
  base: string;
  assets: ReadonlyMap<string, Asset>;
}

export type Section = 'runs' | 'commits' | 'specs' | 'health';

const SECTIONS: ReadonlyArray<readonly [Section, string]> = [
  ['runs', 'Runs'],
  ['commits', 'Commits'],
  ['specs', 'Specs'],
  ['health', 'Ledger health'],
];

/** A console URL: the path under the mount point and its query, with empty values left out. */
export function href(
  ctx: PageContext,
  path: string,
  query: Record<string, string | number | undefined> = {},
) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const q = params.toString();
  return `${ctx.base}${path}${q === '' ? '' : `?${q}`}`;
}

function assetHref(ctx: PageContext, name: string): string {
  return `${ctx.base}/assets/${name}?v=${ctx.assets.get(name)?.version ?? '0'}`;
}

export interface PageOptions {
  title: string;
  section?: Section;
  /** Script files (names in the assets map) the page needs. */
  scripts?: readonly string[];
  body: Html;
}

export function page(ctx: PageContext, options: PageOptions): Html {
  const nav = SECTIONS.map(
    ([section, label]) =>
      html`<li><a href="${href(ctx, section === 'runs' ? '/' : `/${section}`)}"${
        options.section === section ? html` aria-current="page"` : ''
      }>${label}</a></li>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · SpecLedger console</title>
<link rel="stylesheet" href="${assetHref(ctx, 'console.css')}">
${(options.scripts ?? []).map((s) => html`<script src="${assetHref(ctx, s)}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">SpecLedger console</span><nav aria-label="Sections"><ul>${nav}</ul></nav></header>
<main id="main" tabindex="-1">
${options.body}
</main>
</body>
</html>`;
}

/** Previous / next links for a list shown `limit` at a time. */
export function pager(
  ctx: PageContext,
  path: string,
  query: Record<string, string | number | undefined>,
  at: { offset: number; limit: number; total: number; noun: string },
): Html {
  const { offset, limit, total, noun } = at;
  if (total <= limit && offset === 0) return html`<p class="muted">${total} ${noun}</p>`;
  const prev = offset > 0 ? href(ctx, path, { ...query, offset: Math.max(0, offset - limit) }) : null;
  const next = offset + limit < total ? href(ctx, path, { ...query, offset: offset + limit }) : null;
  const last = Math.min(total, offset + limit);
  return html`<nav class="pager" aria-label="Pages">
${prev ? html`<a href="${prev}" rel="prev">Previous ${limit}</a>` : ''}
<span>${total === 0 ? 0 : offset + 1}–${last} of ${total} ${noun}</span>
${next ? html`<a href="${next}" rel="next">Next ${limit}</a>` : ''}
</nav>`;
}

/** `sha256:1a2b3c4d`: a digest as short as the commit trailers cite it. */
export function shortDigest(digest: string | null): string {
  return digest === null ? '—' : `sha256:${digest.replace(/^sha256:/, '').slice(0, SHORT_DIGEST_LENGTH)}`;
}

/** A ledger timestamp as people read it: date and time to the second, UTC. */
export function when(ts: string): string {
  return ts.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A page for a request the console cannot answer: what was asked and why, with the status to send. */
export function problemPage(ctx: PageContext, title: string, message: string): Html {
  return page(ctx, {
    title,
    body: html`<h1>${title}</h1><p>${message}</p><p><a href="${href(ctx, '/')}">Back to runs</a></p>`,
  });
}
