// Token counts from a real tokenizer (o200k), linear in the text, memoized by content hash so each text is counted once.
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import { sha256Hex } from './digest.js';

export interface TokenCounter {
  count(text: string): number;
  /** `text` will be counted soon: a helper thread, where there is one, counts it meanwhile (see CountHelper). */
  prefetch(text: string): void;
  /** Resolves once every text prefetched so far is counted, or at once when no helper is counting. */
  settled(): Promise<void>;
}

/**
 * Counts texts off the main thread (token-helper.ts). `count` resolves with one count per text, in order, or null
 * when the helper cannot count (it has retired, or its thread failed): those texts are counted where they are read.
 */
export interface CountHelper {
  count(texts: string[]): Promise<number[] | null>;
  /**
   * One text counted now, on the helper's thread, while this one waits: null when the helper cannot (it has retired,
   * the text is long, it did not answer in time). Only asked when it has nothing queued, so it answers at once.
   */
  countNow(text: string): number | null;
  /** Stops the helper; later counts resolve with null. */
  close(): void;
}

/**
 * Texts handed to the helper in one message: large enough to keep its thread busy, small enough to start soon. A
 * corpus whose prefetched texts fill less than one never starts a helper: its thread takes longer to load its
 * tokenizer (~0.3 s) than the main thread takes to count them (256K characters: ~20 ms).
 */
const HELPER_BATCH_CHARS = 256 * 1024;
/**
 * Characters outstanding below which settled() does not wait for a helper that has not answered yet (it is still
 * loading): the main thread counts 1M characters in ~80 ms.
 */
const SETTLE_MIN_CHARS = 1024 * 1024;
/**
 * Characters one counter hands the helper in all: a load posts faster than the helper counts, so the helper holds a
 * copy of what is queued, 1–2 bytes a character and more while it counts (measured: 16M characters of one-byte text,
 * ~50 MB of peak RSS above the idle helper's ~74 MB). Past this, the rest is counted where it is read.
 */
const HELPER_MAX_CHARS = 16 * 1024 * 1024;

/** Texts shorter than this are counted directly: hashing them costs about as much as counting. */
const MEMO_MIN_LENGTH = 256;

/**
 * The longest run of non-whitespace (or of whitespace) handed to the tokenizer in one piece. gpt-tokenizer's byte-pair
 * merge is quadratic in the length of one pre-token, and a run with no whitespace (a 200k-letter word, 80k CJK
 * characters) is one pre-token: 30 s for 200k letters. Cut into 256-character pieces, the same text counts at the
 * speed of prose (measured: 200k random letters in ~0.45 s, as fast as 200k characters of prose; 1,024-character
 * pieces cost 1.2×, 2,048 1.4×, and CJK pieces of 2,048 characters 3×, since a CJK character is 3 bytes).
 * Accuracy: byte-pair merges never cross a pre-token boundary, so text whose runs are all shorter than this (prose,
 * code, URLs, hashes) is counted exactly as before; a cut inside a longer run can split at most the token that
 * spans it, about one token too many per 256 characters of such a run (200k random letters: 103,847 tokens in
 * pieces, 103,739 in 2,048-character pieces, +0.1%). Also bounds what gpt-tokenizer's merge cache keeps per entry.
 */
const MAX_RUN = 256;

/**
 * gpt-tokenizer keeps one merge cache per process (default 100,000 words), an LRU on a Map that evicts with
 * `keys().next()`; V8 walks every deleted slot at the front of a Map to find its first key, so once the cache is full
 * each eviction costs more. One 2 MB file of distinct words (random letters) filled it: that file took 20 s to count
 * and every count after it ran 6× slower for every client (the 21 MB of bench and shared corpora: 3.4 s, then
 * 21.8 s). With 1,000 words: 5.4 s for that file (random letters are slow to tokenize at any cache size), 2.5 s for
 * the corpora before it and 2.8 s after; 0 (no cache) was slower on the corpora (4–6 s).
 */
const MERGE_CACHE_WORDS = 1000;

/**
 * `startHelper` starts a helper thread (token-helper.ts) when a load first has enough text to hand it. While the
 * helper lives, this thread's counts are the helper's too (countNow), so a server's start-up never loads the
 * tokenizer here: that is ~0.2 s of the main thread (a 3.4 MB module compiled, a 200k-entry map built) before the
 * first read_root could be answered. Once the helper has retired, `exact` loads it at the next count.
 */
export function createTokenCounter(
  maxEntries = 200_000,
  startHelper: (() => CountHelper | null) | null = null,
  exact: (text: string) => number = createExactCounter(),
): TokenCounter {
  const memo = new LRUCache<string, number>({ max: maxEntries });
  let helper: CountHelper | null | undefined = startHelper ? undefined : null;
  let batch: { keys: string[]; texts: string[]; chars: number } = { keys: [], texts: [], chars: 0 };
  let flushQueued = false;
  let handed = 0;
  let outstanding = 0;
  let answered = false;
  const inFlight = new Set<Promise<void>>();
  // The helper counts a text now only when it has answered a batch (its tables are loaded) and holds none.
  const countNow = (text: string): number =>
    (helper && answered && outstanding === 0 ? helper.countNow(text) : null) ?? exact(text);
  const flush = (): void => {
    flushQueued = false;
    if (batch.texts.length === 0) return;
    const { keys, texts, chars } = batch;
    batch = { keys: [], texts: [], chars: 0 };
    // The whole load fitted in less than one batch: counted where it is read (see HELPER_BATCH_CHARS).
    if (helper === undefined && chars < HELPER_BATCH_CHARS) return;
    helper ??= startHelper?.() ?? null;
    if (!helper) return;
    outstanding += chars;
    const done = helper.count(texts).then((counts) => {
      // A negative count is a text the helper could not count: it is counted here when it is read.
      if (counts) for (const [i, key] of keys.entries()) if (counts[i]! >= 0) memo.set(key, counts[i]!);
      answered ||= counts !== null;
      outstanding -= chars;
      inFlight.delete(done);
    });
    inFlight.add(done);
  };
  return {
    count(text: string): number {
      if (text.length === 0) return 0;
      if (text.length < MEMO_MIN_LENGTH) return countNow(text);
      // The memo's key hashes UTF-8, where every lone surrogate is U+FFFD: such a text and its twin would share a
      // key while they count differently (by the token a cut can split). It is counted each time instead.
      if (!wellFormed(text)) return countNow(text);
      const key = sha256Hex(text);
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
      const n = countNow(text);
      memo.set(key, n);
      return n;
    },
    prefetch(text: string): void {
      // Short texts count about as fast as they hash; a corpus's cost is in its long ones.
      if (helper === null || text.length < MEMO_MIN_LENGTH || handed + text.length > HELPER_MAX_CHARS) return;
      if (!wellFormed(text)) return;
      handed += text.length;
      batch.keys.push(sha256Hex(text));
      batch.texts.push(text);
      batch.chars += text.length;
      // A corpus loads in one synchronous pass: full batches go at once, and the last one when the pass is over.
      if (batch.chars >= HELPER_BATCH_CHARS) flush();
      else if (!flushQueued) {
        flushQueued = true;
        setImmediate(flush);
      }
    },
    async settled(): Promise<void> {
      flush();
      // A helper still loading with little to count is not waited for: the main thread counts that sooner.
      if (!answered && outstanding < SETTLE_MIN_CHARS) return;
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}

/** No lone surrogates (ES2024's String.prototype.isWellFormed, which Node 20 has and this project's lib predates). */
function wellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * The token count of a text as every counter gives it, on every thread: o200k, with long runs cut (MAX_RUN). The
 * tokenizer is loaded at the first count, not when this module is: a thread that never counts never pays for it.
 */
export function createExactCounter(): (text: string) => number {
  let countTokens: ((text: string) => number) | undefined;
  const tokenize = (text: string): number => {
    countTokens ??= loadO200k();
    return countTokens(text);
  };
  return (text) => (text.length < MEMO_MIN_LENGTH ? tokenize(text) : countLinear(text, tokenize));
}

/**
 * gpt-tokenizer's o200k encoding, loaded synchronously (its CommonJS build: a count is synchronous). Its merge cache
 * is one per thread, so each thread that loads it bounds it (MERGE_CACHE_WORDS).
 */
function loadO200k(): (text: string) => number {
  const o200k = createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as {
    countTokens(text: string, options: { disallowedSpecial: ReadonlySet<string> }): number;
    setMergeCacheSize(size: number): void;
  };
  o200k.setMergeCacheSize(MERGE_CACHE_WORDS);
  // A spec is text: `<|endoftext|>` in one (a prompt-engineering guide quoting it) is counted as the characters it
  // is. By default gpt-tokenizer throws on it, which made every read_root, search and outline of that corpus fail.
  const asText = { disallowedSpecial: new Set<string>() };
  return (text) => o200k.countTokens(text, asText);
}

/** countTokens of `text`, with every run longer than MAX_RUN counted in MAX_RUN-character pieces. */
function countLinear(text: string, countTokens: (text: string) => number): number {
  let total = 0;
  let from = 0;
  let runStart = 0;
  let runIsSpace = isSpace(text.charCodeAt(0));
  for (let i = 1; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (space !== runIsSpace) {
      runIsSpace = space;
      runStart = i;
    } else if (i - runStart >= MAX_RUN && !isLowSurrogate(text.charCodeAt(i))) {
      // Never between the two halves of a surrogate pair: each half alone is not the character.
      total += countTokens(text.slice(from, i));
      from = i;
      runStart = i;
    }
  }
  return total + countTokens(from === 0 ? text : text.slice(from));
}

/** ASCII whitespace, where the tokenizer's pre-tokens begin and end; other spaces only make a cut come earlier. */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
