// BENCHMARKS.md section for issue 17: nine roots in one server (bench/suites/roots.mjs) and the audit (bench/suites/audit.mjs).

const fmt = (v, digits = 0) =>
  v === undefined || v === null ? '—' : Number(v).toLocaleString('en', { maximumFractionDigits: digits });
const usable = (r) => r && !r.failed && !r.skipped;
const since = (r) =>
  r.earlier_run && r.earlier_run !== 'unknown' ? ` (from the run of ${r.earlier_run})` : '';

/** The fastest and slowest run, where the suite recorded them. */
const range = (x) =>
  x.ready_ms_range ? ` (runs ${fmt(x.ready_ms_range[0])}–${fmt(x.ready_ms_range[1])})` : '';

export function rootsSection(roots, audit) {
  const out = [
    '## Many repositories, one server (bench/suites/roots.mjs, bench/suites/audit.mjs, issue 17)',
    '',
  ];
  if (usable(roots)) {
    const f = roots.federated;
    const o = roots.one_root;
    out.push(
      `${roots.roots} generated roots × ${fmt(roots.clauses_per_root)} clauses served by one \`serve\` over stdio, watching every root; baseline in the same run: one root holding the same ${fmt(roots.roots * roots.clauses_per_root)} clauses. ${roots.what}${since(roots)}.`,
      '',
      '| figure | 9 roots | one root (baseline) | ratio | target |',
      '|---|---|---|---|---|',
      `| spawn → read_root answered (start) | ${fmt(f.ready_ms)} ms${range(f)} | ${fmt(o.ready_ms)} ms${range(o)} | ${roots.ready_ratio_to_one_root} | ≤ 3,000 ms: ${f.ready_ms <= 3000 ? 'met' : '**missed**'} |`,
      `| peak RSS at start | ${fmt(f.ready_rss_mb, 1)} MB | ${fmt(o.ready_rss_mb, 1)} MB | ${o.ready_rss_mb ? (f.ready_rss_mb / o.ready_rss_mb).toFixed(2) : '—'} | ≤ 400 MB |`,
      `| spawn → first search answered (the index is built then) | ${fmt(f.first_search_ms)} ms | ${fmt(o.first_search_ms)} ms | ${(f.first_search_ms / o.first_search_ms).toFixed(2)} | — |`,
      `| peak RSS after the first search | ${fmt(f.peak_rss_mb, 1)} MB | ${fmt(o.peak_rss_mb, 1)} MB | ${roots.rss_ratio_to_one_root} | — |`,
      ...(roots.one_core
        ? [
            `| start with the server pinned to one core | ${fmt(roots.one_core.federated.ready_ms)} ms | ${fmt(roots.one_core.one_root.ready_ms)} ms | ${(roots.one_core.federated.ready_ms / roots.one_core.one_root.ready_ms).toFixed(2)} | — |`,
          ]
        : []),
      '',
    );
  } else out.push(roots?.skipped ?? roots?.failed?.split('\n')[0] ?? 'roots: not run', '');
  if (usable(audit)) {
    out.push(
      `\`specledger audit\` on ${audit.roots} generated git repositories × ${fmt(audit.clauses_per_root)} clauses (${audit.what})${since(audit)}: **${fmt(audit.audit_ms)} ms** (${fmt(audit.audit_cpu_ms)} ms CPU) against \`lint --specs ×${audit.roots}\` on the same roots, same run: ${fmt(audit.lint_ms)} ms (ratio ${audit.audit_ratio_to_lint}). Target ≤ ${fmt(audit.target_ms)} ms: ${audit.within_target ? 'met' : '**missed**'}.${audit.one_core ? ` Pinned to one core: audit ${fmt(audit.one_core.audit_ms)} ms, lint ${fmt(audit.one_core.lint_ms)} ms.` : ''}`,
      '',
    );
  } else out.push(audit?.skipped ?? audit?.failed?.split('\n')[0] ?? 'audit: not run', '');
  return out;
}
