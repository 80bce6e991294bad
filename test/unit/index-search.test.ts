// Full-text search: the clause holding the words ranks first, snippets show them, filters narrow the hits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/corpus/corpus.js';
import { createSearchIndex } from '../../src/corpus/search.js';
import type { Snapshot } from '../../src/corpus/snapshot.js';
import type { SpecDoc } from '../../src/parse/types.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, specFile, type TempDir, writeTree } from '../helpers/temp.js';

describe('search on the example corpus', () => {
  const snapshot = loadCorpus({ root: specsExample }).current();

  it.each([
    ['clock skew', 'auth#AUTH-11'],
    ['constant time comparison', 'auth#AUTH-5'],
    ['retry schedule', 'webhooks#retry-schedule'],
  ])('ranks the clause that says "%s" first', async (query, ref) => {
    const hits = await snapshot.search(query, { limit: 5 });
    expect(hits[0]?.ref).toBe(ref);
  });

  it('returns snippets that show the matched words', async () => {
    const [hit] = await snapshot.search('clock skew', { limit: 1 });
    expect(hit!.snippet.toLowerCase()).toContain('clock skew');
    expect(hit!.snippet.length).toBeLessThan(250);
  });
});

describe('search ranking', () => {
  let tmp: TempDir;
  let snapshot: Snapshot;

  beforeAll(() => {
    tmp = makeTempDir();
    writeTree(tmp.dir, {
      'a.md': specFile(
        { id: 'a' },
        [
          '# A',
          '',
          '## Parent {#parent}',
          '',
          'General words about payments and money.',
          '',
          '### Child {#child}',
          '',
          'The quokka constraint: every quokka MUST be counted twice.',
          '',
          '## Other {#other}',
          '',
          'Mentions quokka once, in passing.',
        ].join('\n'),
      ),
      'b.md': specFile({ id: 'b' }, '# B\n\n## Quokka handling {#quokka-handling}\n\nAbout the animal.\n'),
      'openspec/changes/add-q/proposal.md': '# Add Q\n\n## Why\n\nThe quokka proposal.\n',
    });
    snapshot = loadCorpus({ root: tmp.dir }).current();
  });
  afterAll(() => tmp.remove());

  it('ranks the child holding the words above the parent that only contains it', async () => {
    const refs = (await snapshot.search('quokka constraint counted', { limit: 10 })).map((h) => h.ref);
    expect(refs[0]).toBe('a#child');
    expect(refs).not.toContain('a#parent');
  });

  it('filters by spec and honours the limit', async () => {
    const inB = await snapshot.search('quokka', { spec: 'b', limit: 10 });
    expect(inB.map((h) => h.ref)).toEqual(['b#quokka-handling']);
    expect(await snapshot.search('quokka', { limit: 1 })).toHaveLength(1);
  });

  it('leaves proposals out unless asked for', async () => {
    const without = await snapshot.search('quokka proposal', { limit: 10 });
    expect(without.some((h) => h.ref.startsWith('openspec/changes/'))).toBe(false);
    const withProposals = await snapshot.search('quokka proposal', { limit: 10, includeProposals: true });
    expect(withProposals.some((h) => h.ref.startsWith('openspec/changes/'))).toBe(true);
  });

  it('returns no hits for words no clause holds', async () => {
    expect(await snapshot.search('xylophonist', { limit: 10 })).toEqual([]);
  });
});

describe('search ranking: titles and rules', () => {
  let tmp: TempDir;
  let snapshot: Snapshot;

  beforeAll(() => {
    tmp = makeTempDir();
    writeTree(tmp.dir, {
      'billing.md': specFile(
        { id: 'billing', status: 'approved', version: '1.0.0' },
        [
          '# Billing',
          '',
          '## Overview {#overview}',
          '',
          'Invoices are sent monthly. Merchants read them in the dashboard, export them as CSV, forward',
          'them to their accountants and reconcile them against payouts; the dunning emails also mention',
          'the grace period in passing, next to the branding options and the footer text.',
          '',
          '## Grace period {#grace-period}',
          '',
          'Unpaid invoices are retried daily.',
          '',
          '## User story: reminders {#story-late-payer}',
          '',
          'The merchant pays after the due date; the fee is shown on the next invoice.',
          '',
          '## Charging {#charging}',
          '',
          'A late fee MUST NOT be charged before 14 days after the due date.',
        ].join('\n'),
      ),
    });
    snapshot = loadCorpus({ root: tmp.dir }).current();
  });
  afterAll(() => tmp.remove());

  it('ranks a section titled with the words above one that mentions them in passing', async () => {
    const [top] = await snapshot.search('grace period', { limit: 3 });
    expect(top?.ref).toBe('billing#grace-period');
  });

  it('ranks the clause that states the rule above a story that tells the same topic', async () => {
    const refs = (await snapshot.search('late fee after the due date', { limit: 3 })).map((h) => h.ref);
    expect(refs.slice(0, 2)).toEqual(['billing#charging', 'billing#story-late-payer']);
  });
});

describe('building the index of a large corpus', () => {
  let tmp: TempDir;
  let snapshot: Snapshot;

  beforeAll(() => {
    tmp = makeTempDir();
    const files: Record<string, string> = {};
    for (let f = 0; f < 6; f++) {
      const sections = Array.from(
        { length: 200 },
        (_, i) => `## Rule ${f}-${i} {#r${i}}\n\nLimit ${i} applies to queue ${f}.\n`,
      );
      files[`s${f}.md`] = specFile({ id: `s${f}` }, `# Spec ${f}\n\n${sections.join('\n')}`);
    }
    writeTree(tmp.dir, files);
    snapshot = loadCorpus({ root: tmp.dir }).current();
  });
  afterAll(() => tmp.remove());

  it('builds again after a build that failed, instead of failing every later one', async () => {
    const index = createSearchIndex();
    const broken = { ...snapshot.specs[0]!, path: 'broken.md', clauses: null } as unknown as SpecDoc;
    await expect(index.sync(1, [broken])).rejects.toThrow();
    await index.sync(2, snapshot.specs);
    const lookup = (ref: string) => {
      const [specId, clauseId] = ref.split('#');
      const spec = snapshot.spec(specId!);
      const clause = spec?.clauses.find((c) => c.id === clauseId);
      return spec && clause ? { spec, clause } : undefined;
    };
    expect(index.search('limit 17 queue 3', { limit: 1 }, lookup)[0]?.ref).toBe('s3#r17');
  });

  it('gives the event loop back within one spec of many clauses too', async () => {
    const one = makeTempDir();
    try {
      const sections = Array.from(
        { length: 1_500 },
        (_, i) => `## Rule ${i} {#r${i}}\n\nLimit ${i} applies.\n`,
      );
      writeTree(one.dir, { 'big.md': specFile({ id: 'big' }, `# Big\n\n${sections.join('\n')}`) });
      const big = loadCorpus({ root: one.dir }).current();
      const index = createSearchIndex();
      let built = false;
      const build = index.sync(1, big.specs).then(() => {
        built = true;
      });
      let turns = 0;
      while (!built) {
        await new Promise((resolve) => setImmediate(resolve));
        turns++;
      }
      await build;
      expect(turns).toBeGreaterThan(3);
    } finally {
      one.remove();
    }
  });

  it('gives the event loop back before it starts and while it runs, so requests are answered meanwhile', async () => {
    const index = createSearchIndex();
    const lookup = (ref: string) => {
      const [specId, clauseId] = ref.split('#');
      const spec = snapshot.spec(specId!);
      const clause = spec?.clauses.find((c) => c.id === clauseId);
      return spec && clause ? { spec, clause } : undefined;
    };
    let built = false;
    const build = index.sync(1, snapshot.specs).then(() => {
      built = true;
    });
    // Each setImmediate is one turn of the loop: a request read from stdin is handled in such a turn. The first
    // comes before any clause is indexed (the index answers with what it has: nothing yet).
    await new Promise((resolve) => setImmediate(resolve));
    expect(index.search('limit 17 queue 0', { limit: 1 }, lookup)).toEqual([]);
    let turns = 1;
    while (!built) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    await build;
    expect(snapshot.clauseCount).toBeGreaterThanOrEqual(1_200);
    expect(turns).toBeGreaterThan(2);
    expect(index.search('limit 17 queue 3', { limit: 1 }, lookup)[0]?.ref).toBe('s3#r17');
  });
});
