// near-duplicate: clauses copied between specs (forked policy), found by an exact set-similarity join.
import type { Clause, SpecDoc } from '../../parse/types.js';
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

interface NearDuplicatePair {
  /** The later clause, reported where it is written. */
  spec: SpecDoc;
  clause: Clause;
  /** Its most similar clause in another spec. */
  other: { spec: SpecDoc; clause: Clause };
  similarity: number;
}

interface NearDuplicateOptions {
  similarity: number;
  minWords: number;
  shingle: number;
  /** Pairs of specs whose clauses are not compared (beyond a spec with itself and superseded pairs). */
  skip?: (a: SpecDoc, b: SpecDoc) => boolean;
}

/** The rule lint runs on one snapshot; audit and multi-root lint call `nearDuplicatePairs` over several roots. */
export const nearDuplicates: SnapshotRule = ({ snapshot, config }) =>
  nearDuplicatePairs(snapshot.specs, config.nearDuplicate).map((p) => nearDuplicateFinding(p));

/**
 * The finding for one pair, on the later clause. `where` names the other clause's spec root when several are
 * linted together (`payments:auth#ttl (payments/specs/auth.md:9)`); one root needs no name.
 */
export function nearDuplicateFinding(p: NearDuplicatePair, where?: { ref: string; path: string }): Finding {
  const other = where ?? { ref: p.other.clause.ref, path: p.other.spec.path };
  return {
    rule: 'near-duplicate',
    severity: 'warning',
    file: p.spec.path,
    line: p.clause.line,
    ref: p.clause.ref,
    message: `"${p.clause.title}" is ${Math.floor(p.similarity * 100)}% the same as ${other.ref} (${other.path}:${p.other.clause.line}); forked copies of a policy drift apart`,
    hint: 'keep one copy and cite it by its SPEC#CLAUSE from the other spec, or mark the older spec superseded (`supersedes: [id]` in the newer one)',
  };
}

/**
 * Jaccard similarity over word shingles, with the prefix-filtering join of Bayardo et al. ("Scaling up
 * all pairs similarity search"): two sets with Jaccard ≥ t must share one of the first
 * |s| − ⌈t·|s|⌉ + 1 tokens of each, in one global order. The order is rarest shingle first (as the
 * paper has it): prefixes then hold shingles few clauses share, so the candidate lists stay short even
 * where one vocabulary runs through every spec (ordering by hash alone cost 1.9 s for 6k generated
 * clauses across three roots, most of it walking lists of clauses sharing a common shingle). Sets are
 * made of ranks in that order, so a sorted set is its own prefix; no false negatives
 * (unlike MinHash). Each spec's words are hashed once and shared by its nested clauses. Specs are
 * compared by object identity, so specs of several roots (whose IDs and paths may collide) join alike.
 */
/**
 * Bounds on one clause's search for its copy. Prefixes are the rarest shingles, so in real corpora a clause meets a
 * handful of candidates; 9,067 identical clauses in each of two roots met every one (18 s of spec_status, every
 * client waiting; found by review). Past these, a clause keeps the best copy it found so far.
 */
const MAX_VISITS = 20_000;
const MAX_COMPARED = 200;

export function nearDuplicatePairs(
  allSpecs: readonly SpecDoc[],
  options: NearDuplicateOptions,
): NearDuplicatePair[] {
  const { similarity: threshold, shingle } = options;
  const skip = options.skip ?? (() => false);
  // A clause shorter than one shingle has no shingles of its own to compare.
  const minWords = Math.max(options.minWords, shingle);
  const specs = allSpecs
    .filter((s) => s.kind !== 'proposal' && s.status !== 'deprecated')
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const words = specs.map((spec) => specWords(spec, shingle));
  const distinct = rankByRarity(words);
  const entries: Entry[] = [];
  specs.forEach((spec, s) => {
    const w = words[s]!;
    for (const clause of spec.clauses) {
      // A section's own heading is left out: a forked copy is often retitled while its text stays the same.
      const first = clause.line - spec.bodyLine + (clause.kind === 'section' ? 1 : 0);
      const from = w.lineStart[first] ?? w.count;
      const to = w.lineStart[clause.endLine - spec.bodyLine + 1] ?? w.count;
      if (to - from >= minWords)
        entries.push({ spec, clause, set: uniqueSorted(w.grams, from, to, shingle) });
    }
  });

  // The inverted index over prefixes as linked lists in typed arrays, keyed by rank (ranks are dense): a Map of
  // arrays here held a million small arrays for 45k clauses and spent more time collecting them than joining.
  const prefixLength = (set: Uint32Array) => set.length - Math.ceil(threshold * set.length) + 1;
  let postings = 0;
  for (const e of entries) postings += prefixLength(e.set);
  const head = new Int32Array(distinct).fill(-1);
  const next = new Int32Array(postings);
  const owner = new Int32Array(postings);
  const seenBy = new Int32Array(entries.length).fill(-1);
  let used = 0;
  const matches = new Map<Entry, Match>();
  entries.forEach((x, i) => {
    const n = prefixLength(x.set);
    let best: Match | undefined;
    let bestAt = -1;
    let visits = 0;
    let compared = 0;
    scan: for (let p = 0; p < n; p++) {
      for (let k = head[x.set[p]!]!; k !== -1; k = next[k]!) {
        if (++visits > MAX_VISITS) break scan;
        const j = owner[k]!;
        if (seenBy[j] === i) continue;
        seenBy[j] = i;
        const y = entries[j]!;
        if (y.spec === x.spec || related(x.spec, y.spec) || skip(x.spec, y.spec)) continue;
        const small = Math.min(x.set.length, y.set.length);
        if (small < threshold * Math.max(x.set.length, y.set.length)) continue;
        if (++compared > MAX_COMPARED) break scan;
        const sim = jaccard(x.set, y.set);
        // Ties go to the earliest clause, whatever order the index lists them in.
        if (sim >= threshold && (!best || sim > best.similarity || (sim === best.similarity && j < bestAt))) {
          best = { other: y, similarity: sim };
          bestAt = j;
        }
      }
    }
    if (best) matches.set(x, best);
    for (let p = 0; p < n; p++) {
      const token = x.set[p]!;
      owner[used] = i;
      next[used] = head[token]!;
      head[token] = used++;
    }
  });

  // Report the outermost copy only: a duplicated section would otherwise be reported once per nested clause.
  const matched = new Set([...matches.keys()].map((e) => e.clause));
  const clausesBySpec = new Map<SpecDoc, Map<string, Clause>>();
  const pairs: NearDuplicatePair[] = [];
  for (const [x, m] of matches) {
    let byId = clausesBySpec.get(x.spec);
    if (!byId) {
      byId = new Map(x.spec.clauses.map((c) => [c.id, c]));
      clausesBySpec.set(x.spec, byId);
    }
    if (hasMatchedAncestor(x, byId, matched)) continue;
    pairs.push({
      spec: x.spec,
      clause: x.clause,
      other: { spec: m.other.spec, clause: m.other.clause },
      similarity: m.similarity,
    });
  }
  return pairs;
}

/**
 * Rewrites every shingle as its rank, rank 0 for the rarest: counted once per occurrence in the specs' words (not
 * per clause, where nesting repeats them), and ordered by a counting sort, ties in first-seen order. Any total
 * order keeps the join exact; this one makes it fast. Returns how many distinct shingles there are.
 */
function rankByRarity(words: readonly SpecWords[]): number {
  const count = new Map<number, number>();
  for (const w of words) for (const g of w.grams) count.set(g, (count.get(g) ?? 0) + 1);
  let max = 0;
  for (const c of count.values()) if (c > max) max = c;
  const next = new Int32Array(max + 2);
  for (const c of count.values()) next[c + 1]!++;
  for (let i = 1; i < next.length; i++) next[i]! += next[i - 1]!;
  // Setting an existing key keeps its place in the iteration, so the counts become ranks in one pass.
  for (const [g, c] of count) count.set(g, next[c]!++);
  for (const w of words) for (let i = 0; i < w.grams.length; i++) w.grams[i] = count.get(w.grams[i]!)!;
  return count.size;
}

function related(a: SpecDoc, b: SpecDoc): boolean {
  return a.supersedes.includes(b.id) || b.supersedes.includes(a.id);
}

function hasMatchedAncestor(
  x: Entry,
  byId: ReadonlyMap<string, Clause>,
  matched: ReadonlySet<Clause>,
): boolean {
  for (let parent = x.clause.parentId; parent !== null; parent = byId.get(parent)?.parentId ?? null) {
    const clause = byId.get(parent);
    if (clause && matched.has(clause)) return true;
  }
  return false;
}

interface SpecWords {
  /** grams[i]: hash of the k words starting at word i (the last k−1 entries hash shorter tails). */
  grams: Uint32Array;
  /** lineStart[j]: index of the first word on body line j; one extra entry for the end. */
  lineStart: Int32Array;
  count: number;
}

/** Words of a spec body, line by line, so each clause (a range of lines) is a range of words. */
function specWords(spec: SpecDoc, k: number): SpecWords {
  const lines = spec.body.split('\n');
  const lineStart = new Int32Array(lines.length + 1);
  const hashes: number[] = [];
  lines.forEach((line, j) => {
    lineStart[j] = hashes.length;
    for (const w of clauseWords(line)) hashes.push(fnv1a(w));
  });
  lineStart[lines.length] = hashes.length;
  const grams = new Uint32Array(hashes.length);
  for (let i = 0; i < hashes.length; i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < Math.min(i + k, hashes.length); j++) h = Math.imul(h ^ hashes[j]!, 0x01000193) >>> 0;
    grams[i] = h;
  }
  return { grams, lineStart, count: hashes.length };
}

/** The clause's shingles: grams starting inside [from, to) that also end inside it, deduplicated. */
function uniqueSorted(grams: Uint32Array, from: number, to: number, k: number): Uint32Array {
  const sorted = grams.slice(from, Math.max(from + 1, to - k + 1)).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i]!;
  return sorted.subarray(0, n);
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
