// One clause: its versions as the ledger has seen them, which runs read which version and when, and its text now.
import { html } from 'hono/html';
import { whoRead } from '../../ledger/queries.js';
import { formatRef, parseRef } from '../../ledger/refs.js';
import { type Html, href, type PageContext, page, pager, shortDigest, when } from '../layout.js';
import { type ConsoleSources, currentClause } from '../sources.js';

const CLAUSE_RUNS_PER_PAGE = 50;

interface SeenVersion {
  digest: string;
  reads: number;
  runs: Set<string>;
  first_ts: string;
  last_ts: string;
}

export async function clauseView(
  ctx: PageContext,
  sources: ConsoleSources,
  refText: string,
  offset: number,
): Promise<Html> {
  const parsed = parseRef(refText);
  const ref = formatRef(parsed.spec_id, parsed.clause_id) as string;
  const filter = {
    spec_id: parsed.spec_id,
    ...(parsed.clause_id === null ? {} : { clause_id: parsed.clause_id }),
  };
  const groups = await sources.store.readGroups(filter);
  const versions = new Map<string, SeenVersion>();
  for (const g of groups) {
    // A spec's ref also gathers its clauses' reads; this page is about the ref itself.
    if (g.digest === null || g.clause_id !== parsed.clause_id) continue;
    let v = versions.get(g.digest);
    if (v === undefined) {
      v = { digest: g.digest, reads: 0, runs: new Set(), first_ts: g.first_ts, last_ts: g.last_ts };
      versions.set(g.digest, v);
    }
    v.reads += g.reads;
    v.runs.add(g.run_id);
    if (g.first_ts < v.first_ts) v.first_ts = g.first_ts;
    if (g.last_ts > v.last_ts) v.last_ts = g.last_ts;
  }
  const who = await whoRead(sources.store, ref);
  const now = currentClause(sources.corpus?.current() ?? null, parsed.spec_id, parsed.clause_id);
  const versionRows = [...versions.values()].map(
    (v) => html`<tr>
<td class="mono">${shortDigest(v.digest)}</td>
<td>${v.digest === now?.digest ? html`<span class="state-unchanged">current</span>` : html`<span class="state-changed">${now ? 'changed since' : 'removed since'}</span>`}</td>
<td>${when(v.first_ts)}</td><td>${when(v.last_ts)}</td>
<td class="num">${v.runs.size}</td><td class="num">${v.reads}</td>
<td><a href="${href(ctx, '/diff', { ref, digest: v.digest })}">${
      v.digest === now?.digest ? 'text' : now ? 'as read vs now' : 'text as read'
    }<span class="sr-only"> of ${shortDigest(v.digest)}</span></a></td>
</tr>`,
  );
  const runs = who.runs.slice(offset, offset + CLAUSE_RUNS_PER_PAGE);
  const runRows = runs.map(
    (r) => html`<tr>
<td><a href="${href(ctx, '/run', { id: r.run_id })}" class="mono">${r.run_id}</a></td>
<td class="mono">${r.digests.map((d) => shortDigest(d)).join(', ')}</td>
<td class="num">${r.reads}</td>
<td>${when(r.first_ts)}</td><td>${when(r.last_ts)}</td>
<td>${r.clients.join(', ')}</td>
</tr>`,
  );
  const body = html`<h1>Clause <span class="mono">${ref}</span></h1>
<dl class="facts">
<dt>Now</dt><dd>${
    now
      ? html`${now.title} · spec version ${now.version} · <span class="mono">${shortDigest(now.digest)}</span>`
      : html`<span class="state-removed">not in the specs served now</span>`
  }</dd>
</dl>
<h2 id="versions">Versions the ledger has seen</h2>
${
  versions.size === 0
    ? html`<p>No run has read this ref.</p>`
    : html`<table aria-labelledby="versions"><thead><tr><th scope="col">Digest</th><th scope="col">Against now</th>
<th scope="col">First read</th><th scope="col">Last read</th><th scope="col" class="num">Runs</th>
<th scope="col" class="num">Reads</th><th scope="col">Text</th></tr></thead><tbody>${versionRows}</tbody></table>`
}
<h2 id="runs">Runs that read it</h2>
${pager(ctx, '/clause', { ref }, { offset, limit: CLAUSE_RUNS_PER_PAGE, total: who.runs.length, noun: 'runs' })}
${
  runs.length === 0
    ? ''
    : html`<table aria-labelledby="runs"><thead><tr><th scope="col">Run</th><th scope="col">Versions read</th>
<th scope="col" class="num">Reads</th><th scope="col">First read</th><th scope="col">Last read</th>
<th scope="col">Clients</th></tr></thead><tbody>${runRows}</tbody></table>`
}
${now ? html`<h2>Text now</h2><pre class="text">${now.text}</pre>` : ''}`;
  return page(ctx, { title: `Clause ${ref}`, section: 'runs', body });
}
