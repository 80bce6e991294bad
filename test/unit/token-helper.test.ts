// The token helper thread: it counts exactly as the main thread does, its counts are what the counter then serves,
// and a helper that is gone or fails only means the main thread counts.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type CountHelper, createExactCounter, createTokenCounter } from '../../src/parse/tokens.js';

// The built module (test/helpers/global-setup.ts builds dist/): the helper runs its own file on a worker thread,
// and Node runs JavaScript there, not TypeScript.
const built = new URL('../../dist/parse/token-helper.js', import.meta.url).href;
const { startCountHelper } = (await import(built)) as typeof import('../../src/parse/token-helper.js');
const countExact = createExactCounter();

/** Texts the counter treats differently: short (counted directly), prose, one long run (cut in pieces), CJK, emoji. */
const TEXTS = [
  'short text',
  'The service MUST refuse a refund older than 90 days. '.repeat(40),
  'x'.repeat(5_000),
  '退款必须在九十天内完成。'.repeat(300),
  `${'🙂'.repeat(700)} tail`,
  'Strip `<|endoftext|>` and `<|endofprompt|>` from user text. '.repeat(10),
  '## Heading {#id}\n\n- **FR-001**: item\n\n```ts\nconst a = 1;\n```\n'.repeat(50),
];

describe('the token helper thread', () => {
  it('counts every text as the main thread does', async () => {
    const helper = startCountHelper({ cores: 2 });
    expect(helper).not.toBeNull();
    const counts = await helper!.count(TEXTS);
    expect(counts).toEqual(TEXTS.map(countExact));
  });

  it('counts a text now, on its thread, as the main thread does', async () => {
    const helper = startCountHelper({ cores: 2 })!;
    await helper.count(['load the tables first']);
    for (const text of TEXTS) expect(helper.countNow(text)).toBe(countExact(text));
    expect(helper.countNow('')).toBe(0);
    helper.close();
  });

  it('declines to count now a text longer than its buffer, and after it is closed', async () => {
    const helper = startCountHelper({ cores: 2 })!;
    await helper.count(['x']);
    expect(helper.countNow('word '.repeat(20_000))).toBeNull();
    helper.close();
    expect(helper.countNow('after close')).toBeNull();
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

describe('the token helper and its process', () => {
  /** Runs `body` in a fresh Node process (the built module) and resolves with how long it took to exit. */
  const exitTime = (body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { startCountHelper } = await import(${JSON.stringify(built)});\n${body}`,
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve(Date.now() - started) : reject(new Error(`exit ${code}`)),
      );
    });

  it('never keeps a finished process alive, idle or after a count', async () => {
    // With a 60 s idle time, a helper that held the process would hold it for a minute.
    const idle = exitTime('startCountHelper({ cores: 2, idleMs: 60_000 });');
    const counted = exitTime(
      "const h = startCountHelper({ cores: 2, idleMs: 60_000 }); const [n] = await h.count(['x'.repeat(300)]); if (!(n > 0)) process.exit(3);",
    );
    expect(await idle).toBeLessThan(30_000);
    expect(await counted).toBeLessThan(30_000);
  });

  it('is still there for the batch posted right after a long synchronous load', async () => {
    // A corpus loading in a setImmediate's turn: the loop is blocked past the idle time, and the counter's last batch
    // goes out from a setImmediate queued during the load, which runs in the next turn, after the expired idle timer.
    const script = [
      'setImmediate(() => {',
      '  const helper = startCountHelper({ cores: 2, idleMs: 10 });',
      "  setImmediate(async () => { const answer = await helper.count(['last']); helper.close(); process.exit(answer ? 0 : 4); });",
      '  const until = Date.now() + 50;',
      '  while (Date.now() < until);',
      '});',
    ].join('\n');
    await expect(exitTime(script)).resolves.toBeGreaterThan(0);
  });

  it('stops when closed, and then declines', async () => {
    const helper = startCountHelper({ cores: 2 })!;
    helper.close();
    expect(await helper.count(['after close'])).toBeNull();
  });
});

describe('a counter with a helper', () => {
  /** A helper that answers with a count no tokenizer gives, so a served count shows where it came from. */
  const marking = (sent: string[][]): CountHelper => ({
    count: async (texts) => {
      sent.push(texts);
      return texts.map(() => 424_242);
    },
    countNow: () => null,
    close: () => {},
  });
  /** Distinct texts of about 2.4K characters each, `n` of them: a corpus's bodies. */
  const bodies = (n: number) => Array.from({ length: n }, (_, i) => `Body ${i}. ${TEXTS[1]}`);

  it('serves the counts the helper gave for prefetched texts, once settled', async () => {
    const sent: string[][] = [];
    const tokens = createTokenCounter(undefined, () => marking(sent));
    const corpus = bodies(200);
    for (const body of corpus) tokens.prefetch(body);
    tokens.prefetch('too short to send');
    await tokens.settled();
    expect(sent.flat()).toEqual(corpus);
    expect(tokens.count(corpus[7]!)).toBe(424_242);
    expect(tokens.count('too short to send')).toBe(countExact('too short to send'));
  });

  it('starts no helper for a load smaller than one batch: the main thread counts it sooner', async () => {
    let started = 0;
    const tokens = createTokenCounter(undefined, () => {
      started++;
      return marking([]);
    });
    const small = bodies(20);
    for (const body of small) tokens.prefetch(body);
    await tokens.settled();
    expect(started).toBe(0);
    expect(tokens.count(small[3]!)).toBe(countExact(small[3]!));
  });

  it('does not wait for a helper still starting with little to count', async () => {
    // A helper that never answers: waiting for it would never end.
    const tokens = createTokenCounter(undefined, () => ({
      count: () => new Promise(() => {}),
      countNow: () => null,
      close: () => {},
    }));
    for (const body of bodies(150)) tokens.prefetch(body);
    await tokens.settled();
    expect(tokens.count(TEXTS[1]!)).toBe(countExact(TEXTS[1]!));
  });

  it('counts on the main thread what a declining helper did not count', async () => {
    const tokens = createTokenCounter(undefined, () => ({
      count: async () => null,
      countNow: () => null,
      close: () => {},
    }));
    const corpus = bodies(200);
    for (const body of corpus) tokens.prefetch(body);
    await tokens.settled();
    expect(tokens.count(corpus[0]!)).toBe(countExact(corpus[0]!));
  });

  it('has the helper count its other texts now once the helper has answered and holds nothing', async () => {
    const asked: string[] = [];
    const helper: CountHelper = {
      ...marking([]),
      countNow: (text) => {
        asked.push(text);
        return 7;
      },
    };
    const tokens = createTokenCounter(undefined, () => helper);
    // Before the helper has answered a batch its tables may still be loading: the main thread counts.
    expect(tokens.count('a catalog line')).toBe(countExact('a catalog line'));
    for (const body of bodies(200)) tokens.prefetch(body);
    await tokens.settled();
    expect(tokens.count('a catalog line')).toBe(7);
    expect(tokens.count(TEXTS[1]!)).toBe(7);
    expect(asked).toEqual(['a catalog line', TEXTS[1]]);
  });

  it('settles at once with nothing to count, and without a helper', async () => {
    await expect(createTokenCounter().settled()).resolves.toBeUndefined();
    const tokens = createTokenCounter();
    tokens.prefetch(TEXTS[1]!);
    await tokens.settled();
    expect(tokens.count(TEXTS[1]!)).toBe(countExact(TEXTS[1]!));
  });
});

describe('the counter memo', () => {
  it('counts a text with a lone surrogate as it is, not as its U+FFFD twin counted before', () => {
    const tokens = createTokenCounter();
    const lone = `${'x'.repeat(256)}\udc00${'y'.repeat(600)}`;
    const twin = `${'x'.repeat(256)}\ufffd${'y'.repeat(600)}`;
    expect(countExact(lone)).not.toBe(countExact(twin));
    expect(tokens.count(twin)).toBe(countExact(twin));
    expect(tokens.count(lone)).toBe(countExact(lone));
  });
});

describe('the main thread of a process with a helper', () => {
  it('leaves every count to the helper while it lives, so it never loads the tokenizer itself', async () => {
    // What start-up saves (~0.2 s): the tables are loaded on the helper's thread only. `exact` is what the main
    // thread would count with (and load the tables for); the helper is the real one.
    const mainThread: string[] = [];
    const onHelper: string[] = [];
    const tokens = createTokenCounter(
      undefined,
      () => {
        const helper = startCountHelper({ cores: 2 })!;
        return {
          ...helper,
          countNow: (text) => {
            onHelper.push(text);
            return helper.countNow(text);
          },
        };
      },
      (text) => {
        mainThread.push(text);
        return countExact(text);
      },
    );
    // Past what settled() waits for (1M characters): a corpus as large as the 9-root bench's waits too.
    const corpus = Array.from({ length: 500 }, (_, i) => `Body ${i}. ${TEXTS[1]}`);
    for (const body of corpus) tokens.prefetch(body);
    await tokens.settled();
    const short = '## Specs (459), folded';
    const page = 'x'.repeat(3000);
    expect(tokens.count(short)).toBe(countExact(short));
    expect(tokens.count(page)).toBe(countExact(page));
    expect(tokens.count(corpus[3]!)).toBe(countExact(corpus[3]!));
    expect(onHelper).toEqual([short, page]);
    expect(mainThread).toEqual([]);
  });
});
