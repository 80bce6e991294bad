// The runs page: every run, newest first, filtered by client, principal, time and how the run ID was learned.
import { html } from 'hono/html';
import { type RunsFilter, runsPage, runTokens } from '../../ledger/queries.js';
import { RUN_ID_SOURCES, type RunIdSource } from '../../ledger/types.js';
import { type Html, href, type PageContext, page, pager, when } from '../layout.js';
import type { ConsoleSources } from '../sources.js';

const RUNS_PER_PAGE = 25;

interface RunsQuery {
  client: string;
  principal: string;
  source: string;
  from: string;
  to: string;
  offset: number;
}

/** A `datetime-local` value (no zone, read as UTC) or a full ISO-8601 time, as ISO-8601 UTC; undefined if blank. */
function isoBound(value: string, end: boolean): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(v) ? v : `${v}Z`;
  const ms = Date.parse(zoned);
  if (Number.isNaN(ms)) return undefined;
  // A bound given to the minute covers the whole minute.
  const pad = end && /T\d\d:\d\d$/.test(v) ? 59_999 : 0;
  return new Date(ms + pad).toISOString();
}

function runsFilter(q: RunsQuery): RunsFilter {
  const from = isoBound(q.from, false);
  const to = isoBound(q.to, true);
  return {
    ...(q.client.trim() === '' ? {} : { client: q.client.trim() }),
    ...(q.principal.trim() === '' ? {} : { principal: q.principal.trim() }),
    ...((RUN_ID_SOURCES as readonly string[]).includes(q.source) ? { source: q.source as RunIdSource } : {}),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

export async function runsView(ctx: PageContext, sources: ConsoleSources, q: RunsQuery): Promise<Html> {
  const { total, runs } = await runsPage(sources.store, runsFilter(q), {
    offset: q.offset,
    limit: RUNS_PER_PAGE,
  });
  const tokens = await Promise.all(runs.map((r) => runTokens(sources.store, r.run_id)));
  const query = { client: q.client, principal: q.principal, source: q.source, from: q.from, to: q.to };
  const field = (name: keyof RunsQuery, label: string, type = 'text') =>
    html`<label>${label}<input type="${type}" name="${name}" value="${String(q[name])}"></label>`;
  const rows = runs.map(
    (r, i) => html`<tr>
<td><a href="${href(ctx, '/run', { id: r.run_id })}" class="mono">${r.run_id}</a></td>
<td>${r.run_id_source}</td>
<td class="num">${r.reads}</td>
<td class="num">${tokens[i] ?? 0}</td>
<td>${when(r.first_ts)}</td>
<td>${when(r.last_ts)}</td>
<td>${r.clients.join(', ')}</td>
<td>${r.principals.join(', ')}</td>
</tr>`,
  );
  const body = html`<h1>Runs</h1>
<form class="filters" method="get" action="${href(ctx, '/')}" role="search" aria-label="Filter runs">
${field('client', 'Client')}
${field('principal', 'Principal')}
<label>Run ID source<select name="source"><option value="">any</option>${RUN_ID_SOURCES.map(
    (s) => html`<option${s === q.source ? html` selected` : ''}>${s}</option>`,
  )}</select></label>
${field('from', 'Active from (UTC)', 'datetime-local')}
${field('to', 'Active to (UTC)', 'datetime-local')}
<button type="submit">Filter</button>
<a href="${href(ctx, '/')}">Clear</a>
</form>
${pager(ctx, '/', query, { offset: q.offset, limit: RUNS_PER_PAGE, total, noun: 'runs' })}
${
  runs.length === 0
    ? html`<p>No run matches.</p>`
    : html`<table>
<caption class="muted">Newest first. Tokens: what the server sent the run, summed over its reads.</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Run ID source</th><th scope="col" class="num">Reads</th>
<th scope="col" class="num">Tokens</th><th scope="col">First read</th><th scope="col">Last read</th>
<th scope="col">Clients</th><th scope="col">Principals</th></tr></thead>
<tbody>${rows}</tbody></table>`
}`;
  return page(ctx, { title: 'Runs', section: 'runs', body });
}
