// BENCHMARKS.md's section for issue 19: the console's pages on a generated 1M-read ledger (bench/suites/ui.mjs).

const ms = (m) => `${m.median_ms} ms (${m.cpu_ms ?? '—'} ms)`;
const ratio = (a, b) => (b > 0 ? `${Math.round((a / b) * 100) / 100}×` : '—');

export function uiSection(r) {
  const out = ['## The provenance console (bench/suites/ui.mjs, issue 19)', ''];
  if (!r || r.failed || r.skipped) {
    out.push(`Not measured: ${r?.skipped ?? r?.failed?.split('\n')[0] ?? 'not run'}.`, '');
    return out;
  }
  out.push(
    `The console's pages rendered server-side (through the app's fetch handler, no socket) on a generated SQLite ledger of ${r.reads.toLocaleString('en-US')} reads in ${r.runs.toLocaleString('en-US')} runs: runs of 100 reads, 8 in flight, committed 8 reads at a time, plus one run of ${r.big_run_reads.toLocaleString('en-US')} reads spread through the whole ledger (one read in 100). Median of ${r.repeats} renders, each next to the bare store query the page is built on, measured in the same run${r.earlier_run ? ` (from the run of ${r.earlier_run})` : ''}. Wall time, CPU time in brackets: on a shared machine the wall clock also measures the neighbours, CPU time much less. \`npm run bench -- --only ui\` (\`--quick\`: 100k reads).`,
    '',
  );
  out.push(
    '| page | render, wall (CPU) | baseline, same run, wall (CPU) | ratio, wall / CPU | target | met (wall) |',
  );
  out.push('|---|---|---|---|---|---|');
  const rows = [
    ['runs, first page (25 runs, with each run’s tokens)', r.runs_page, 'store.runs()', r.runs_query],
    ['runs, filtered by client, third page', r.runs_page_filtered, 'store.runs()', r.runs_query],
    [
      `one run of ${r.big_run_reads.toLocaleString('en-US')} reads (clause states, first 100 reads of the timeline; ${Math.round((r.run_page.bytes ?? 0) / 1000)} kB of HTML)`,
      r.run_page,
      'store.reads({ run_id })',
      r.run_query,
    ],
    ['the same run, last page of its timeline', r.run_page_last, 'store.reads({ run_id })', r.run_query],
  ];
  for (const [what, page, baseline, query] of rows) {
    out.push(
      `| ${what} | ${ms(page)} | \`${baseline}\` ${ms(query)} | ${ratio(page.median_ms, query.median_ms)} / ${ratio(page.cpu_ms, query.cpu_ms)} | ≤ ${r.target_ms} ms | ${page.median_ms <= r.target_ms ? '**met**' : '**missed**'} |`,
    );
  }
  out.push(
    '',
    "Almost all of a run page is the store decoding the run's reads (every block that holds one); a run page well under the target on a loaded machine needs a store query for one page of a run's reads, which the store contract does not have yet. The runs page is `store.runs()` over every run's summary, then one page of them plus each shown run's tokens.",
    '',
  );
  return out;
}
