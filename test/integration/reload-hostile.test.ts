// Live reload against a hostile tree: links swapped in mid-session, FIFOs, a root deleted and recreated.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/corpus/corpus.js';
import { type Harness, serves, startLiveReload } from '../helpers/live-reload.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(): Promise<Harness> {
  const h = await startLiveReload();
  cleanups.push(h.close);
  return h;
}

/** A folder outside the spec root holding `files`; what must never be served. */
function outsideFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'specledger-outside-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SECRET = 'OUTSIDE-THE-ROOT';
const secretSpec = (id: string) => `---\nid: ${id}\n---\n\n## Scope {#scope}\n\n${SECRET} text.\n`;

/** True when any snapshot this session swapped in served text from outside the root. */
function everServedOutside(h: Harness): boolean {
  const snapshots = [h.snapshot(), ...h.reloads.map((r) => r.after)];
  return snapshots.some((s) => s.specs.some((doc) => doc.clauses.some((c) => c.text.includes(SECRET))));
}

async function status(h: Harness): Promise<string> {
  const result = await h.client.callTool({ name: 'spec_status', arguments: {} });
  return JSON.stringify(result.structuredContent);
}

async function createFileInNewFolder(h: Harness, name: string): Promise<void> {
  mkdirSync(h.file(`specs/${name}`));
  writeFileSync(h.file(`specs/${name}/fresh.md`), `---\nid: ${name}\n---\n\n## Fresh {#fresh}\n\nNew.\n`);
  await h.until(`${name} to be served`, () => h.snapshot().spec(name) !== undefined);
}

describe('live reload on a hostile tree', () => {
  it('never serves a file from outside when a folder is replaced by a link leading out', async () => {
    const h = await start();
    const outside = outsideFolder({
      'policy.md': secretSpec('area-policy'),
      'other.md': secretSpec('other'),
    });
    rmSync(h.file('specs/area'), { recursive: true });
    symlinkSync(outside, h.file('specs/area'));
    await createFileInNewFolder(h, 'after-swap');
    writeFileSync(path.join(outside, 'created.md'), secretSpec('created'));
    await createFileInNewFolder(h, 'after-create');

    expect(everServedOutside(h)).toBe(false);
    expect(h.snapshot().spec('area-policy')).toBeUndefined();
    expect(await status(h)).toContain('specs/area');
    expect(await status(h)).toContain('leads outside the spec root');
  });

  it('never serves a file from outside when a folder link that pointed inside is retargeted out', async () => {
    const h = await start();
    // specs/linked → specs/area (inside): its files are served under both paths' folder.
    symlinkSync(h.file('specs/area'), h.file('specs/linked'));
    await createFileInNewFolder(h, 'before-retarget');
    const outside = outsideFolder({ 'policy.md': secretSpec('area-policy-linked') });
    const swap = h.file('specs/.linked-swap');
    symlinkSync(outside, swap);
    renameSync(swap, h.file('specs/linked'));
    await createFileInNewFolder(h, 'after-retarget');

    expect(everServedOutside(h)).toBe(false);
    expect(await status(h)).toContain('specs/linked');
  });

  it('reports a FIFO swapped in for a spec file and keeps answering every client', async () => {
    const h = await start();
    unlinkSync(h.file('specs/notes.md'));
    execFileSync('mkfifo', [h.file('specs/notes.md')]);
    await h.until('the FIFO to be reported', () =>
      h.snapshot().problems.some((p) => p.file === 'specs/notes.md' && p.rule === 'not-a-file'),
    );
    await createFileInNewFolder(h, 'after-fifo');
    expect((await h.clause('auth#rotation')).text).toContain('rotate');
    expect(await status(h)).toContain('FIFO');
  });

  it('serves a spec root again once it is deleted and recreated', async () => {
    const h = await start();
    const root = h.file('');
    const aside = `${root.replace(/\/$/, '')}-aside`;
    renameSync(root, aside);
    await h.until('the root to be reported missing', () => h.snapshot().spec('auth') === undefined);
    renameSync(aside, root);
    await h.until('the recreated root to be served', serves(h, 'auth#rotation', 'rotate'));
    writeFileSync(h.file('specs/later.md'), '---\nid: later\n---\n\n## Later {#later}\n\nAfter.\n');
    await h.until(
      'an edit in the recreated root to be served',
      () => h.snapshot().spec('later') !== undefined,
    );
  });
});

describe('loading a tree with special files', () => {
  it('reports a FIFO named like a spec at start-up and serves the rest', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'specledger-fifo-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    writeFileSync(path.join(root, 'good.md'), '---\nid: good\n---\n\n## Good {#good}\n\nServed.\n');
    execFileSync('mkfifo', [path.join(root, 'pipe.md')]);
    const corpus = loadCorpus({ root });
    expect(corpus.current().spec('good')).toBeDefined();
    expect(corpus.current().problems).toContainEqual(
      expect.objectContaining({ file: 'pipe.md', rule: 'not-a-file' }),
    );
    // Asked for directly (as a watcher event would), the FIFO is refused without blocking.
    const result = corpus.reload(['pipe.md']);
    expect(result.after.problems).toContainEqual(
      expect.objectContaining({
        file: 'pipe.md',
        rule: 'not-a-file',
        message: expect.stringContaining('FIFO'),
      }),
    );
  });
});
