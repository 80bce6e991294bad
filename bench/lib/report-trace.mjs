// BENCHMARKS.md's section for issue 15: trace and report against a scripted repository (bench/trace-scale.mjs).

const fmt = (n, digits = 0) =>
  typeof n === 'number' && Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';

export function traceScaleSection(r) {
  const out = ['## Provenance from git (bench/trace-scale.mjs, issue 15)', ''];
  if (!r || r.failed || r.skipped) {
    out.push(`Not measured: ${r?.skipped ?? r?.failed?.split('\n')[0] ?? 'not run'}.`, '');
    return out;
  }
  out.push(`${r.what}${r.earlier_run ? ` (from the run of ${r.earlier_run})` : ''}.`, '');
  out.push(
    `Baseline, same run: the CLI's own start-up, \`specledger --version\`: **${fmt(r.startup_ms)} ms** wall, ${fmt(r.startup_cpu_ms)} ms CPU. Every command pays it; commands load what they use (the parser, the tokenizer, the SDK) only when they run. The in-process column is the work itself; the worst-case \`trace PATH:LINE\` is bounded by the \`git blame\` under it (last column). CPU time counts node and the git processes it ran; on a machine shared with other work (load average ${fmt(r.loadavg_1m, 2)} at the end of this run, on ${r.cores ?? 2} cores) the wall clock also measures the neighbours.`,
    '',
  );
  out.push(
    '| command | CLI wall time | target | met | CLI CPU time | in process (wall) | ratio to start-up (wall / CPU) | git underneath | ratio to git |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const c of Object.values(r.cases)) {
    out.push(
      `| ${c.what} | ${fmt(c.cli_ms)} ms | ≤ ${fmt(c.target_ms)} ms | ${c.met ? '**met**' : '**missed**'} | ${fmt(c.cli_cpu_ms)} ms | ${fmt(c.in_process_ms)} ms | ${fmt(c.ratio_to_startup, 2)}× / ${fmt(c.cpu_ratio_to_startup, 2)}× | \`${c.git_what}\` ${fmt(c.git_ms)} ms | ${fmt(c.ratio_to_git, 1)}× |`,
    );
  }
  out.push('');
  return out;
}
