// Token counts from a real tokenizer (o200k), memoized by content hash so each distinct text is counted once.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { LRUCache } from 'lru-cache';
import { sha256Hex } from './digest.js';

export interface TokenCounter {
  count(text: string): number;
}

/** Texts shorter than this are counted directly: hashing them costs about as much as counting. */
const MEMO_MIN_LENGTH = 256;

export function createTokenCounter(maxEntries = 200_000): TokenCounter {
  const memo = new LRUCache<string, number>({ max: maxEntries });
  return {
    count(text: string): number {
      if (text.length === 0) return 0;
      if (text.length < MEMO_MIN_LENGTH) return countTokens(text);
      const key = sha256Hex(text);
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
      const n = countTokens(text);
      memo.set(key, n);
      return n;
    },
  };
}
