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
    `Baseline, same run: the CLI's own start-up, \`specledger --version\`: **${fmt(r.startup_ms)} ms**. It loads every command (the MCP SDK, the tokenizer) before parsing its arguments, so every command pays it; the in-process column is the work itself.`,
    '',
  );
  out.push(
    '| command | CLI wall time | target | met | in process | ratio to start-up | git underneath | ratio to git |',
  );
  out.push('|---|---|---|---|---|---|---|---|');
  for (const c of Object.values(r.cases)) {
    out.push(
      `| ${c.what} | ${fmt(c.cli_ms)} ms | ≤ ${fmt(c.target_ms)} ms | ${c.met ? '**met**' : '**missed**'} | ${fmt(c.in_process_ms)} ms | ${fmt(c.ratio_to_startup, 2)}× | \`${c.git_what}\` ${fmt(c.git_ms)} ms | ${fmt(c.ratio_to_git, 1)}× |`,
    );
  }
  out.push('');
  return out;
}
