// Turns the suites' results into issue 8's target table and BENCHMARKS.md.
import { hostileStallSection, soakSection } from './report-hardening.mjs';
import { ledgerProofsSection } from './report-proofs.mjs';
import { rootsSection } from './report-roots.mjs';
import { traceScaleSection } from './report-trace.mjs';
import { uiSection } from './report-ui.mjs';

const fmt = (n, digits = 0) =>
  typeof n === 'number' && Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
const pct = (r) => (typeof r === 'number' ? `${fmt(r * 100, 1)}%` : '—');
const usable = (r) => r && !r.failed && !r.skipped;

/** One row per target of issue 8: what was measured, against what, and whether the target is met. */
export function targetsOf(results) {
  const rows = [];
  const http = results.http;
  for (const [era, label] of [
    ['legacy', '2025 era'],
    ['modern', '2026-07-28'],
  ]) {
    const e = usable(http) ? http.eras?.[era] : undefined;
    rows.push(
      e
        ? {
            id: era === 'legacy' ? '1a' : '1b',
            what: `get_clause over Streamable HTTP, ${label}, 32 connections, ledger on`,
            result: `${fmt(e.servers.specledger.calls_per_s)} calls/s (p50 ${e.servers.specledger.p50_ms} ms, p99 ${e.servers.specledger.p99_ms} ms)`,
            baseline: `bare node:http ${fmt(http.ceiling.calls_per_s)}/s; the SDK's own entry ${fmt(e.servers.sdk_entry.calls_per_s)}/s`,
            ratio: `${pct(e.ratio_to_ceiling)} of the ceiling; ${fmt(e.ratio_to_sdk_entry, 1)}× the SDK's entry`,
            target: '≥ 40% of the ceiling',
            met: e.ratio_to_ceiling >= 0.4,
          }
        : missing(
            era === 'legacy' ? '1a' : '1b',
            `get_clause over Streamable HTTP, ${label}`,
            '≥ 40% of the ceiling',
            http,
          ),
    );
  }
  const stdio = results.stdio;
  if (usable(stdio)) {
    const on = stdio.servers.specledger;
    const fs = stdio.servers.server_filesystem;
    rows.push({
      id: 2,
      what: 'get_clause over stdio, ledger on',
      result: `${fmt(on.in_flight_16.calls_per_s)} calls/s with 16 in flight (p99 ${on.in_flight_16.p99_ms} ms); ${fmt(on.sequential.calls_per_s)}/s sequential`,
      baseline: `server-filesystem read_text_file ${fmt(fs.in_flight_16.calls_per_s)}/s (16 in flight), ${fmt(fs.sequential.calls_per_s)}/s sequential`,
      ratio: `${fmt(stdio.ratio_to_filesystem.in_flight_16, 2)}× (16 in flight), ${fmt(stdio.ratio_to_filesystem.sequential, 2)}× (sequential)`,
      target: '≥ 10,000/s with 16 in flight, ahead of the baseline',
      met:
        on.in_flight_16.calls_per_s >= 10_000 &&
        stdio.ratio_to_filesystem.in_flight_16 > 1 &&
        stdio.ratio_to_filesystem.sequential > 1,
    });
    const modern = stdio.servers.specledger_modern;
    if (modern)
      rows.push({
        id: '2b',
        what: 'get_clause over stdio, 2026-07-28, ledger on',
        result: `${fmt(modern.in_flight_16.calls_per_s)} calls/s with 16 in flight (p99 ${modern.in_flight_16.p99_ms} ms); ${fmt(modern.sequential.calls_per_s)}/s sequential`,
        baseline: `server-filesystem read_text_file ${fmt(fs.in_flight_16.calls_per_s)}/s (16 in flight), ${fmt(fs.sequential.calls_per_s)}/s sequential`,
        ratio: `${fmt(stdio.modern.ratio_to_filesystem.in_flight_16, 2)}× (16 in flight), ${fmt(stdio.modern.ratio_to_filesystem.sequential, 2)}× (sequential)`,
        target: '≥ 10,000/s with 16 in flight, ahead of the baseline',
        met:
          modern.in_flight_16.calls_per_s >= 10_000 &&
          stdio.modern.ratio_to_filesystem.in_flight_16 > 1 &&
          stdio.modern.ratio_to_filesystem.sequential > 1,
      });
  } else
    rows.push(
      missing(2, 'get_clause over stdio', '≥ 10,000/s with 16 in flight, ahead of the baseline', stdio),
    );
  const cold = results['cold-start'];
  const big = usable(cold) ? cold.sizes['100000'] : undefined;
  rows.push(
    big
      ? {
          id: 3,
          what: 'cold start to ready, 100k clauses',
          result: `${fmt(big.specledger.ready_ms)} ms, RSS ${fmt(big.specledger.rss_mb)} MB`,
          baseline: `read + sha256 only: ${fmt(big.hash_only.ready_ms)} ms, ${fmt(big.hash_only.rss_mb)} MB`,
          ratio: `${fmt(big.ready_ratio_to_hash_only, 1)}× the time, ${fmt(big.rss_ratio_to_hash_only, 1)}× the RSS`,
          target: '≤ 3 s with RSS ≤ 400 MB',
          met: big.specledger.ready_ms <= 3000 && big.specledger.rss_mb <= 400,
        }
      : missing(3, 'cold start to ready, 100k clauses', '≤ 3 s with RSS ≤ 400 MB', cold),
  );
  const reload = results['reload-latency'];
  rows.push(
    usable(reload) && typeof reload.p99_ms === 'number'
      ? {
          id: 4,
          what: `edit-to-served latency, ${fmt(reload.files)}-file tree`,
          result: `p99 ${fmt(reload.p99_ms, 1)} ms (median ${fmt(reload.median_ms, 1)} ms, ${reload.runs} edits)`,
          baseline: '—',
          ratio: '—',
          target: 'p99 ≤ 250 ms',
          met: reload.p99_ms <= 250,
        }
      : missing(4, 'edit-to-served latency', 'p99 ≤ 250 ms', reload),
  );
  rows.push(
    usable(stdio)
      ? {
          id: 5,
          what: 'ledger cost: get_clause, 16 in flight over stdio',
          result: `${fmt(stdio.servers.specledger.in_flight_16.calls_per_s)} calls/s with the SQLite ledger`,
          baseline: `--ledger off ${fmt(stdio.servers.specledger_ledger_off.in_flight_16.calls_per_s)}/s${usable(http) && http.eras?.legacy?.ledger_on_vs_off ? `; over HTTP ${pct(http.eras.legacy.ledger_on_vs_off)} (2025), ${pct(http.eras.modern?.ledger_on_vs_off)} (2026-07-28)` : ''}`,
          ratio: pct(stdio.ledger_on_vs_off.in_flight_16),
          target: '≥ 85% of the throughput',
          met: stdio.ledger_on_vs_off.in_flight_16 >= 0.85,
        }
      : missing(5, 'ledger cost', '≥ 85% of the throughput', stdio),
  );
  const ctx = results['context-economy'];
  rows.push(
    usable(ctx)
      ? {
          id: 6,
          what: 'context economy: read_root → get_outline → get_clause, 20 named clauses each',
          result: `median ${pct(ctx.model_spec.median_ratio)} of the file (Model Spec), ${pct(ctx.spec_kit.median_ratio)} (Spec Kit)`,
          baseline: `whole file via read_text_file: median ${fmt(ctx.model_spec.median_whole_file_tokens)} / ${fmt(ctx.spec_kit.median_whole_file_tokens)} tokens`,
          ratio: `one session reaching all 20 (root once, each outline once): ${pct(ctx.model_spec.median_ratio_session)} / ${pct(ctx.spec_kit.median_ratio_session)}; get_clause alone: ${pct(ctx.model_spec.median_ratio_clause_only)} / ${pct(ctx.spec_kit.median_ratio_clause_only)}`,
          target: '≤ 1/20 (5%) of the tokens, median',
          met: ctx.model_spec.median_ratio <= 0.05 && ctx.spec_kit.median_ratio <= 0.05,
        }
      : missing(6, 'context economy', '≤ 1/20 of the tokens', ctx),
  );
  return rows;
}

function missing(id, what, target, r) {
  return {
    id,
    what,
    result: r?.skipped ?? r?.failed?.split('\n')[0] ?? 'not run',
    baseline: '—',
    ratio: '—',
    target,
    met: null,
  };
}

const esc = (s) => String(s).replace(/\|/g, '\\|');

export function renderMarkdown(machine, targets, results) {
  const out = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(
    'Generated by `npm run bench` (`bench/run.mjs`); method, baselines and what was optimised are in [bench/README.md](bench/README.md). Every figure is the median of repeated runs and every ratio is against a baseline measured in the same run on the same core.',
  );
  out.push('');
  out.push('| machine | |');
  out.push('|---|---|');
  out.push(`| date | ${machine.date} |`);
  out.push(`| command | \`${machine.command}\` |`);
  out.push(`| cores (\`nproc\`) | ${machine.nproc} |`);
  out.push(`| CPU | ${esc(machine.cpu)} |`);
  out.push(`| node | ${machine.node} (${machine.platform}) |`);
  out.push(`| pinning | ${machine.pinning} |`);
  out.push(`| runs per figure | ${machine.runs} |`);
  out.push(
    `| load average at start / end | ${machine.loadavg_start.join(' ')} / ${(machine.loadavg_end ?? []).join(' ')} |`,
  );
  out.push(`| wall time | ${machine.elapsed_s} s |`);
  const earlier = Object.entries(results).filter(([, r]) => r?.earlier_run);
  if (earlier.length > 0)
    out.push(
      `| not run this time (figures from their last run) | ${earlier.map(([k, r]) => `${k} (${r.earlier_run})`).join(', ')} |`,
    );
  out.push('');
  out.push('## Targets (issue 8)');
  out.push('');
  out.push('| # | what | result | baseline, same run | ratio | target | met |');
  out.push('|---|---|---|---|---|---|---|');
  for (const t of targets) {
    const met = t.met === null ? 'not measured' : t.met ? '**met**' : '**missed**';
    out.push(
      `| ${t.id} | ${esc(t.what)} | ${esc(t.result)} | ${esc(t.baseline)} | ${esc(t.ratio)} | ${esc(t.target)} | ${met} |`,
    );
  }
  out.push('');
  if (targets.some((t) => t.met === false)) {
    out.push(
      'Why the missed targets are missed (profiles, prototypes measured, and what would meet them): [bench/README.md, “Costs that remain”](bench/README.md#costs-that-remain).',
    );
    out.push('');
  }

  const http = results.http;
  if (usable(http) && http.eras) {
    out.push('## 1. Streamable HTTP, per era');
    out.push('');
    out.push(`${http.what}.`);
    out.push('');
    out.push('| era | server | calls/s | p50 ms | p99 ms | server CPU µs/call | bad responses |');
    out.push('|---|---|---|---|---|---|---|');
    const names = {
      specledger: 'SpecLedger `serve --http --stateless`, SQLite ledger',
      sdk_entry: "the same, every request through the SDK's entry (`--no-fast-lane`)",
      specledger_ledger_off: 'SpecLedger, `--ledger off`',
      specledger_postgres: 'SpecLedger, PostgreSQL ledger (fleet mode)',
    };
    const c = http.ceiling;
    out.push(
      `| — | bare \`node:http\`, fixed response (ceiling) | ${fmt(c.calls_per_s)} | ${c.p50_ms} | ${c.p99_ms} | ${fmt(c.server_cpu_us_per_call, 1)} | ${c.bad_responses} |`,
    );
    for (const [era, e] of Object.entries(http.eras)) {
      for (const [k, v] of Object.entries(e.servers)) {
        out.push(
          `| ${era === 'legacy' ? '2025' : '2026-07-28'} | ${names[k] ?? k} | ${fmt(v.calls_per_s)} | ${v.p50_ms} | ${v.p99_ms} | ${fmt(v.server_cpu_us_per_call, 1)} | ${v.bad_responses} |`,
        );
      }
    }
    out.push('');
    for (const [era, e] of Object.entries(http.eras)) {
      if (e.postgres_vs_sqlite)
        out.push(
          `${era === 'legacy' ? '2025' : '2026-07-28'}: the PostgreSQL ledger gives ${pct(e.postgres_vs_sqlite)} of the SQLite ledger's calls/s, same run.`,
        );
    }
    out.push('');
    out.push('Latency percentiles come from autocannon, whose histogram has 1 ms resolution.');
    out.push('');
  }
  const stdio = results.stdio;
  if (usable(stdio)) {
    out.push('## 2 and 5. stdio, and the ledger’s cost');
    out.push('');
    out.push(`${stdio.what}.`);
    out.push('');
    out.push('| server | mode | calls/s | p50 ms | p99 ms | server CPU µs/call |');
    out.push('|---|---|---|---|---|---|');
    for (const [k, v] of Object.entries(stdio.servers)) {
      for (const mode of ['sequential', 'in_flight_16']) {
        const m = v[mode];
        out.push(
          `| ${k} | ${mode.replace(/_/g, ' ')} | ${fmt(m.calls_per_s)} | ${m.p50_ms} | ${m.p99_ms} | ${fmt(m.server_cpu_us_per_call, 1)} |`,
        );
      }
    }
    out.push('');
    if (stdio.modern) {
      out.push(
        `2026-07-28 (\`specledger_modern\`: server/discover, then the envelope on every request): ledger on ÷ off ${pct(stdio.modern.ledger_on_vs_off)}, 16 in flight.`,
      );
      out.push('');
    }
    out.push(
      `Ledger on ÷ off, 16 in flight: ${pct(stdio.ledger_on_vs_off.in_flight_16)} (per interleaved run: ${stdio.ledger_on_vs_off.in_flight_16_pairs.map(pct).join(', ')}); sequential: ${pct(stdio.ledger_on_vs_off.sequential)}.`,
    );
    out.push('');
  }
  const cold = results['cold-start'];
  if (usable(cold)) {
    out.push('## 3. Cold start');
    out.push('');
    out.push(`${cold.what}. Corpora from \`bench/gen-corpus.mjs\` (seed 42, ~100 clauses per file).`);
    out.push('');
    out.push(
      '| clauses | files | MB | ready ms | CPU ms | RSS MB | hash-only ready ms | hash-only RSS MB | time ratio | RSS ratio |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const [n, v] of Object.entries(cold.sizes)) {
      out.push(
        `| ${fmt(Number(n))} | ${fmt(v.files)} | ${v.megabytes} | ${fmt(v.specledger.ready_ms)} | ${fmt(v.specledger.cpu_ms)} | ${fmt(v.specledger.rss_mb)} | ${fmt(v.hash_only.ready_ms)} | ${fmt(v.hash_only.rss_mb)} | ${fmt(v.ready_ratio_to_hash_only, 1)}× | ${fmt(v.rss_ratio_to_hash_only, 1)}× |`,
      );
    }
    out.push('');
  }
  const reload = results['reload-latency'];
  out.push('## 4. Edit-to-served latency');
  out.push('');
  if (usable(reload)) {
    out.push(
      `From \`bench/reload-latency.mjs\` (written by the reload work): ${fmt(reload.files)} files, ${reload.runs} edits, mode ${reload.mode ?? '?'}, save ${reload.save ?? '?'}.`,
    );
    out.push('');
    out.push('| median ms | p99 ms | max ms |');
    out.push('|---|---|---|');
    out.push(`| ${fmt(reload.median_ms, 1)} | ${fmt(reload.p99_ms, 1)} | ${fmt(reload.max_ms, 1)} |`);
  } else out.push(reload?.skipped ?? reload?.failed ?? 'not run');
  out.push('');
  const ctx = results['context-economy'];
  out.push('## 6. Context economy');
  out.push('');
  if (usable(ctx)) {
    out.push(`${ctx.what}.`);
    out.push('');
    out.push(
      '| corpus | clauses | median agent tokens | median whole-file tokens | median ratio | root read once per session | one session (root once, each outline once) | get_clause alone |',
    );
    out.push('|---|---|---|---|---|---|---|---|');
    for (const k of ['model_spec', 'spec_kit']) {
      const v = ctx[k];
      out.push(
        `| ${k} | ${v.clauses} | ${fmt(v.median_agent_tokens)} | ${fmt(v.median_whole_file_tokens)} | ${pct(v.median_ratio)} | ${pct(v.median_ratio_root_read_once)} | ${pct(v.median_ratio_session)} | ${pct(v.median_ratio_clause_only)} |`,
      );
    }
    out.push('');
    out.push(
      'Per clause (root + outline + clause tokens against the whole file) is in `bench/results/context-economy.json`.',
    );
  } else out.push(ctx?.skipped ?? ctx?.failed ?? 'not run');
  out.push('');
  out.push(...retrievalSection(results.retrieval));
  const stores = results['ledger-stores'];
  if (usable(stores) && stores.stores) {
    out.push('## Ledger stores (bench/ledger-stores.mjs)');
    out.push('');
    out.push('| store | appends/s, concurrent | p99 ms | appends/s, one caller | verify records/s |');
    out.push('|---|---|---|---|---|');
    for (const [k, v] of Object.entries(stores.stores)) {
      if (!v?.concurrent) {
        out.push(`| ${k} | ${esc(v?.skipped ?? 'skipped')} | | | |`);
        continue;
      }
      out.push(
        `| ${k} | ${fmt(v.concurrent.records_per_s)} | ${v.concurrent.latency_ms.p99} | ${fmt(v.serial.records_per_s)} | ${fmt(v.verify?.records_per_s)} |`,
      );
    }
    out.push('');
  }
  out.push(...ledgerScaleSection(results['ledger-scale']));
  out.push(...ledgerProofsSection(results['ledger-proofs'], results['ledger-checkpoint-load']));
  out.push(...hostileStallSection(results['hostile-stall']));
  out.push(...traceScaleSection(results['trace-scale']));
  out.push(...uiSection(results.ui));
  out.push(...rootsSection(results.roots, results.audit));
  out.push(...soakSection(results.soak));
  return `${out.join('\n')}\n`;
}

/** Issue 13's fleet-scale targets and the figures behind them (bench/ledger-scale.mjs). */
function ledgerScaleSection(scale) {
  const out = ['## The ledger at fleet scale (bench/ledger-scale.mjs, issue 13)', ''];
  if (!usable(scale) || !scale.sizes?.length) {
    out.push(scale?.skipped ?? scale?.failed?.split('\n')[0] ?? 'not run', '');
    return out;
  }
  const last = scale.sizes.at(-1);
  const q = last.queries_ms;
  out.push(`${scale.what}`, '');
  if (last.reads < scale.target_reads)
    out.push(`**Measured at ${fmt(last.reads)} reads, not the ${fmt(scale.target_reads)} asked for.**`, '');
  const ms = (v) => `${fmt(v.median, 1)} ms (CPU ${fmt(v.cpu, 1)} ms)`;
  const growth = scale.growth_bytes_per_read ?? last.bytes_per_read;
  out.push(`Targets at ${fmt(last.reads)} reads (${fmt(last.runs)} runs):`, '');
  out.push('| query | result | target | met |');
  out.push('|---|---|---|---|');
  const row = (what, v, target, limit) =>
    out.push(`| ${what} | ${ms(v)} | ≤ ${target} ms | ${v.median <= limit ? '**met**' : '**missed**'} |`);
  row('`runs`', q.runs, 100, 100);
  row(`\`runs show\` of a ${fmt(last.show_run_reads)}-read run`, q.runs_show, 100, 100);
  row(
    `\`who-read\` of the most-read clause (${fmt(last.who_read_popular_runs)} runs)`,
    q.who_read_popular,
    100,
    100,
  );
  row(
    `\`who-read\` of a middling clause (${fmt(last.who_read_middling_runs)} runs)`,
    q.who_read_middling,
    100,
    100,
  );
  row(`\`stale --run\` (${fmt(last.stale_refs)} stale refs)`, q.stale, 200, 200);
  out.push(
    `| file growth per read, snapshots excluded | ${fmt(growth, 1)} bytes (${fmt(last.bytes_per_read, 1)} on average over the whole file) | ≤ 250 bytes | ${growth <= 250 ? '**met**' : '**missed**'} |`,
  );
  out.push('');
  out.push(
    'Queries run in-process through a read-only store opened for each (as the CLI opens one), so the times include opening the file. Baseline: the same answers computed from the records, as the store did before it kept summaries (timed up to the sizes shown).',
    '',
  );
  out.push(
    '| reads | runs | bytes/read | runs ms | baseline | runs show ms | baseline | who-read (most-read) ms | baseline | who-read (middling) ms | baseline | stale ms | baseline | generation reads/s |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const b = (size, k) => (size.baseline_ms ? fmt(size.baseline_ms[k].median, 1) : '—');
  for (const size of scale.sizes) {
    const v = size.queries_ms;
    out.push(
      `| ${fmt(size.reads)} | ${fmt(size.runs)} | ${fmt(size.bytes_per_read, 1)} | ${fmt(v.runs.median, 1)} | ${b(size, 'runs')} | ${fmt(v.runs_show.median, 1)} | ${b(size, 'runs_show')} | ${fmt(v.who_read_popular.median, 1)} | ${b(size, 'who_read_popular')} | ${fmt(v.who_read_middling.median, 1)} | ${b(size, 'who_read_middling')} | ${fmt(v.stale.median, 1)} | ${b(size, 'stale')} | ${fmt(size.generation_reads_per_s)} |`,
    );
  }
  out.push('');
  const cli = last.cli_ms;
  if (cli) {
    out.push(
      `The built CLI end to end at ${fmt(last.reads)} reads (a new process each, median of 3): \`runs --json\` ${fmt(cli.runs)} ms, \`runs show\` ${fmt(cli.runs_show)} ms, \`who-read\` ${fmt(cli.who_read_popular)} ms, against ${fmt(cli.startup_version)} ms for \`specledger --version\` (starting Node and loading the CLI) in the same run.`,
      '',
    );
  }
  out.push(
    `Bytes by table at ${fmt(last.reads)} reads (dbstat, after a checkpoint): ${Object.entries(last.by_table)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 8)
      .map(([k, v]) => `${k} ${fmt(v / 1048576, 1)} MiB`)
      .join(', ')}.`,
    '',
  );
  return out;
}

/** Issue 16: search quality and tokens-to-answer per corpus, and read_root's first page on every layout. */
function retrievalSection(r) {
  const out = ['## 7. Retrieval and the root page (bench/suites/retrieval.mjs, issue 16)', ''];
  if (!usable(r)) {
    out.push(r?.skipped ?? r?.failed?.split('\n')[0] ?? 'not run', '');
    return out;
  }
  out.push(`${r.what}.`, '');
  out.push(
    'Targets: hit@3 ≥ 0.90, hit@1 ≥ 0.75, tokens ≤ 10% of the whole-file baseline, overall and per corpus.',
    '',
  );
  out.push(
    '| corpus | questions | hit@1 | hit@3 | MRR | mean tokens | mean whole-file tokens | tokens / whole file | mean of per-question ratios | answered in one call | floor: answer clause alone / whole file (per-question mean) |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|');
  const row = (name, v) =>
    out.push(
      `| ${name} | ${v.questions} | ${fmt(v.hit_at_1, 2)} | ${fmt(v.hit_at_3, 2)} | ${fmt(v.mrr, 2)} | ${fmt(v.mean_tokens)} | ${fmt(v.mean_whole_file_tokens)} | ${pct(v.token_ratio)} | ${pct(v.mean_question_ratio)} | ${v.one_call_answers} | ${v.floor_ratio === undefined ? '—' : `${pct(v.floor_ratio)} (${pct(v.floor_question_ratio)})`} |`,
    );
  row('**all**', r.overall);
  for (const [name, v] of Object.entries(r.corpora)) row(name, v);
  if (r.halves) {
    row('half A (tuned on)', r.halves.A);
    row('half B (held out)', r.halves.B);
  }
  out.push('');
  const overFloor = Object.entries(r.corpora).filter(
    ([, v]) => v.floor_ratio > 0.1 || v.floor_question_ratio > 0.1,
  );
  if (overFloor.length > 0)
    out.push(
      `The floor column is what any server spends at the least: the answer clause's own text, with no question, no other hit and no ref line. Where it is over 10%, the token target cannot be met by ranking or formatting: ${overFloor.map(([name, v]) => `${name} ${pct(v.floor_ratio)} (${pct(v.floor_question_ratio)} per question)`).join(', ')}.`,
      '',
    );
  if (r.halves)
    out.push(
      "Halves: each corpus's questions in file order, alternately A and B; ranking changes were chosen on A only.",
      '',
    );
  const c = r.search_cost;
  if (c && !c.skipped)
    out.push(
      `Search cost on the corpora root served whole (${fmt(c.specs)} specs, ~10k clauses), server CPU in the same run: building the index ${fmt(c.index_build_cpu_ms)} ms against ${fmt(c.load_cpu_ms)} ms to load the corpus; a question ${fmt(c.search_cpu_ms, 1)} ms against ${fmt(c.get_outline_cpu_ms, 1)} ms for a get_outline call (${fmt(c.search_to_outline, 1)}×), over ${fmt(c.calls)} calls each.`,
      '',
    );
  out.push('read_root, first page at the default budget (o200k tokens of the text content):', '');
  out.push(
    '| layout | page tokens | standing (root document + always) | catalog | specs | covered on page one | next_cursor | catalog ≤ 800 |',
  );
  out.push('|---|---|---|---|---|---|---|---|');
  for (const [name, v] of Object.entries(r.roots)) {
    out.push(
      `| ${name} | ${fmt(v.tokens)} | ${fmt(v.standing_tokens)} | ${fmt(v.catalog_tokens)} | ${fmt(v.total_specs)} | ${fmt(v.covered_specs)} | ${v.next_cursor ? 'yes' : 'no'} | ${v.catalog_tokens <= 800 && !v.next_cursor && v.covered_specs === v.total_specs ? '**met**' : '**missed**'} |`,
    );
  }
  out.push('');
  return out;
}
