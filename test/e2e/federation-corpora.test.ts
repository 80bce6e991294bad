// Issue 17: ../shared/corpora served as six named roots through the built CLI over stdio and the real SDK client.
import { cpSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { SkillsClient } from '@modelcontextprotocol/client/ext/skills';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenCounter } from '../../src/parse/tokens.js';
import { type RootPageOut, walkCatalog } from '../helpers/catalog.js';
import { connectStdioCli, type StdioCli } from '../helpers/cli.js';
import { structured, textOf } from '../helpers/mcp.js';
import { corporaExist, corporaMissing, corporaRoot } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const tokens = createTokenCounter();
const corpora = corporaExist
  ? readdirSync(corporaRoot).filter((e) => statSync(path.join(corporaRoot, e)).isDirectory())
  : [];

interface RootOut extends RootPageOut {
  root: { text: string };
  always: Array<{ ref: string; text: string }>;
}
interface ClauseOut {
  ref: string;
  text: string;
  digest: string;
}

type Served = StdioCli & { call: (name: string, args?: object) => Promise<CallToolResult> };

/** `specledger serve --specs NAME=DIR …` with a fresh ledger; each root is named by its folder. */
async function serveRoots(base: string, names: readonly string[], watch = false): Promise<Served> {
  const tmp: TempDir = makeTempDir('specledger-federation-');
  const cli = await connectStdioCli(
    [...names.flatMap((n) => ['--specs', `${n}=${path.join(base, n)}`]), '--ledger', tmp.at('ledger.db')],
    { watch },
  );
  return {
    ...cli,
    call: async (name, args = {}) =>
      (await cli.client.callTool({ name, arguments: args as Record<string, unknown> })) as CallToolResult,
    close: async () => {
      await cli.close();
      tmp.remove();
    },
  };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!corporaExist)(
  `six corpora as six roots${corporaExist ? '' : ` — skipped: ${corporaMissing}`}`,
  () => {
    let server: Served;
    beforeAll(async () => {
      server = await serveRoots(corporaRoot, corpora);
    }, 60_000);
    afterAll(() => server?.close());

    it('serves one root page for the federation within 800 tokens beyond the standing text, every spec ≤ 2 calls away', async () => {
      expect(corpora).toHaveLength(6);
      const result = await server.call('read_root');
      const first = structured<RootOut>(result);
      const standing =
        tokens.count(first.root.text) + first.always.reduce((n, a) => n + tokens.count(a.text), 0);
      expect(tokens.count(textOf(result)) - standing).toBeLessThanOrEqual(800);
      expect(first.next_cursor).toBeUndefined();
      for (const name of corpora) expect(first.root.text).toContain(`- ${name}:`);
      expect(first.specs.length + first.folders.reduce((n, f) => n + f.specs, 0)).toBe(first.total_specs);
      const walk = await walkCatalog(async (args) =>
        structured<RootOut>(await server.call('read_root', args)),
      );
      expect(walk.callsTo.size).toBe(first.total_specs);
      for (const [id, calls] of walk.callsTo)
        expect({ id, calls }).toEqual({ id, calls: Math.min(calls, 2) });
      // Every listed spec carries its root, and every root is listed.
      const roots = new Set([...walk.callsTo.keys()].map((id) => id.slice(0, id.indexOf(':'))));
      expect([...roots].sort()).toEqual([...corpora].sort());
    });

    it('resolves a ref per root, with or without the root, and records the root-qualified ref', async () => {
      const qualified = 'Fission-AI-OpenSpec:openspec/specs/cli-archive/spec#req-archive-process';
      for (const ref of [
        qualified,
        'Fission-AI-OpenSpec:cli-archive#req-archive-process',
        'cli-archive#req-archive-process',
      ]) {
        const clause = structured<ClauseOut>(await server.call('get_clause', { ref, run_id: 'per-root' }));
        expect(clause.ref).toBe(qualified);
      }
      const resource = await server.client.readResource({
        uri: 'spec://openai-model_spec%3Amodel_spec/overview',
      });
      expect(resource.contents[0]).toMatchObject({ text: expect.stringContaining('Overview') });
      const model = structured<ClauseOut>(
        await server.call('get_clause', { ref: 'openai-model_spec:model_spec#overview' }),
      );
      expect(model.ref).toBe('openai-model_spec:model_spec#overview');
      const reads = structured<{ reads: Array<{ ref: string }> }>(
        await server.call('get_provenance', { run_id: 'per-root' }),
      ).reads;
      expect(reads.map((r) => r.ref)).toEqual([qualified, qualified, qualified]);
    });

    it('refuses a bare ref that names a spec in several roots, listing each candidate once', async () => {
      const result = await server.call('get_clause', { ref: 'AGENTS' });
      expect(result.isError).toBe(true);
      const meta = result._meta?.['specledger/error'] as { candidates: string[] };
      expect(meta.candidates).toEqual(
        expect.arrayContaining([
          'Fission-AI-OpenSpec:AGENTS',
          'github-spec-kit:AGENTS',
          'openai-agents.md:AGENTS',
        ]),
      );
      const text = textOf(result);
      for (const ref of meta.candidates) expect(text.split(`${ref},`).length - 1).toBeLessThanOrEqual(1);
      expect(text).toMatch(/ROOT:SPEC/);
      // The same spec named with its root is not ambiguous.
      const one = await server.call('get_outline', { spec: 'openai-agents.md:AGENTS' });
      expect(one.isError).toBeFalsy();
    });

    it('publishes each root’s skills under its root, reading their files from that root', async () => {
      const skills = new SkillsClient(server.client);
      const listing = await skills.list();
      const ours = listing.skills.filter((s) => s.uri.startsWith('skill://anthropics-skills/'));
      expect(ours.length).toBeGreaterThan(0);
      const { skill } = await skills.get(ours[0]!.uri);
      const main = await skills.read(skill);
      expect(main.verified).toBe(true);
      expect(main.text).toMatch(/^---\nname: /);
    });

    it('searches across roots and names each hit by its root', async () => {
      const hits = structured<{ hits: Array<{ ref: string }> }>(
        await server.call('search_specs', { query: 'archive a change', limit: 5 }),
      ).hits;
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) expect(corpora).toContain(h.ref.slice(0, h.ref.indexOf(':')));
    });
  },
);

describe.skipIf(!corporaExist)(
  `live reload per root${corporaExist ? '' : ` — skipped: ${corporaMissing}`}`,
  () => {
    it('reloads the root whose file changed, leaves the others untouched, and keeps serving when one vanishes', async () => {
      const tmp = makeTempDir('specledger-federation-copy-');
      const names = ['openai-agents.md', 'kirodotdev-spirit-of-kiro', 'anthropics-skills'];
      for (const n of names) cpSync(path.join(corporaRoot, n), tmp.at(n), { recursive: true });
      const server = await serveRoots(tmp.dir, names, true);
      try {
        const clause = async (ref: string) => structured<ClauseOut>(await server.call('get_clause', { ref }));
        const agentsRef = 'openai-agents.md:AGENTS';
        const kiroRef = 'kirodotdev-spirit-of-kiro:HEAD/.kiro/steering/tech';
        const kiroBefore = await clause(kiroRef);
        const agentsBefore = await clause(agentsRef);
        writeFileSync(
          tmp.at('openai-agents.md/AGENTS.md'),
          '# AGENTS\n\nUse pnpm for every install, never npm.\n',
        );
        await until(async () => (await clause(agentsRef)).text.includes('Use pnpm'), 'the edit to be served');
        expect((await clause(agentsRef)).digest).not.toBe(agentsBefore.digest);
        expect((await clause(kiroRef)).digest).toBe(kiroBefore.digest);

        // A root that breaks is reported with file:line; its last good version and the other roots keep serving.
        writeFileSync(
          tmp.at('kirodotdev-spirit-of-kiro/HEAD/.kiro/steering/tech.md'),
          '---\ninclusion: [oops\n---\n# Tech\n',
        );
        await until(
          async () =>
            /kirodotdev-spirit-of-kiro\/HEAD\/\.kiro\/steering\/tech\.md:\d+: .*last good version still served/.test(
              server.stderr(),
            ),
          'the broken file to be reported',
        );
        expect((await clause(kiroRef)).digest).toBe(kiroBefore.digest);
        expect((await clause(agentsRef)).text).toContain('Use pnpm');

        rmSync(tmp.at('anthropics-skills'), { recursive: true, force: true });
        await until(async () => {
          const page = structured<RootOut>(await server.call('read_root'));
          return /^- anthropics-skills: not served now \(cannot list folder: /m.test(page.root.text);
        }, 'the vanished root to be dropped');
        expect((await clause(kiroRef)).digest).toBe(kiroBefore.digest);
        expect((await clause(agentsRef)).text).toContain('Use pnpm');
      } finally {
        await server.close();
        tmp.remove();
      }
    }, 60_000);
  },
);
