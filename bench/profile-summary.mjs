#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package/file, top N.
// Usage: node bench/profile-summary.mjs FILE.cpuprofile [--top 30] [--inclusive]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const top = Number(args[args.indexOf('--top') + 1]) || 30;
if (!file) {
  console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--inclusive]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (cf) => {
  const url = cf.url || '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  return url.replace(/^file:\/\//, '').replace(process.cwd(), '.');
};
const fnKey = (cf) => `${cf.functionName || '(anonymous)'}  ${where(cf)}:${cf.lineNumber + 1}`;

const byFn = new Map();
const byFile = new Map();
const inclusive = new Map();
for (const [id, us] of self) {
  const cf = byId.get(id).callFrame;
  byFn.set(fnKey(cf), (byFn.get(fnKey(cf)) ?? 0) + us);
  byFile.set(where(cf), (byFile.get(where(cf)) ?? 0) + us);
  // Inclusive: credit every distinct function on the stack once.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = fnKey(byId.get(cur).callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}
const print = (title, map) => {
  console.log(`\n${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`,
    );
  }
};
print('self time by package/file', byFile);
print('self time by function', byFn);
if (args.includes('--inclusive')) print('inclusive time by function', inclusive);
