// A token counter that counts nothing, for parses that compare digests and never report token costs.
import type { TokenCounter } from './tokens.js';

/**
 * For trace and report, which compare digests: the real counter's module loads the o200k tokenizer (~0.25 s of CPU
 * measured here), and counting every clause of every spec parsed at a commit would be most of their work.
 */
export const NO_TOKEN_COUNTS: TokenCounter = { count: () => 0, prefetch: () => {}, settled: async () => {} };
