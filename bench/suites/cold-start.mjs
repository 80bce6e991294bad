// Suite 3: cold start to "corpus loaded and snapshot built", and RSS, for generated 1k/10k/100k-clause corpora,
// each in a fresh process on the server core, against a child that only lists, reads and sha256-hashes the files.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { generateCorpus } from '../gen-corpus.mjs';
import { benchDir, log, SERVER_CORE, tempDir } from '../lib/env.mjs';
import { pinnedArgv } from '../lib/proc.mjs';
import { median, ratio, round } from '../lib/stats.mjs';

const SIZES = [1_000, 10_000, 100_000];

function child(mode, root) {
  const [cmd, ...args] = pinnedArgv(SERVER_CORE, ['node', `${benchDir}/cold-start-child.mjs`, mode, root]);
  const t0 = performance.now();
  const out = execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const result = JSON.parse(out.trim().split('\n').pop());
  return { ...result, spawnToExitMs: performance.now() - t0 };
}

export async function runColdStart({ runs, sizes = SIZES }) {
  const tmp = tempDir('corpora');
  try {
    const out = {
      what: `loadCorpus + snapshot in a fresh process (dist/corpus/corpus.js), median of ${runs}; baseline lists, reads and sha256-hashes the same files`,
      sizes: {},
    };
    for (const clauses of sizes) {
      const root = tmp.at(`c${clauses}`);
      const t0 = performance.now();
      const gen = generateCorpus({ clauses, out: root, seed: 42 });
      log(
        `cold start: generated ${clauses} clauses (${gen.files} files, ${(gen.bytes / 1e6).toFixed(1)} MB) in ${Math.round(performance.now() - t0)} ms`,
      );
      const sl = [];
      const base = [];
      for (let r = 0; r < runs; r++) {
        base.push(child('hash', root));
        sl.push(child('specledger', root));
        if (sl.at(-1).clauses !== clauses)
          throw new Error(`expected ${clauses} clauses, loaded ${sl.at(-1).clauses}`);
        log(
          `cold start ${clauses}: specledger ${Math.round(sl.at(-1).readyMs)} ms ${Math.round(sl.at(-1).rssBytes / 1e6)} MB; hash-only ${Math.round(base.at(-1).readyMs)} ms ${Math.round(base.at(-1).rssBytes / 1e6)} MB`,
        );
      }
      const summary = (list) => ({
        ready_ms: round(median(list.map((x) => x.readyMs))),
        cpu_ms: round(median(list.map((x) => x.cpuMs))),
        rss_mb: round(median(list.map((x) => x.rssBytes)) / 1e6, 1),
        max_rss_mb: round(median(list.map((x) => x.maxRssBytes)) / 1e6, 1),
        heap_used_mb: round(median(list.map((x) => x.heapUsedBytes)) / 1e6, 1),
      });
      const s = summary(sl);
      const b = summary(base);
      out.sizes[clauses] = {
        files: gen.files,
        megabytes: round(gen.bytes / 1e6, 1),
        specledger: s,
        hash_only: b,
        ready_ratio_to_hash_only: ratio(s.ready_ms, b.ready_ms),
        rss_ratio_to_hash_only: ratio(s.rss_mb, b.rss_mb),
        runs: { specledger: sl, hash_only: base },
      };
      rmSync(root, { recursive: true, force: true }); // cheap to regenerate; keeps the disk clean
    }
    return out;
  } finally {
    tmp.remove();
  }
}
