// watchCorpus on its own: batching, unchanged folders, failures that must not stop live reload, and close.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Corpus, loadCorpus, type ReloadResult } from '../../src/corpus/corpus.js';
import { type CorpusWatcher, type WatchCorpusOptions, watchCorpus } from '../../src/source/watcher.js';

const WAIT_MS = 10_000;
const spec = (id: string, body: string): string =>
  `---\nid: ${id}\ntitle: ${id}\n---\n\n## Rule {#rule}\n\n${body}\n`;

interface Fixture {
  root: string;
  corpus: Corpus;
  reloads: ReloadResult[];
  logs: string[];
  watcher: CorpusWatcher;
  /** Resolves once `check` holds, re-checked after every reload and log line. */
  until(what: string, check: () => boolean): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(
  wrap: (corpus: Corpus) => Corpus = (c) => c,
  onReload: WatchCorpusOptions['onReload'] = () => {},
): Promise<Fixture> {
  const root = mkdtempSync(path.join(tmpdir(), 'specledger-watch-'));
  for (let i = 0; i < 20; i++)
    writeFileSync(path.join(root, `s${i}.md`), spec(`s${i}`, `Version one of s${i}.`));
  const corpus = wrap(loadCorpus({ root }));
  const reloads: ReloadResult[] = [];
  const logs: string[] = [];
  const waiters = new Set<() => boolean>();
  const wake = (): void => {
    for (const w of waiters) if (w()) waiters.delete(w);
  };
  const watcher = await watchCorpus(corpus, {
    log: (m) => {
      logs.push(m);
      wake();
    },
    onReload: async (r) => {
      reloads.push(r);
      try {
        await onReload(r);
      } finally {
        wake();
      }
    },
  });
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await watcher.close();
    closed = true;
    rmSync(root, { recursive: true, force: true });
  });
  return {
    root,
    corpus,
    reloads,
    logs,
    watcher,
    until(what, check) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
        const w = (): boolean => {
          if (!check()) return false;
          clearTimeout(timer);
          resolve();
          return true;
        };
        if (!w()) waiters.add(w);
      });
    },
  };
}

const text = (corpus: Corpus, ref: string): string | undefined => {
  try {
    return corpus.current().resolve(ref).clause?.text;
  } catch {
    return undefined;
  }
};

describe('watchCorpus', () => {
  it('turns a burst of writes into one snapshot swap', async () => {
    const f = await start();
    for (let i = 0; i < 20; i++)
      writeFileSync(path.join(f.root, `s${i}.md`), spec(`s${i}`, `Version two of s${i}.`));
    await f.until('all twenty edits', () =>
      Array.from({ length: 20 }, (_, i) => text(f.corpus, `s${i}#rule`)).every((t) =>
        t?.includes('Version two'),
      ),
    );
    // One swap (two at most, if the burst straddles a debounce window on a loaded machine), not twenty.
    expect(f.reloads.length).toBeLessThanOrEqual(2);
  });

  it('does not swap the snapshot or notify for a folder that brings no specs', async () => {
    let rescanned!: (r: ReloadResult) => void;
    const rescan = new Promise<ReloadResult>((resolve) => {
      rescanned = resolve;
    });
    const f = await start((c) => ({
      ...c,
      rescan: (paths) => {
        const r = c.rescan(paths);
        rescanned(r);
        return r;
      },
    }));
    const generation = f.corpus.current().generation;
    mkdirSync(path.join(f.root, 'empty-folder'));
    const result = await rescan;
    expect(result.after).toBe(result.before);
    expect(f.corpus.current().generation).toBe(generation);
    expect(f.reloads).toEqual([]);
  });

  it('logs a failed reload, keeps the previous snapshot and goes on watching', async () => {
    let failures = 1;
    const f = await start((c) => ({
      ...c,
      reload: (paths) => {
        if (failures-- > 0) throw new Error('disk on fire');
        return c.reload(paths);
      },
    }));
    const before = f.corpus.current();
    writeFileSync(path.join(f.root, 's1.md'), spec('s1', 'Version two of s1.'));
    await f.until('the failure to be logged', () => f.logs.some((l) => l.includes('disk on fire')));
    expect(f.logs.find((l) => l.includes('disk on fire'))).toContain('still serving the previous version');
    expect(f.corpus.current()).toBe(before);

    writeFileSync(path.join(f.root, 's1.md'), spec('s1', 'Version three of s1.'));
    await f.until('the next edit', () => text(f.corpus, 's1#rule')?.includes('Version three') === true);
  });

  it('logs a failing onReload and still announces later reloads', async () => {
    let calls = 0;
    const f = await start(undefined, async () => {
      calls++;
      if (calls === 1) throw new Error('client went away');
    });
    writeFileSync(path.join(f.root, 's2.md'), spec('s2', 'Version two of s2.'));
    writeFileSync(path.join(f.root, 's3.md'), spec('s3', 'Version two of s3.'));
    await f.until('the edits', () => text(f.corpus, 's3#rule')?.includes('Version two') === true);
    writeFileSync(path.join(f.root, 's4.md'), spec('s4', 'Version two of s4.'));
    await f.until('the later edit', () => text(f.corpus, 's4#rule')?.includes('Version two') === true);
    await f.until('the failure to be logged', () => f.logs.some((l) => l.includes('client went away')));
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('stops reloading once closed', async () => {
    const f = await start();
    await f.watcher.close();
    const generation = f.corpus.current().generation;
    writeFileSync(path.join(f.root, 's5.md'), spec('s5', 'Version two of s5.'));
    // Nothing can be awaited for an event that must not happen: give it many debounce windows.
    await sleep(300);
    expect(f.corpus.current().generation).toBe(generation);
    expect(text(f.corpus, 's5#rule')).toContain('Version one');
  });
});
