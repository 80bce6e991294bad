// Specs: the lint findings of each served spec, and the files that cannot be served right now.
import { html } from 'hono/html';
import { lintSnapshot } from '../../governance/lint.js';
import type { Finding } from '../../governance/types.js';
import { type Html, type PageContext, page } from '../layout.js';
import type { ConsoleSources } from '../sources.js';

const findingRow = (f: Finding) => html`<tr><td class="mono">${f.file}:${f.line}</td>
<td class="${f.severity === 'error' ? 'bad' : f.severity === 'warning' ? 'warn' : ''}">${f.severity}</td>
<td class="mono">${f.rule}</td><td>${f.message}${f.hint ? html`<br><span class="muted">${f.hint}</span>` : ''}</td></tr>`;

const findingsTable = (id: string, findings: readonly Finding[]) => html`<table aria-labelledby="${id}">
<thead><tr><th scope="col">Where</th><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Finding</th></tr></thead>
<tbody>${findings.map(findingRow)}</tbody></table>`;

export function specsView(ctx: PageContext, sources: ConsoleSources): Html {
  const snapshot = sources.corpus?.current() ?? null;
  if (snapshot === null)
    return page(ctx, {
      title: 'Specs',
      section: 'specs',
      body: html`<h1>Specs</h1><p>No spec root is available to this console (pass <code>--specs DIR</code>).</p>`,
    });
  const findings = lintSnapshot(snapshot);
  const served = new Set(snapshot.specs.map((s) => s.path));
  // A file with problems that no served spec comes from: unreadable, too big, binary, outside the root, unparsable.
  const unserved = snapshot.problems.filter((p) => !served.has(p.file));
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const specRows = snapshot.specs.map((s) => {
    const n = byFile.get(s.path)?.length ?? 0;
    return html`<tr><td class="mono">${s.id}</td><td>${s.title}</td><td>${s.version}</td><td>${s.role}</td>
<td class="mono">${s.path}</td><td class="num">${s.clauses.length}</td><td class="num">${n}</td></tr>`;
  });
  const withFindings = snapshot.specs.filter((s) => byFile.has(s.path));
  const body = html`<h1>Specs</h1>
<p>${snapshot.specs.length} specs served (${snapshot.clauseCount} clauses); ${findings.length} lint findings (rules that need git history, such as drift, run in <code>specledger lint</code>).</p>
<h2 id="unserved">Files that cannot be served</h2>
${
  unserved.length === 0
    ? html`<p>None.</p>`
    : findingsTable(
        'unserved',
        unserved.map((p) => ({ ...p })),
      )
}
<h2 id="served">Served specs</h2>
<table aria-labelledby="served"><thead><tr><th scope="col">ID</th><th scope="col">Title</th><th scope="col">Version</th>
<th scope="col">Status</th><th scope="col">File</th><th scope="col" class="num">Clauses</th><th scope="col" class="num">Findings</th></tr></thead>
<tbody>${specRows}</tbody></table>
${withFindings.map(
  (s, i) =>
    html`<h2 id="lint-${i}">Lint: <span class="mono">${s.id}</span></h2>${findingsTable(`lint-${i}`, byFile.get(s.path) ?? [])}`,
)}`;
  return page(ctx, { title: 'Specs', section: 'specs', body });
}
