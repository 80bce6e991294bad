// The token helper thread: it counts exactly as the main thread does, its counts are what the counter then serves,
// and a helper that is gone or fails only means the main thread counts.
import { describe, expect, it } from 'vitest';
import { type CountHelper, countExact, createTokenCounter } from '../../src/parse/tokens.js';

// The built module (test/helpers/global-setup.ts builds dist/): the helper runs its own file on a worker thread,
// and Node runs JavaScript there, not TypeScript.
const built = new URL('../../dist/parse/token-helper.js', import.meta.url).href;
const { startCountHelper } = (await import(built)) as typeof import('../../src/parse/token-helper.js');

/** Texts the counter treats differently: short (counted directly), prose, one long run (cut in pieces), CJK, emoji. */
const TEXTS = [
  'short text',
  'The service MUST refuse a refund older than 90 days. '.repeat(40),
  'x'.repeat(5_000),
  '退款必须在九十天内完成。'.repeat(300),
  `${'🙂'.repeat(700)} tail`,
  '## Heading {#id}\n\n- **FR-001**: item\n\n```ts\nconst a = 1;\n```\n'.repeat(50),
];

describe('the token helper thread', () => {
  it('counts every text as the main thread does', async () => {
    const helper = startCountHelper({ cores: 2 });
    expect(helper).not.toBeNull();
    const counts = await helper!.count(TEXTS);
    expect(counts).toEqual(TEXTS.map(countExact));
  });

  it('is not started where the process has one core', () => {
    expect(startCountHelper({ cores: 1 })).toBeNull();
  });

  it('exits once idle, and then declines, so the caller counts', async () => {
    const helper = startCountHelper({ cores: 2, idleMs: 20 })!;
    expect(await helper.count(['first'])).toEqual([countExact('first')]);
    let answer: number[] | null = [];
    for (let i = 0; i < 50 && answer !== null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      answer = await helper.count(['later']);
    }
    expect(answer).toBeNull();
  });
});

describe('a counter with a helper', () => {
  /** A helper that answers with a count no tokenizer gives, so a served count shows where it came from. */
  const marking = (sent: string[][]): CountHelper => ({
    count: async (texts) => {
      sent.push(texts);
      return texts.map(() => 424_242);
    },
  });

  it('serves the counts the helper gave for prefetched texts, once settled', async () => {
    const sent: string[][] = [];
    const tokens = createTokenCounter(undefined, marking(sent));
    const long = TEXTS[1]!;
    tokens.prefetch(long);
    tokens.prefetch('too short to send');
    await tokens.settled();
    expect(sent).toEqual([[long]]);
    expect(tokens.count(long)).toBe(424_242);
    expect(tokens.count('too short to send')).toBe(countExact('too short to send'));
  });

  it('counts on the main thread what a declining helper did not count', async () => {
    const tokens = createTokenCounter(undefined, { count: async () => null });
    tokens.prefetch(TEXTS[2]!);
    await tokens.settled();
    expect(tokens.count(TEXTS[2]!)).toBe(countExact(TEXTS[2]!));
  });

  it('settles at once with nothing to count, and without a helper', async () => {
    await expect(createTokenCounter().settled()).resolves.toBeUndefined();
    const tokens = createTokenCounter();
    tokens.prefetch(TEXTS[1]!);
    await tokens.settled();
    expect(tokens.count(TEXTS[1]!)).toBe(countExact(TEXTS[1]!));
  });
});
