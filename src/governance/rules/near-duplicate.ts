// near-duplicate: clauses copied between specs (forked policy), found by an exact set-similarity join.
import type { Clause, SpecDoc } from '../../spec/types.js';
import { clauseWords } from '../prose.js';
import type { Finding } from '../types.js';
import type { SnapshotRule } from './context.js';

interface Entry {
  spec: SpecDoc;
  clause: Clause;
  /** Shingle hashes, unique, ascending: the set the similarity is computed on. */
  set: Uint32Array;
}

interface Match {
  other: Entry;
  similarity: number;
}

/**
 * Jaccard similarity over word shingles, with the prefix-filtering join of Bayardo et al. ("Scaling up
 * all pairs similarity search"): two sets with Jaccard ≥ t must share a token among the first
 * |s| − ⌈t·|s|⌉ + 1 of each, in one global order. Ordering rare shingles first keeps posting lists
 * short, so ~10k clauses compare in well under a second, with no false negatives (unlike MinHash).
 */
export const nearDuplicates: SnapshotRule = ({ snapshot, config }) => {
  const { similarity: threshold, minWords, shingle } = config.nearDuplicate;
  const specs = snapshot.specs
    .filter((s) => s.kind !== 'proposal' && s.status !== 'deprecated')
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const entries: Entry[] = [];
  for (const spec of specs) {
    for (const clause of spec.clauses) {
      const words = clauseWords(clause.text);
      if (words.length >= minWords) entries.push({ spec, clause, set: shingles(words, shingle) });
    }
  }
  const df = new Map<number, number>();
  for (const e of entries) for (const h of e.set) df.set(h, (df.get(h) ?? 0) + 1);

  const index = new Map<number, number[]>();
  const matches = new Map<Entry, Match>();
  entries.forEach((x, i) => {
    const ordered = Array.from(x.set).sort((a, b) => df.get(a)! - df.get(b)! || a - b);
    const prefix = ordered.slice(0, x.set.length - Math.ceil(threshold * x.set.length) + 1);
    const seen = new Set<number>();
    let best: Match | undefined;
    for (const token of prefix) {
      for (const j of index.get(token) ?? []) {
        if (seen.has(j)) continue;
        seen.add(j);
        const y = entries[j]!;
        if (y.spec === x.spec || related(x.spec, y.spec)) continue;
        const small = Math.min(x.set.length, y.set.length);
        if (small < threshold * Math.max(x.set.length, y.set.length)) continue;
        const sim = jaccard(x.set, y.set);
        if (sim >= threshold && (!best || sim > best.similarity)) best = { other: y, similarity: sim };
      }
    }
    if (best) matches.set(x, best);
    for (const token of prefix) {
      const list = index.get(token);
      if (list) list.push(i);
      else index.set(token, [i]);
    }
  });

  // Report the outermost copy only: a duplicated section would otherwise be reported once per nested clause.
  const matchedRefs = new Set([...matches.keys()].map((e) => e.clause.ref));
  const clausesBySpec = new Map<SpecDoc, Map<string, Clause>>();
  const findings: Finding[] = [];
  for (const [x, m] of matches) {
    let byId = clausesBySpec.get(x.spec);
    if (!byId) {
      byId = new Map(x.spec.clauses.map((c) => [c.id, c]));
      clausesBySpec.set(x.spec, byId);
    }
    if (hasMatchedAncestor(x, byId, matchedRefs)) continue;
    const y = m.other;
    findings.push({
      rule: 'near-duplicate',
      severity: 'warning',
      file: x.spec.path,
      line: x.clause.line,
      ref: x.clause.ref,
      message: `clause ${x.clause.ref} is ${Math.floor(m.similarity * 100)}% the same as ${y.clause.ref} (${y.spec.path}:${y.clause.line}); forked copies of a policy drift apart`,
      hint: `keep one copy and reference it as \`${y.clause.ref}\`, or mark the older spec superseded (\`supersedes: [${y.spec.id}]\`)`,
    });
  }
  return findings;
};

function related(a: SpecDoc, b: SpecDoc): boolean {
  return a.supersedes.includes(b.id) || b.supersedes.includes(a.id);
}

function hasMatchedAncestor(x: Entry, byId: ReadonlyMap<string, Clause>, matched: ReadonlySet<string>): boolean {
  for (let parent = x.clause.parentId; parent !== null; parent = byId.get(parent)?.parentId ?? null) {
    if (matched.has(`${x.spec.id}#${parent}`)) return true;
  }
  return false;
}

/** Word k-grams hashed to 32 bits: each word hashed once (FNV-1a), then the k hashes mixed. */
function shingles(words: readonly string[], k: number): Uint32Array {
  const wordHashes = words.map(fnv1a);
  const n = Math.max(1, wordHashes.length - k + 1);
  const set = new Set<number>();
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < Math.min(i + k, wordHashes.length); j++) h = Math.imul(h ^ wordHashes[j]!, 0x01000193) >>> 0;
    set.add(h);
  }
  return Uint32Array.from(set).sort();
}

function fnv1a(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return common / (a.length + b.length - common);
}
