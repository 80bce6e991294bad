// BENCHMARKS.md sections for issue 13: the stall hostile inputs cause another client, and the soak.

const ms = (v) => `${v} ms`;

/** bench/hostile-stall.mjs: each hostile input's worst stall of another client's get_clause. */
export function hostileStallSection(stall) {
  const out = ['## Hostile inputs: how long another client waits (bench/hostile-stall.mjs, issue 13)', ''];
  if (!stall || stall.failed || stall.skipped || !stall.cases) {
    out.push(stall?.skipped ?? stall?.failed?.split('\n')[0] ?? 'not run', '');
    return out;
  }
  out.push(
    `One \`serve --http --stateless\` with live reload on a copy of specs-example; a victim keeps one \`get_clause\` in flight while each input lands (written into the root, then read). Stall = the victim's worst latency over the ${stall.window_ms} ms after the input; baseline = its worst over a quiet window of the same length, same run: ${ms(stall.quiet_worst_ms)}. Bar: ${ms(stall.bar_ms)}. Victim: ${stall.victim_calls} calls, ${stall.victim_failures} failed.`,
    '',
  );
  out.push('| input | worst stall | × quiet window | ≤ 100 ms |');
  out.push('|---|---|---|---|');
  for (const c of stall.cases)
    out.push(
      `| ${c.case} | ${ms(c.worst_stall_ms)} | ${c.ratio_to_quiet}× | ${c.met ? '**met**' : '**missed**'} |`,
    );
  out.push('');
  return out;
}

/** bench/soak.mjs (`npm run soak`, not part of `npm run bench`): ten minutes at half the measured peak. */
export function soakSection(soak) {
  const out = ['## Soak (`npm run soak`, issue 13)', ''];
  if (!soak?.slices) {
    out.push('not run: `npm run soak` writes bench/results/soak.json', '');
    return out;
  }
  const met = (ok) => (ok ? '**met**' : '**missed**');
  out.push(
    `\`serve --http --stateless\`, SQLite ledger, \`get_clause\`: peak ${soak.peak_calls_per_s} calls/s measured first, then ${soak.minutes} × ${soak.slice_seconds} s at ${soak.rate_calls_per_s} calls/s (autocannon \`overallRate\`, 16 connections); ${soak.total_calls} calls${soak.date ? `, run ${soak.date}` : ''}.`,
    '',
  );
  out.push('| criterion | result | target | met |');
  out.push('|---|---|---|---|');
  out.push(`| errors (non-2xx, socket errors, timeouts) | ${soak.errors} | 0 | ${met(soak.errors === 0)} |`);
  out.push(
    `| RSS growth, end of minute 1 → end of minute ${soak.minutes} | ${(soak.rss_growth_after_warmup * 100).toFixed(1)}% | < 10% | ${met(soak.rss_growth_after_warmup < 0.1)} |`,
  );
  out.push(
    `| worst minute's p99 / first minute's p99 | ${soak.worst_p99_ratio_to_first_minute}× | ≤ 2× | ${met(soak.worst_p99_ratio_to_first_minute <= 2)} |`,
  );
  out.push('');
  out.push('| minute | calls/s | p50 ms | p99 ms | max ms | errors | RSS MiB |');
  out.push('|---|---|---|---|---|---|---|');
  for (const [i, s] of soak.slices.entries()) {
    out.push(
      `| ${i + 1} | ${Math.round(s.calls_per_s)} | ${s.p50_ms} | ${s.p99_ms} | ${s.max_ms} | ${s.errors} | ${s.rss_mib} |`,
    );
  }

  out.push('');
  return out;
}
