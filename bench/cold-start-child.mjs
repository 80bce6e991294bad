#!/usr/bin/env node
// One cold start, measured inside a fresh process: `specledger` loads the corpus and builds the snapshot;
// `hash` (the baseline) only lists, reads and sha256-hashes the same files. Prints one JSON line.
// Usage: node bench/cold-start-child.mjs specledger|hash ROOT
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const [mode, root] = process.argv.slice(2);
let files = 0;
let clauses = 0;
let bytes = 0;
if (mode === 'specledger') {
  const { loadCorpus } = await import('../dist/corpus/corpus.js');
  const snapshot = loadCorpus({ root }).current();
  files = snapshot.specs.length;
  clauses = snapshot.clauseCount;
  bytes = snapshot.specs.reduce((n, s) => n + s.body.length + s.frontmatterText.length, 0);
} else if (mode === 'hash') {
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.isFile() && /\.(md|markdown)$/i.test(entry.name)) {
        const buf = readFileSync(abs);
        createHash('sha256').update(buf).digest('hex');
        files++;
        bytes += buf.length;
      }
    }
  };
  walk(root);
} else {
  console.error('usage: node bench/cold-start-child.mjs specledger|hash ROOT');
  process.exit(2);
}
const readyMs = performance.now();
const cpu = process.cpuUsage();
const { rss, heapUsed } = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({ mode, readyMs, cpuMs: (cpu.user + cpu.system) / 1000, rssBytes: rss, heapUsedBytes: heapUsed, maxRssBytes: process.resourceUsage().maxRSS * 1024, files, clauses, bytes })}\n`,
);
