// The audit for people: a terminal report, and a Markdown report a team lead pastes into a ticket.
import type { AuditFinding, AuditLocation, AuditReport, ReadCount, RootInventory } from './types.js';

interface AuditRenderOptions {
  /** How a location is shown (the CLI: relative to the working directory). */
  where: (loc: AuditLocation) => string;
  /** Rows listed per ledger table; the JSON has them all. */
  limit?: number;
}

/** Findings grouped the way a platform team reads them; a kind not listed falls under "Other". */
const SECTIONS: ReadonlyArray<{ title: string; kinds: readonly string[] }> = [
  { title: 'Forked policy', kinds: ['forked-clause', 'overlapping-specs'] },
  {
    title: 'AGENTS.md variants',
    kinds: ['contradicting-instruction', 'missing-instruction', 'agents-over-budget'],
  },
  { title: 'Ownership and drift', kinds: ['missing-owners', 'drift'] },
  { title: 'Reads of retired specs', kinds: ['deprecated-read'] },
];

function sectioned(findings: readonly AuditFinding[]): Array<{ title: string; findings: AuditFinding[] }> {
  const known = new Set(SECTIONS.flatMap((s) => s.kinds));
  return [
    ...SECTIONS.map((s) => ({ title: s.title, findings: findings.filter((f) => s.kinds.includes(f.kind)) })),
    { title: 'Other', findings: findings.filter((f) => !known.has(f.kind)) },
  ].filter((s) => s.findings.length > 0);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const counts = (byKey: Record<string, number>) =>
  Object.entries(byKey)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '-';
const agentsCell = (r: RootInventory) =>
  r.agents
    .map((a) => `${a.file} ${a.lines}/${a.instructions}/${a.tokens}${a.over.length > 0 ? ' OVER' : ''}`)
    .join(', ') || '-';

function headline(report: AuditReport): string {
  const specs = report.roots.reduce((n, r) => n + r.specs, 0);
  const clauses = report.roots.reduce((n, r) => n + r.clauses, 0);
  const agents = report.roots.reduce((n, r) => n + r.agents.length, 0);
  const s = report.summary;
  return `${plural(report.roots.length, 'root')}, ${plural(specs, 'spec')}, ${plural(clauses, 'clause')}, ${plural(agents, 'AGENTS.md/CLAUDE.md variant')}; ${plural(report.findings.length, 'finding')}: ${plural(s.error, 'error')}, ${plural(s.warning, 'warning')}, ${s.info} info`;
}

export function renderAuditText(report: AuditReport, options: AuditRenderOptions): string {
  const lines = [`specledger audit: ${headline(report)}`, '', 'Inventory'];
  for (const r of report.roots) {
    lines.push(
      `  ${r.name}  ${plural(r.specs, 'spec')}, ${plural(r.clauses, 'clause')}, ${r.versioned} versioned, ${r.byOwner['(none)'] ?? 0} unowned${r.commit ? `, at ${r.commit.slice(0, 7)}` : ', not in git'}`,
      `    formats: ${counts(r.byFormat)}; statuses: ${counts(r.byStatus)}`,
      `    agents (lines/instructions/tokens, budget ${r.budget.lines}/${r.budget.instructions}/${r.budget.tokens}): ${agentsCell(r)}`,
    );
  }
  for (const section of sectioned(report.findings)) {
    lines.push('', section.title);
    for (const f of section.findings) {
      lines.push(`  ${options.where(f)}  ${f.severity}  ${f.kind}  ${f.message}`);
      if (f.why) lines.push(`    why: ${f.why}`);
      if (f.related.length > 0) lines.push(`    see: ${shown(f.related, options.where)}`);
    }
  }
  if (report.ledger) {
    const l = report.ledger;
    const limit = options.limit ?? 10;
    lines.push(
      '',
      `Ledger: unread in ${l.unreadDays} days: ${plural(l.unreadSpecs.length, 'spec')}, ${plural(l.unreadClauses.length, 'clause')}`,
    );
    for (const c of l.unreadSpecs.slice(0, limit)) lines.push(`  unread spec    ${readLine(c)}`);
    for (const c of l.unreadClauses.slice(0, limit)) lines.push(`  unread clause  ${readLine(c)}`);
    lines.push('Most read');
    for (const c of l.mostRead) lines.push(`  ${readLine(c)}`);
    if (l.ambiguous.length > 0)
      lines.push(`  (reads of ${l.ambiguous.join(', ')} count for every root serving that ID)`);
  }
  if (report.notes.length > 0) lines.push('', 'Notes', ...report.notes.map((n) => `  ${n}`));
  return `${lines.join('\n')}\n`;
}

function shown(locations: readonly AuditLocation[], where: (l: AuditLocation) => string): string {
  const first = locations.slice(0, 3).map(where).join(', ');
  return locations.length > 3 ? `${first} and ${locations.length - 3} more` : first;
}

function readLine(c: ReadCount): string {
  return `${c.ref} [${c.roots.join(', ')}]: ${plural(c.reads, 'read')} by ${plural(c.runs, 'run')}${c.last_ts ? `, last ${c.last_ts}` : ', never read'}`;
}

/** Markdown with every value escaped, so a message quoting `*`, `|` or a backtick cannot break the layout. */
export function renderAuditMarkdown(report: AuditReport, options: AuditRenderOptions): string {
  const out = [
    `# Spec audit: ${report.roots.length} ${report.roots.length === 1 ? 'repository' : 'repositories'}`,
    '',
    esc(headline(report)),
    '',
  ];
  out.push(
    '## Inventory',
    '',
    '| Root | Commit | Specs | Clauses | Versioned | Unowned | Formats | Statuses | AGENTS.md (lines/instructions/tokens) |',
    '|---|---|---:|---:|---:|---:|---|---|---|',
  );
  for (const r of report.roots) {
    out.push(
      `| ${cells(r.name, r.commit ? r.commit.slice(0, 7) : 'not in git', r.specs, r.clauses, `${r.versioned}/${r.specs}`, r.byOwner['(none)'] ?? 0, counts(r.byFormat), counts(r.byStatus), agentsCell(r))} |`,
    );
  }
  const budget = report.roots[0]?.budget;
  if (budget)
    out.push(
      '',
      `Standing-instruction budget: ${budget.lines} lines, ${budget.instructions} instructions, ${budget.tokens} tokens.`,
    );
  out.push('', '## Findings', '');
  if (report.findings.length === 0) out.push('No findings.');
  for (const section of sectioned(report.findings)) {
    out.push(`### ${section.title} (${section.findings.length})`, '');
    for (const f of section.findings) {
      out.push(`- **${f.severity}** \`${tick(options.where(f))}\` ${esc(f.kind)}: ${esc(f.message)}`);
      if (f.why) out.push(`  - why: ${esc(f.why)}`);
      if (f.related.length > 0)
        out.push(
          `  - see: ${f.related
            .slice(0, 5)
            .map((l) => `\`${tick(options.where(l))}\``)
            .join(', ')}${f.related.length > 5 ? ` and ${f.related.length - 5} more` : ''}`,
        );
    }
    out.push('');
  }
  if (report.ledger) {
    const l = report.ledger;
    const limit = options.limit ?? 10;
    out.push(
      '## Ledger',
      '',
      `Unread in ${l.unreadDays} days: ${plural(l.unreadSpecs.length, 'spec')}, ${plural(l.unreadClauses.length, 'clause')}.`,
      '',
    );
    out.push(
      ...readTable('Unread specs', l.unreadSpecs, limit),
      ...readTable('Unread clauses', l.unreadClauses, limit),
      ...readTable('Most read clauses', l.mostRead, limit),
    );
    if (l.ambiguous.length > 0)
      out.push(`Reads of ${esc(l.ambiguous.join(', '))} count for every root serving that ID.`, '');
  }
  if (report.notes.length > 0) out.push('## Notes', '', ...report.notes.map((n) => `- ${esc(n)}`), '');
  return `${out.join('\n').trimEnd()}\n`;
}

function readTable(title: string, rows: readonly ReadCount[], limit: number): string[] {
  if (rows.length === 0) return [];
  const more = rows.length > limit ? [`${rows.length - limit} more in \`--json\`.`, ''] : [];
  return [
    `### ${title}`,
    '',
    '| Ref | Roots | Reads | Runs | Last read |',
    '|---|---|---:|---:|---|',
    ...rows
      .slice(0, limit)
      .map((c) => `| ${cells(c.ref, c.roots.join(', '), c.reads, c.runs, c.last_ts ?? 'never')} |`),
    '',
    ...more,
  ];
}

function esc(text: string): string {
  return text.replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

function cells(...values: ReadonlyArray<string | number>): string {
  return values.map((v) => esc(String(v))).join(' | ');
}

/** Inside a code span only a backtick can end it; a path with one is shown with it replaced. */
function tick(text: string): string {
  return text.replace(/`/g, "'");
}
