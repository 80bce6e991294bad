// One run: who it was, each clause it read with its state now (and a link to what changed), and its reads in order.
import { html } from 'hono/html';
import { currentDigests, readsOfRun, runClauseStates } from '../../ledger/queries.js';
import { formatClient, formatRef } from '../../ledger/refs.js';
import { type Html, href, type PageContext, page, pager, shortDigest, when } from '../layout.js';
import type { ConsoleSources } from '../sources.js';

const READS_PER_PAGE = 100;

export async function runView(
  ctx: PageContext,
  sources: ConsoleSources,
  runId: string,
  offset: number,
): Promise<Html> {
  // Throws NOT_FOUND for a run the ledger holds no read of; the app turns that into a 404 page.
  const records = await readsOfRun(sources.store, runId);
  const states = await runClauseStates(
    sources.store,
    runId,
    currentDigests(sources.corpus?.current() ?? null),
  );
  const first = records[0];
  let tokens = 0;
  const principals = new Set<string>();
  const clients = new Set<string>();
  let firstTs = first?.ts ?? '';
  let lastTs = firstTs;
  for (const r of records) {
    tokens += r.tokens;
    if (r.principal !== null) principals.add(r.principal);
    const client = formatClient(r.client_name, r.client_version);
    if (client !== null) clients.add(client);
    if (r.ts < firstTs) firstTs = r.ts;
    if (r.ts > lastTs) lastTs = r.ts;
  }
  const changed = states.filter((s) => s.state !== 'unchanged').length;
  const clauseRows = states.map(
    (s) => html`<tr>
<td><a href="${href(ctx, '/clause', { ref: s.ref })}" class="mono">${s.ref}</a></td>
<td>${s.kind}</td>
<td class="mono">${shortDigest(s.read_digest)}</td>
<td><span class="state-${s.state}">${s.state}</span></td>
<td class="mono">${s.current_digest === null ? '—' : shortDigest(s.current_digest)}</td>
<td>${
      s.state === 'unchanged'
        ? ''
        : html`<a href="${href(ctx, '/diff', { ref: s.ref, digest: s.read_digest, run: runId })}">${
            s.state === 'changed' ? 'as read vs now' : 'text as read'
          }<span class="sr-only"> for ${s.ref}</span></a>`
    }</td>
</tr>`,
  );
  const shown = records.slice(offset, offset + READS_PER_PAGE);
  const readRows = shown.map((r) => {
    const ref = formatRef(r.spec_id, r.clause_id);
    return html`<tr>
<td class="num">${r.seq}</td>
<td>${when(r.ts)}</td>
<td>${r.tool}</td>
<td>${r.kind}</td>
<td>${ref === null ? html`<span class="muted">—</span>` : html`<a href="${href(ctx, '/clause', { ref })}" class="mono">${ref}</a>`}</td>
<td>${r.spec_version ?? '—'}</td>
<td class="mono">${shortDigest(r.digest)}</td>
<td class="num">${r.tokens}</td>
</tr>`;
  });
  const body = html`<h1>Run <span class="mono">${runId}</span></h1>
<dl class="facts">
<dt>Run ID source</dt><dd>${first?.run_id_source ?? '—'}</dd>
<dt>Reads</dt><dd>${records.length}</dd>
<dt>Tokens read</dt><dd>${tokens}</dd>
<dt>First read</dt><dd>${when(firstTs)}</dd>
<dt>Last read</dt><dd>${when(lastTs)}</dd>
<dt>Clients</dt><dd>${[...clients].join(', ') || '—'}</dd>
<dt>Principals</dt><dd>${[...principals].join(', ') || '—'}</dd>
</dl>
<h2 id="clauses">Clauses read, and their state now</h2>
<p>${states.length} refs; ${changed === 0 ? 'none has changed since' : `${changed} changed or removed since`}.</p>
${
  states.length === 0
    ? ''
    : html`<table aria-labelledby="clauses">
<thead><tr><th scope="col">Ref</th><th scope="col">Kind</th><th scope="col">Version read</th>
<th scope="col">State now</th><th scope="col">Version now</th><th scope="col">Diff</th></tr></thead>
<tbody>${clauseRows}</tbody></table>`
}
<h2 id="timeline">Timeline of reads</h2>
${pager(ctx, '/run', { id: runId }, { offset, limit: READS_PER_PAGE, total: records.length, noun: 'reads' })}
<table aria-labelledby="timeline">
<thead><tr><th scope="col" class="num">Seq</th><th scope="col">Time</th><th scope="col">Tool</th>
<th scope="col">Kind</th><th scope="col">Ref</th><th scope="col">Spec version</th><th scope="col">Digest</th>
<th scope="col" class="num">Tokens</th></tr></thead>
<tbody>${readRows}</tbody></table>`;
  return page(ctx, { title: `Run ${runId}`, section: 'runs', body });
}
