// The MCP tools through a real SDK client over the in-memory transport, with a real SQLite ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../../src/ledger/checkpoint.js';
import { type Receipt, verifyReceipt } from '../../src/ledger/receipts.js';
import { takeCheckpoint } from '../../src/ledger/tree.js';
import { type RootPageOut, walkCatalog } from '../helpers/catalog.js';
import { type Connected, connect, structured, textOf } from '../helpers/mcp.js';
import { specsExample } from '../helpers/paths.js';

interface RootOut {
  root: { text: string; truncated: boolean };
  specs: Array<{
    id: string;
    title: string;
    status: string;
    version: string;
    summary: string;
    clauses: number;
    tokens: number;
  }>;
  always: Array<{
    ref: string;
    title: string;
    version: string;
    digest: string;
    tokens: number;
    text: string;
  }>;
  next_cursor?: string;
  total_specs: number;
}
interface OutlineOut {
  spec: { id: string; title: string; version: string; status: string };
  clauses: Array<{ ref: string; id: string; title: string; depth: number; tokens: number }>;
}
interface ClauseOut {
  ref: string;
  spec: string;
  id: string;
  title: string;
  text: string;
  version: string;
  status: string;
  digest: string;
  uri: string;
  tokens: number;
  children: Array<{ ref: string; title: string; tokens: number }>;
  truncated: boolean;
  continuation?: { cursor: string; call: string };
  attrs?: Record<string, string>;
  superseded_by?: string[];
}
interface SearchOut {
  hits: Array<{ ref: string; title: string; snippet: string; score: number }>;
}
interface PathOut {
  path: string;
  specs: Array<{ id: string; matched: string }>;
  clauses: Array<{ ref: string; title: string; tokens: number }>;
  agents: Array<{ ref: string; path: string; tokens: number }>;
}
interface ProvenanceOut {
  run: { id: string; source: string };
  reads: Array<{
    seq: number;
    ts: string;
    kind: string;
    ref: string | null;
    digest: string | null;
    version: string | null;
  }>;
}

const TOOLS = ['get_clause', 'get_outline', 'get_provenance', 'read_root', 'search_specs', 'specs_for_path'];
/** Markers of the truncation note get_clause appends to a cut page. */
const TRUNCATION_NOTE = /\n\n\[truncated at \d+ tokens; continue with get_clause .*\]$/;

describe('MCP tools on specs-example', () => {
  let c: Connected;
  beforeAll(async () => {
    c = await connect(specsExample);
  });
  afterAll(async () => {
    await c.close();
  });

  describe('tools/list', () => {
    it('lists the six tools of the design, every tool read-only with an output schema and a description', async () => {
      const { tools } = await c.client.listTools();
      // The contract may be extended with more tools, never renamed.
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(TOOLS));
      for (const tool of tools) {
        expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
        expect(tool.outputSchema?.type, tool.name).toBe('object');
        expect(tool.description?.length, tool.name).toBeGreaterThan(60);
      }
    });
  });

  describe('read_root', () => {
    it('returns the root, the always rules and the catalog within the default budget of 1500 tokens', async () => {
      const result = await c.call('read_root');
      const out = structured<RootOut>(result);
      expect(c.app.tokens.count(textOf(result))).toBeLessThanOrEqual(1500);
      expect(out.root.text).toContain('Acme Payments API');
      expect(out.always.map((a) => a.ref)).toEqual(['engineering-rules']);
      expect(out.always[0]!.text).toContain('**ENG-1**');
      expect(out.always[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(textOf(result)).toContain('ENG-1');
      expect(out.specs.map((s) => s.id)).toEqual(
        expect.arrayContaining(['auth', 'refunds', 'webhooks', 'webhooks-v1', 'payouts']),
      );
      expect(out.specs.find((s) => s.id === 'auth')).toMatchObject({
        status: 'approved',
        version: '1.4.0',
        title: 'Authentication and API keys',
      });
      expect(out.specs.find((s) => s.id === 'payouts')?.status).toBe('draft');
      expect(out.specs.some((s) => s.id === 'README')).toBe(false);
    });

    it('pages the catalog within a small budget, its cursors and folders listing every spec once', async () => {
      const walk = await walkCatalog(async (args) => {
        const result = await c.call('read_root', { max_tokens: 200, ...args });
        expect(c.app.tokens.count(textOf(result))).toBeLessThanOrEqual(200);
        return structured<RootPageOut>(result);
      });
      expect(walk.pages.length).toBeGreaterThan(1);
      expect([...walk.ids].sort()).toEqual(
        c.app.corpus
          .current()
          .catalog.map((s) => s.id)
          .sort(),
      );
    });

    it('answers a forged cursor with a tool error', async () => {
      const result = await c.call('read_root', { cursor: 'not-a-cursor' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/cursor/);
    });
  });

  describe('get_outline', () => {
    it("lists a spec's clauses with refs, depths and token costs, and no bodies", async () => {
      const result = await c.call('get_outline', { spec: 'auth' });
      const out = structured<OutlineOut>(result);
      expect(out.spec).toMatchObject({
        id: 'auth',
        title: 'Authentication and API keys',
        version: '1.4.0',
        status: 'approved',
      });
      expect(out.clauses.slice(0, 3).map((cl) => [cl.ref, cl.depth])).toEqual([
        ['auth#overview', 1],
        ['auth#api-keys', 1],
        ['auth#key-types', 2],
      ]);
      expect(out.clauses.find((cl) => cl.ref === 'auth#token-lifetime')).toMatchObject({
        depth: 2,
        title: 'Token lifetime',
      });
      for (const cl of out.clauses) expect(cl.tokens).toBeGreaterThan(0);
      // Titles only: the body of auth#token-format is not in the outline.
      expect(textOf(result)).not.toContain('published at');
    });

    it('stops at the requested depth', async () => {
      const out = structured<OutlineOut>(await c.call('get_outline', { spec: 'auth', depth: 1 }));
      expect(out.clauses.map((cl) => cl.id)).toEqual([
        'overview',
        'api-keys',
        'access-tokens',
        'failed-attempts',
        'test-vectors',
      ]);
    });

    it('reports an unknown spec with did-you-mean', async () => {
      const result = await c.call('get_outline', { spec: 'aut' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/did you mean auth\b/);
    });
  });

  describe('get_clause', () => {
    it('returns the clause text with its version, status, digest and URI', async () => {
      const out = structured<ClauseOut>(await c.call('get_clause', { ref: 'auth#token-lifetime' }));
      const served = c.app.corpus.current().resolve('auth#token-lifetime').clause!;
      expect(out).toMatchObject({
        ref: 'auth#token-lifetime',
        spec: 'auth',
        id: 'token-lifetime',
        title: 'Token lifetime',
        version: '1.4.0',
        status: 'approved',
        uri: 'spec://auth/token-lifetime',
        truncated: false,
      });
      expect(out.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(out.digest).toBe(served.digest);
      expect(out.text).toBe(served.text);
      expect(out.text).toContain('Access tokens MUST expire 15 minutes (900 s)');
      // FR-style items stay inline and are listed as children.
      expect(out.children.map((ch) => ch.ref)).toEqual(['auth#AUTH-10', 'auth#AUTH-11', 'auth#AUTH-12']);
    });

    it('resolves a bare unique clause ID', async () => {
      expect(structured<ClauseOut>(await c.call('get_clause', { ref: 'AUTH-11' })).ref).toBe('auth#AUTH-11');
    });

    it('collapses child sections to one-line pointers by default', async () => {
      const out = structured<ClauseOut>(await c.call('get_clause', { ref: 'auth#api-keys' }));
      expect(out.text).toMatch(/\[… auth#key-types — Key types · \d+ tokens · get_clause to read\]/);
      expect(out.text).toMatch(/\[… auth#rotation — Rotation and revocation · \d+ tokens/);
      expect(out.text).not.toContain('AUTH-1**');
      expect(out.children.map((ch) => ch.ref)).toEqual([
        'auth#key-types',
        'auth#key-format',
        'auth#key-storage',
        'auth#rotation',
      ]);
      const keyTypes = out.children.find((ch) => ch.ref === 'auth#key-types')!;
      expect(out.text).toContain(`Key types · ${keyTypes.tokens} tokens`);
    });

    it('expands child sections when depth asks for them', async () => {
      const out = structured<ClauseOut>(await c.call('get_clause', { ref: 'auth#api-keys', depth: 1 }));
      expect(out.text).not.toContain('[… ');
      expect(out.text).toContain('**AUTH-1**');
      expect(out.text).toContain('### Rotation and revocation {#rotation}');
    });

    it('cuts a long clause at max_tokens with a continuation that picks up where the page stopped', async () => {
      const full = structured<ClauseOut>(
        await c.call('get_clause', { ref: 'webhooks', depth: 10, max_tokens: 100_000 }),
      );
      expect(full.truncated).toBe(false);
      const pieces: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const result = await c.call('get_clause', {
          ref: 'webhooks',
          depth: 10,
          max_tokens: 300,
          ...(cursor ? { cursor } : {}),
        });
        const page = structured<ClauseOut>(result);
        expect(page.tokens).toBeLessThanOrEqual(300);
        expect(c.app.tokens.count(page.text)).toBeLessThanOrEqual(300);
        if (page.truncated) {
          expect(page.text).toMatch(TRUNCATION_NOTE);
          expect(page.continuation?.call).toContain(page.continuation!.cursor);
        }
        pieces.push(page.text.replace(TRUNCATION_NOTE, ''));
        cursor = page.continuation?.cursor;
        pages++;
      } while (cursor && pages < 100);
      expect(pages).toBeGreaterThan(2);
      expect(pieces.join('\n')).toBe(full.text);
    });

    it('refuses a deprecated spec, naming what supersedes it', async () => {
      const result = await c.call('get_clause', { ref: 'webhooks-v1#scope' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('superseded by');
      expect(textOf(result)).toContain('"webhooks"');
      expect(textOf(result)).toContain('allow_deprecated');
    });

    it('reads a deprecated spec when allow_deprecated is true, marking it superseded', async () => {
      const out = structured<ClauseOut>(
        await c.call('get_clause', { ref: 'webhooks-v1#scope', allow_deprecated: true }),
      );
      expect(out).toMatchObject({
        ref: 'webhooks-v1#scope',
        status: 'deprecated',
        superseded_by: ['webhooks'],
      });
    });

    it('rejects arguments outside the schema', async () => {
      const result = await c.call('get_clause', { ref: 'auth#overview', max_tokens: 5 });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/max_tokens/);
    });

    it('answers an unknown reference with did-you-mean candidates', async () => {
      const result = await c.call('get_clause', { ref: 'auth#token-lifetim' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/did you mean auth#token-lifetime/);
    });

    it('answers an ambiguous bare ID with the candidates as SPEC#CLAUSE', async () => {
      const result = await c.call('get_clause', { ref: 'endpoints' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('payments#endpoints');
      expect(textOf(result)).toContain('webhooks#endpoints');
      expect(result._meta?.['specledger/error']).toMatchObject({ code: 'AMBIGUOUS' });
    });
  });

  describe('search_specs', () => {
    it('ranks the clause holding the words first, with a snippet', async () => {
      const out = structured<SearchOut>(await c.call('search_specs', { query: 'clock skew' }));
      expect(out.hits[0]).toMatchObject({ ref: 'auth#AUTH-11' });
      expect(out.hits[0]!.snippet).toContain('clock skew');
    });

    it('searches one spec when asked', async () => {
      const out = structured<SearchOut>(
        await c.call('search_specs', { query: 'signature', spec: 'webhooks', limit: 3 }),
      );
      expect(out.hits.length).toBeGreaterThan(0);
      expect(out.hits.length).toBeLessThanOrEqual(3);
      for (const hit of out.hits) expect(hit.ref.startsWith('webhooks#')).toBe(true);
    });

    it('says so when nothing matches', async () => {
      const result = await c.call('search_specs', { query: 'xylophonist' });
      expect(structured<SearchOut>(result).hits).toEqual([]);
      expect(textOf(result)).toMatch(/no clauses match/);
    });
  });

  describe('specs_for_path', () => {
    it('returns the governing specs, their top clauses and the AGENTS.md files nearest last', async () => {
      const out = structured<PathOut>(
        await c.call('specs_for_path', { path: 'services/refunds/src/refund.ts' }),
      );
      expect(out.specs.map((s) => s.id).sort()).toEqual(['engineering-rules', 'refunds']);
      expect(out.clauses.map((cl) => cl.ref)).toContain('refunds#requirements');
      expect(out.agents.map((a) => a.path)).toEqual(['AGENTS.md', 'services/refunds/AGENTS.md']);
    });

    it('rejects a path that leaves the repository', async () => {
      const result = await c.call('specs_for_path', { path: '../../etc/passwd' });
      expect(result.isError).toBe(true);
    });
  });
});

describe('provenance of tool reads', () => {
  let c: Connected;
  beforeAll(async () => {
    c = await connect(specsExample);
  });
  afterAll(async () => {
    await c.close();
  });

  it('commits a ledger record for every reading call, attributed to the run_id argument', async () => {
    const run_id = 'run-argument';
    await c.call('read_root', { run_id });
    await c.call('get_outline', { spec: 'auth', run_id });
    const clause = structured<ClauseOut>(await c.call('get_clause', { ref: 'auth#token-lifetime', run_id }));
    await c.call('search_specs', { query: 'refund window', limit: 2, run_id });
    await c.call('specs_for_path', { path: 'services/refunds/x.ts', run_id });
    const records = await c.app.ledger.reads({ run_id });
    const tools = new Set(records.map((r) => r.tool));
    expect([...tools].sort()).toEqual([
      'get_clause',
      'get_outline',
      'read_root',
      'search_specs',
      'specs_for_path',
    ]);
    for (const r of records) {
      expect(r).toMatchObject({
        run_id,
        run_id_source: 'argument',
        transport: 'memory',
        client_name: 'specledger-tests',
        client_version: '1.2.3',
      });
    }
    const clauseRead = records.find((r) => r.tool === 'get_clause')!;
    expect(clauseRead).toMatchObject({
      kind: 'clause',
      spec_id: 'auth',
      clause_id: 'token-lifetime',
      spec_version: '1.4.0',
      digest: clause.digest,
    });
    expect(await c.app.ledger.servedText(clause.digest)).toBe(clause.text);
    expect(records.filter((r) => r.tool === 'search_specs').map((r) => r.kind)).toEqual(['search', 'search']);
    expect(records.find((r) => r.tool === 'read_root')?.kind).toBe('root');
  });

  it('takes the run ID from _meta when no argument names it', async () => {
    const run_id = 'run-from-meta';
    await c.call('get_clause', { ref: 'errors#error-envelope' }, { 'specledger/run_id': run_id });
    const records = await c.app.ledger.reads({ run_id });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      run_id_source: 'meta',
      spec_id: 'errors',
      clause_id: 'error-envelope',
    });
  });

  it('prefers the run_id argument over _meta', async () => {
    await c.call(
      'get_clause',
      { ref: 'errors#status-codes', run_id: 'arg-wins' },
      { 'specledger/run_id': 'meta-loses' },
    );
    expect(await c.app.ledger.reads({ run_id: 'arg-wins' })).toHaveLength(1);
    expect(await c.app.ledger.reads({ run_id: 'meta-loses' })).toHaveLength(0);
  });

  it('records nothing for a failed read', async () => {
    await c.call('get_clause', { ref: 'nope#nothing', run_id: 'run-failed' });
    expect(await c.app.ledger.reads({ run_id: 'run-failed' })).toEqual([]);
  });

  it('lists what the current run has read, with digests and versions, in get_provenance', async () => {
    const run_id = 'run-provenance';
    const a = structured<ClauseOut>(await c.call('get_clause', { ref: 'auth#token-lifetime', run_id }));
    const b = structured<ClauseOut>(await c.call('get_clause', { ref: 'refunds#FR-003', run_id }));
    const result = await c.call('get_provenance', { run_id });
    const out = structured<ProvenanceOut>(result);
    expect(out.run).toEqual({ id: run_id, source: 'argument' });
    expect(out.reads.map((r) => [r.kind, r.ref, r.digest, r.version])).toEqual([
      ['clause', 'auth#token-lifetime', a.digest, '1.4.0'],
      ['clause', 'refunds#FR-003', b.digest, '1.0.2'],
    ]);
    expect(out.reads[0]!.seq).toBeLessThan(out.reads[1]!.seq);
    expect(textOf(result)).toContain('auth#token-lifetime');
    // Ready to paste into a commit message: the run, then each clause at the first 8 hex digits of its digest.
    const short = (digest: string) => digest.replace('sha256:', '').slice(0, 8);
    expect((out as ProvenanceOut & { trailers: string[] }).trailers).toEqual([
      `Spec-Run: ${run_id}`,
      `Spec-Refs: auth#token-lifetime@${short(a.digest)}`,
      `Spec-Refs: refunds#FR-003@${short(b.digest)}`,
    ]);
    expect(textOf(result)).toContain(`Spec-Refs: refunds#FR-003@${short(b.digest)}`);
    // Asking is not itself a read of a spec.
    expect(await c.app.ledger.reads({ run_id })).toHaveLength(2);
  });

  it('attributes reads without any run ID to the connection, and reports them as the current run', async () => {
    const read = structured<ClauseOut>(await c.call('get_clause', { ref: 'idempotency#header' }));
    const out = structured<ProvenanceOut>(await c.call('get_provenance'));
    expect(out.run.source).toBe('connection');
    expect(out.reads.map((r) => [r.ref, r.digest])).toEqual([['idempotency#header', read.digest]]);
  });

  it('answers get_provenance for the run named in _meta', async () => {
    const meta = { 'specledger/run_id': 'run-meta-provenance' };
    await c.call('get_clause', { ref: 'auth#overview' }, meta);
    const out = structured<ProvenanceOut>(await c.call('get_provenance', {}, meta));
    expect(out.run).toEqual({ id: 'run-meta-provenance', source: 'meta' });
    expect(out.reads.map((r) => r.ref)).toEqual(['auth#overview']);
  });
});

describe('a ledger that cannot write', () => {
  it('fails the read with a clear error instead of serving unrecorded text (fail-closed)', async () => {
    const c = await connect(specsExample);
    try {
      await c.app.ledger.close();
      const result = await c.call('get_clause', { ref: 'auth#token-lifetime' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/ledger/i);
      expect(textOf(result)).not.toContain('15 minutes');
      expect(result.structuredContent).toBeUndefined();
    } finally {
      await c.close().catch(() => undefined);
    }
  });
});

describe('receipts in get_provenance', () => {
  let c: Connected;
  beforeAll(async () => {
    c = await connect(specsExample);
  });
  afterAll(async () => c.close());

  it('returns a receipt that verifies offline for each read a signed checkpoint covers, and counts the rest', async () => {
    const run_id = 'run-receipts';
    await c.call('get_clause', { ref: 'auth#token-lifetime', run_id });
    const none = await c.call('get_provenance', { run_id, receipts: true });
    // No checkpoint yet: the agent is told what to run.
    expect(none.isError).toBe(true);
    expect(textOf(none)).toContain('specledger checkpoint');

    const keys = generateNoteKey('specledger.test/receipts');
    await takeCheckpoint(c.app.ledger, parseSignerKey(keys.signer));
    await c.call('get_clause', { ref: 'refunds#FR-003', run_id });
    const out = structured<{ receipts: Receipt[]; receipts_pending: number }>(
      await c.call('get_provenance', { run_id, receipts: true }),
    );
    expect(out.receipts).toHaveLength(1);
    expect(out.receipts_pending).toBe(1);
    const verified = verifyReceipt(out.receipts[0] as Receipt, parseVerifierKey(keys.verifier));
    expect(verified.record.clause_id).toBe('token-lifetime');
    // A receipt for another log's key does not verify.
    const other = generateNoteKey('specledger.test/other');
    expect(() => verifyReceipt(out.receipts[0] as Receipt, parseVerifierKey(other.verifier))).toThrow();
  });
});
