// Commits: the runs and clause versions behind a commit or a range, from git notes and trailers (src/trace).
import { html } from 'hono/html';
import { locateSpecs } from '../../trace/link.js';
import type { NoteRun } from '../../trace/note.js';
import { commitProvenance } from '../../trace/provenance.js';
import { logCommits } from '../../trace/repo.js';
import { buildReport } from '../../trace/report.js';
import { traceCommit } from '../../trace/trace.js';
import { type Html, href, type PageContext, page, shortDigest, when } from '../layout.js';
import type { ConsoleSources } from '../sources.js';

const RECENT_COMMITS = 30;

interface ClauseLine {
  ref: string;
  digest: string;
  version: string | null;
  state: string;
  runs: readonly string[];
}

function clauseTable(ctx: PageContext, id: string, clauses: readonly ClauseLine[]): Html {
  if (clauses.length === 0) return html`<p>No clause reads recorded.</p>`;
  return html`<table aria-labelledby="${id}"><thead><tr><th scope="col">Ref</th><th scope="col">Spec version</th>
<th scope="col">Version read</th><th scope="col">State now</th><th scope="col">Runs</th></tr></thead><tbody>${clauses.map(
    (c) => html`<tr><td><a class="mono" href="${href(ctx, '/clause', { ref: c.ref })}">${c.ref}</a></td>
<td>${c.version ?? '—'}</td><td class="mono"><a href="${href(ctx, '/diff', { ref: c.ref, digest: c.digest })}">${shortDigest(c.digest)}</a></td>
<td><span class="state-${c.state}">${c.state}</span></td>
<td>${c.runs.map((r, i) => html`${i > 0 ? ', ' : ''}<a class="mono" href="${href(ctx, '/run', { id: r })}">${r}</a>`)}</td></tr>`,
  )}</tbody></table>`;
}

/** How a run was tied to a commit, where that is not a declaration: an inferred link must say so. */
const GUESSED = ' (guessed from ledger activity, not declared)';

const runLinks = (ctx: PageContext, runs: ReadonlyArray<string | Pick<NoteRun, 'run' | 'via'>>) =>
  runs.length === 0
    ? html`<span class="muted">none</span>`
    : runs.map(
        (r, i) =>
          html`${i > 0 ? ', ' : ''}<a class="mono" href="${href(ctx, '/run', { id: typeof r === 'string' ? r : r.run })}">${typeof r === 'string' ? r : r.run}</a>${typeof r !== 'string' && r.via === 'ledger-guess' ? GUESSED : ''}`,
      );

async function answer(ctx: PageContext, sources: ConsoleSources, rev: string): Promise<Html> {
  const repo = sources.repo;
  if (repo === null) return html``;
  const options = { repo, store: sources.store, locate: locateSpecs(sources.specsDir ?? '.', repo.top) };
  if (rev === '') {
    const commits = await commitProvenance(options, await logCommits(repo, ['-n', String(RECENT_COMMITS)]));
    return html`<h2 id="recent">The last ${RECENT_COMMITS} commits</h2>
<table aria-labelledby="recent"><thead><tr><th scope="col">Commit</th><th scope="col">Date</th><th scope="col">Subject</th>
<th scope="col">Provenance</th><th scope="col">Runs</th></tr></thead><tbody>${commits.map(
      (
        p,
      ) => html`<tr><td><a class="mono" href="${href(ctx, '/commits', { rev: p.commit.commit })}">${p.commit.commit.slice(0, 12)}</a></td>
<td>${when(p.commit.date)}</td><td>${p.commit.subject}</td><td>${p.source}</td><td>${runLinks(ctx, p.note.runs)}</td></tr>`,
    )}</tbody></table>`;
  }
  if (rev.includes('..')) {
    const report = await buildReport({ ...options, range: rev, specs: null, diffLines: 0 });
    return html`<h2 id="range">${report.range.base}..${report.range.head}: ${report.commits.length} commits, ${report.linked} with provenance</h2>
<table aria-labelledby="range"><thead><tr><th scope="col">Commit</th><th scope="col">Subject</th><th scope="col">Provenance</th>
<th scope="col">Runs</th></tr></thead><tbody>${report.commits.map(
      (
        c,
      ) => html`<tr><td><a class="mono" href="${href(ctx, '/commits', { rev: c.commit })}">${c.commit.slice(0, 12)}</a></td>
<td>${c.subject}</td><td>${c.error ? html`<span class="bad">${c.error}</span>` : c.provenance}</td><td>${runLinks(
        ctx,
        c.runs.map((run) => report.runs.find((r) => r.run === run) ?? run),
      )}</td></tr>`,
    )}</tbody></table>
<h2 id="range-clauses">Clauses relied on</h2>
${clauseTable(
  ctx,
  'range-clauses',
  report.specs.flatMap((s) => s.clauses),
)}
${report.warnings.map((w) => html`<p class="warn">${w}</p>`)}`;
  }
  const traced = await traceCommit(options, rev);
  return html`${traced.commits.map(
    (c) => html`<h2 id="commit">Commit <span class="mono">${c.commit.slice(0, 12)}</span>: ${c.subject}</h2>
<dl class="facts"><dt>Date</dt><dd>${when(c.date)}</dd><dt>Provenance</dt><dd>${c.message ?? c.provenance}</dd>
<dt>Runs</dt><dd>${runLinks(ctx, c.runs)}</dd></dl>
${c.problems.map((p) => html`<p class="warn">${p}</p>`)}
<h3 id="commit-clauses">Clauses read</h3>${clauseTable(ctx, 'commit-clauses', c.clauses)}`,
  )}${traced.warnings.map((w) => html`<p class="warn">${w}</p>`)}`;
}

export async function commitsView(ctx: PageContext, sources: ConsoleSources, rev: string): Promise<Html> {
  const body =
    sources.repo === null
      ? html`<h1>Commits</h1><p>The specs are not in a git repository, so there are no commits to trace.</p>`
      : html`<h1>Commits</h1>
<form class="filters" method="get" action="${href(ctx, '/commits')}" role="search" aria-label="Trace a commit">
<label>Commit or range (BASE..HEAD)<input type="text" name="rev" value="${rev}"></label>
<button type="submit">Trace</button></form>
${await answer(ctx, sources, rev.trim())}`;
  return page(ctx, { title: 'Commits', section: 'commits', body });
}
