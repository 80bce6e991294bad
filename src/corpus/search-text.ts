// How text becomes search terms, for clauses and queries alike: words split, stop words dropped, English stems.
import { stemmer } from 'stemmer';
import { eng } from 'stopword';

/**
 * Stop words: the stopword package's English list (108 words: "the", "can", "about", …), less the RFC 2119 words
 * ("must", "should", "never"), which a question about the keywords themselves needs, and which BM25 already
 * weighs down where every clause carries them.
 */
const NORMATIVE = new Set(['must', 'should', 'never']);
// The list has "do" and "did" but not "does", which opens half of all questions ("does it need a time limit?").
const STOP_WORDS: ReadonlySet<string> = new Set([...eng.filter((w) => !NORMATIVE.has(w)), 'does']);

/** Identifiers and words: letters, digits and `_`, any script; everything else separates them. */
const WORD = /[\p{L}\p{N}_]+/gu;
/** Where an identifier splits into words: `_`, camelCase humps, and letter/digit boundaries (`v1`, `5xx`). */
const PARTS = /_+|(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;

/** Whether PARTS can split a word at all: most words are plain, and the split's lookbehinds are costly. */
const SPLITTABLE = /_|\p{Ll}\p{Lu}|\p{L}\p{N}|\p{N}\p{L}/u;

/**
 * The words of `text` before stemming: an identifier whole (`openspec_telemetry`, `getglobalconfigdir`) and then
 * its parts, and an HTTP status such as `503` also as its class `5xx`, which is how specs state them. Lower case.
 */
export function searchWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.match(WORD) ?? []) {
    const trimmed = raw.replace(/^_+|_+$/g, '');
    if (trimmed === '') continue;
    const lower = trimmed.toLowerCase();
    out.push(lower);
    if (SPLITTABLE.test(trimmed))
      for (const p of trimmed.split(PARTS)) if (p !== '') out.push(p.toLowerCase());
    if (/^[1-5]\d\d$/.test(lower)) out.push(`${lower[0]}xx`);
  }
  return out;
}

/** Context strings an index build keeps the words of: siblings are indexed one after another. */
const CONTEXT_MEMO_SIZE = 64;

/**
 * searchWords for an index build. A clause's context field (its spec's title and ID, its parent's leading text, the
 * section titles above it) is the same string for all its siblings, and splitting it was a fifth of building the
 * index (45k generated clauses: ~1.3 s of 6.7 s); the words of the last few context strings are kept.
 */
export function createIndexTokenizer(): (text: string, field?: string) => string[] {
  const known = new Map<string, string[]>();
  return (text, field) => {
    if (field !== 'context') return searchWords(text);
    let words = known.get(text);
    if (!words) {
      words = searchWords(text);
      if (known.size >= CONTEXT_MEMO_SIZE) known.delete(known.keys().next().value!);
      known.set(text, words);
    }
    return words;
  };
}

/** The term a word is indexed and searched as, or null for a stop word (or a lone letter). */
function searchTerm(word: string): string | null {
  if (STOP_WORDS.has(word) || (word.length < 2 && !/\d/.test(word))) return null;
  return /^\p{L}+$/u.test(word) ? stemmer(word) : word;
}

/** The distinct terms of `text`. */
export function searchTerms(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of searchWords(text)) {
    const t = searchTerm(w);
    if (t) out.add(t);
  }
  return out;
}

/** Entries a term cache keeps before it starts over (a corpus of 100k clauses has about 60k distinct words). */
const TERM_CACHE_SIZE = 200_000;

/** searchTerm with a cache of what each word gave, for one index's lifetime. */
export function createTermCache(): (word: string) => string | null {
  const known = new Map<string, string | null>();
  return (word) => {
    let term = known.get(word);
    if (term === undefined) {
      if (known.size >= TERM_CACHE_SIZE) known.clear();
      term = searchTerm(word);
      known.set(word, term);
    }
    return term;
  };
}

/** Each pair of neighbouring terms of `text` (stop words skipped), as `a b`: how phrases are matched. */
export function termPairs(text: string, termOf: (word: string) => string | null = searchTerm): Set<string> {
  const terms: string[] = [];
  for (const w of searchWords(text)) {
    const t = termOf(w);
    if (t) terms.push(t);
  }
  const out = new Set<string>();
  for (let i = 1; i < terms.length; i++) out.add(`${terms[i - 1]} ${terms[i]}`);
  return out;
}
