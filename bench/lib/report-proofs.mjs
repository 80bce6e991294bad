// BENCHMARKS.md section for issue 18: the Merkle tree, checkpoints and receipts (bench/ledger-proofs.mjs).

const ms = (v) => `${v} ms`;

export function ledgerProofsSection(p, load) {
  const out = ['## Proving what an agent read (bench/ledger-proofs.mjs, issue 18)', ''];
  if (!p || p.failed || p.skipped || p.tree_build_ms === undefined) {
    out.push(p?.skipped ?? p?.failed?.split('\n')[0] ?? 'not run', '');
    return out;
  }
  out.push(
    `${p.what}. Load average at the start: ${(p.machine?.loadavg_start ?? []).map((x) => Math.round(x * 100) / 100).join(' ')}.`,
    '',
  );
  out.push('| figure | result | baseline, same run | target |', '|---|---|---|---|');
  out.push(
    `| checkpoint from the last one | ${ms(p.checkpoint_incremental_ms)} at ${p.records.toLocaleString('en')} records; ${ms(p.checkpoint_incremental_at_tenth_ms)} at a tenth of that (it does not grow with the ledger) | reading the new records alone: ${ms(p.read_new_records_ms)} | ≤ 1 s at 10M records |`,
  );
  out.push(
    `| full tree build | ${ms(p.tree_build_ms)} (${p.tree_build_records_per_s.toLocaleString('en')} records/s; ${p.tree_build_10m_estimate_s} s at 10M, extrapolated) | \`verify\`'s walk of the chain: ${ms(p.verify_walk_ms)} (ratio ${(p.tree_build_ms / p.verify_walk_ms).toFixed(2)}) | ≤ 30 s at 10M |`,
  );
  out.push(
    `| one receipt, tree built | p50 ${ms(p.receipt_ms.p50)}, max ${ms(p.receipt_ms.max)} | offline check: p50 ${ms(p.receipt_check_ms.p50)} | ≤ 10 ms |`,
  );
  if (load && !load.failed && !load.skipped && load.ratio !== undefined)
    out.push(
      `| serving with \`--checkpoint-every 1s\` | ${load.checkpointing_calls_per_s.toLocaleString('en')} calls/s (last checkpoint covers ${load.last_checkpoint_size?.toLocaleString('en')} of ${load.records?.toLocaleString('en')} reads) | the same server without it: ${load.plain_calls_per_s.toLocaleString('en')} calls/s (ratio ${load.ratio}) | ≥ 0.95 |`,
    );
  else
    out.push(
      `| serving with \`--checkpoint-every 1s\` | ${load?.skipped ?? load?.failed?.split('\n')[0] ?? 'not run'} | | ≥ 0.95 |`,
    );
  out.push('');
  return out;
}
