// read_root's pages over a large corpus: each within its token budget, the cursors walking every spec exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/corpus/corpus.js';
import type { Snapshot } from '../../src/corpus/snapshot.js';
import { SpecLedgerError } from '../../src/errors.js';
import { type RootPage, viewRoot } from '../../src/mcp/views/root-view.js';
import { createTokenCounter } from '../../src/parse/tokens.js';
import { walkCatalog } from '../helpers/catalog.js';
import { makeTempDir, specFile, type TempDir, writeTree } from '../helpers/temp.js';

const SPEC_COUNT = 300;
const tokens = createTokenCounter();

/** Every page an agent can reach from the first: next_cursor pages and folders. */
function walk(snapshot: Snapshot, maxTokens: number) {
  const pages: RootPage[] = [];
  const read = async (args: { cursor?: string; folder?: string }) => {
    const page = viewRoot(snapshot, { maxTokens, ...args }, tokens);
    pages.push(page);
    return page.view;
  };
  return walkCatalog(read).then((w) => ({ ...w, pages }));
}

describe('read_root pages on a corpus of 300 specs', () => {
  let tmp: TempDir;
  let snapshot: Snapshot;

  beforeAll(() => {
    tmp = makeTempDir();
    const files: Record<string, string> = {
      'README.md': '# Generated corpus\n\nThree hundred specs about widgets. Read only what you need.\n',
      'standing.md': specFile(
        { id: 'standing', inclusion: 'always', version: '1.0.0' },
        '# Standing\n\n- **STD-1**: Always test.\n',
      ),
    };
    for (let i = 0; i < SPEC_COUNT; i++) {
      const n = String(i).padStart(3, '0');
      // Some summaries run long: the catalog line must still fit its share of the budget.
      const summary =
        i % 7 === 0 ? `Widget ${n} ${'with a very long explanation '.repeat(12)}` : `Widget ${n} rules.`;
      files[`area-${i % 10}/widget-${n}.md`] = specFile(
        {
          id: `widget-${n}`,
          title: `Widget ${n}`,
          summary,
          version: `1.${i}.0`,
          status: i % 3 === 0 ? 'draft' : 'approved',
        },
        `# Widget ${n}\n\n## Rule {#rule}\n\n- **W-${i}**: widget ${n} MUST work.\n`,
      );
    }
    writeTree(tmp.dir, files);
    snapshot = loadCorpus({ root: tmp.dir, tokens }).current();
  });
  afterAll(() => tmp.remove());

  it.each([1500, 600, 200])(
    'keeps every page within max_tokens %i and lists every spec exactly once across its pages and folders',
    async (maxTokens: number) => {
      const { pages, ids } = await walk(snapshot, maxTokens);
      expect(pages.length).toBeGreaterThan(1);
      for (const page of pages) {
        expect(page.tokens).toBeLessThanOrEqual(maxTokens);
        expect(tokens.count(page.text)).toBeLessThanOrEqual(maxTokens);
      }
      expect(pages[0]!.view.total_specs).toBe(SPEC_COUNT + 1);
      expect([...ids].sort()).toEqual(snapshot.catalog.map((s) => s.id).sort());
    },
  );

  it('covers the whole catalog on the first page by folding it by folder, binding specs first', () => {
    const first = viewRoot(snapshot, { maxTokens: 1500 }, tokens);
    expect(first.view.next_cursor).toBeUndefined();
    const covered = first.view.specs.length + first.view.folders.reduce((n, f) => n + f.specs, 0);
    expect(covered).toBe(SPEC_COUNT + 1);
    expect(first.view.folders.map((f) => f.path)).toContain('area-3/');
    // The standing spec is binding and sits at the top level: listed by itself, before any folder.
    expect(first.text.indexOf('- standing')).toBeLessThan(first.text.indexOf('- area-'));
  });

  it('lists one folder with read_root {folder}, without the root document', () => {
    const page = viewRoot(snapshot, { maxTokens: 1500, folder: 'area-3/' }, tokens);
    expect(page.view.root.text).toBe('');
    expect(page.view.specs.map((s) => s.id).sort()).toEqual(
      snapshot.catalog
        .filter((s) => s.path.startsWith('area-3/'))
        .map((s) => s.id)
        .sort(),
    );
    expect(() => viewRoot(snapshot, { maxTokens: 1500, folder: 'area-33' }, tokens)).toThrow(/area-33/);
  });

  it('puts the root document and the standing specs on the first page only', async () => {
    const { pages } = await walk(snapshot, 1500);
    const [first, second] = pages;
    expect(first!.view.root.text).toContain('Three hundred specs about widgets');
    expect(first!.view.always.map((a) => a.ref)).toEqual(['standing']);
    expect(first!.view.always[0]!.text).toContain('STD-1');
    expect(second!.view.root.text).toBe('');
    expect(second!.view.always).toEqual([]);
  });

  it('leaves the root document out of the catalog', () => {
    expect(snapshot.catalog.some((s) => s.path === 'README.md')).toBe(false);
  });

  it('rejects a cursor it did not issue', () => {
    expect(() => viewRoot(snapshot, { maxTokens: 1500, cursor: 'bogus' }, tokens)).toThrow(SpecLedgerError);
  });
});
