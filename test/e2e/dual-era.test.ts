// Both protocol eras on both transports, end to end: the real v2 SDK client against the built CLI, over a real stdio
// subprocess and real HTTP (sessions and stateless), legacy-pinned, modern-pinned and auto-negotiating.
import { cpSync } from 'node:fs';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SkillsClient } from '@modelcontextprotocol/client/ext/skills';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions, connectStdioCli, type EraMode, type HttpCli, startHttpCli } from '../helpers/cli.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir, writeTree } from '../helpers/temp.js';

const TOOLS = [
  'read_root',
  'get_outline',
  'get_clause',
  'search_specs',
  'specs_for_path',
  'get_provenance',
  'spec_status',
];

const SKILL = `---
name: review-spec-change
description: Review a change to a governed spec before it is approved.
---

# Review a spec change

Read [the checklist](references/checklist.md) and apply every item.
`;
const CHECKLIST = '# Checklist\n\n- The version is bumped.\n- Every changed clause keeps its ID.\n';

let tmp: TempDir;
let specs: string;
const http: Record<'stateful' | 'stateless', HttpCli | undefined> = {
  stateful: undefined,
  stateless: undefined,
};

beforeAll(async () => {
  tmp = makeTempDir('specledger-eras-');
  specs = tmp.at('specs');
  cpSync(specsExample, specs, { recursive: true });
  writeTree(specs, {
    'skills/review-spec-change/SKILL.md': SKILL,
    'skills/review-spec-change/references/checklist.md': CHECKLIST,
  });
  http.stateful = await startHttpCli(['--specs', specs, '--ledger', tmp.at('stateful.db')]);
  http.stateless = await startHttpCli(['--stateless', '--specs', specs, '--ledger', tmp.at('stateless.db')]);
}, 60_000);

afterAll(async () => {
  for (const server of Object.values(http)) {
    server?.child.kill('SIGTERM');
    await server?.exited;
  }
  tmp?.remove();
});

type Transport = 'stdio' | 'stateful' | 'stateless';

async function connect(
  transport: Transport,
  era: EraMode,
): Promise<{ client: Client; close(): Promise<void> }> {
  if (transport === 'stdio') {
    const cli = await connectStdioCli(['--specs', specs, '--ledger', tmp.at(`stdio-${era}.db`)], { era });
    return { client: cli.client, close: () => cli.close() };
  }
  const client = new Client({ name: `eras-${era}`, version: '1.0.0' }, clientOptions(era));
  await client.connect(new StreamableHTTPClientTransport(new URL((http[transport] as HttpCli).url)));
  return { client, close: () => client.close() };
}

const text = (result: { content?: unknown }): string =>
  ((result.content ?? []) as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');

describe.each(['stdio', 'stateful', 'stateless'] as const)('over %s', (transport) => {
  describe.each(['legacy', 'modern', 'auto'] as const)('%s client', (era) => {
    let client: Client;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ client, close } = await connect(transport, era));
    }, 30_000);
    afterAll(async () => close?.());

    it('negotiates the era it asked for (auto lands on 2026-07-28)', () => {
      expect(client.getProtocolEra()).toBe(era === 'legacy' ? 'legacy' : 'modern');
      expect(client.getServerVersion()?.name).toBe('specledger');
    });

    it('lists every tool in the same order and answers each one', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(TOOLS);
      const calls: Record<string, Record<string, unknown>> = {
        read_root: {},
        get_outline: { spec: 'auth' },
        get_clause: { ref: 'auth#key-storage' },
        search_specs: { query: 'refund window' },
        specs_for_path: { path: 'services/refunds/handler.ts' },
        get_provenance: {},
        spec_status: {},
      };
      for (const name of TOOLS) {
        const result = await client.callTool({ name, arguments: calls[name] });
        expect(result.isError, `${name}: ${text(result)}`).toBeFalsy();
        expect(result.structuredContent, name).toBeDefined();
      }
      const clause = await client.callTool({ name: 'get_clause', arguments: { ref: 'auth#key-storage' } });
      expect(text(clause)).toContain('AUTH-4');
    });

    it('serves resources: the list, templates, current text, a pinned version, and -32602 for unknown URIs', async () => {
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toContain('spec://auth');
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('spec://{spec}/{clause}@{digest}');
      const clause = await client.callTool({ name: 'get_clause', arguments: { ref: 'auth#key-storage' } });
      const digest = (clause.structuredContent as { digest: string }).digest;
      const current = await client.readResource({ uri: 'spec://auth/key-storage' });
      const pinned = await client.readResource({ uri: `spec://auth/key-storage@${digest}` });
      expect((pinned.contents[0] as { text: string }).text).toBe(
        (current.contents[0] as { text: string }).text,
      );
      await expect(client.readResource({ uri: 'spec://no-such-spec' })).rejects.toMatchObject({
        code: -32602,
      });
      await expect(client.readResource({ uri: 'other://thing' })).rejects.toMatchObject({ code: -32602 });
    });

    it('serves the prompts', async () => {
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(['start_task', 'cite_specs']);
      const prompt = await client.getPrompt({ name: 'start_task', arguments: { task: 'rotate keys' } });
      expect(JSON.stringify(prompt.messages)).toContain('rotate keys');
    });

    it('serves SKILL.md files as skills with verified file manifests, and records each file read', async () => {
      const skills = new SkillsClient(client);
      expect(skills.supported).toBe(true);
      const listing = await skills.list();
      const skill = listing.skills.find((s) => s.frontmatter.name === 'review-spec-change');
      expect(skill, JSON.stringify(listing)).toBeDefined();
      const resources = skill?.resources === 'dynamic' ? [] : (skill?.resources ?? []);
      expect(resources.map((r) => path.posix.basename(r.uri)).sort()).toEqual(['SKILL.md', 'checklist.md']);
      const { skill: got } = await skills.get(skill!.uri);
      expect(got.uri).toBe(skill!.uri);
      const main = await skills.read(got);
      expect(main.verified).toBe(true);
      expect(main.text).toContain('Review a spec change');
      const checklist = await skills.read(got, 'references/checklist.md');
      expect(checklist.verified).toBe(true);
      expect(checklist.text).toBe(CHECKLIST);
      const provenance = await client.callTool({ name: 'get_provenance', arguments: { limit: 200 } });
      const reads = (provenance.structuredContent as { reads: Array<{ ref: string | null; kind: string }> })
        .reads;
      expect(reads.filter((r) => r.ref?.endsWith('SKILL')).length).toBeGreaterThanOrEqual(2);
    });
  });
});

describe('2026-07-28 cache hints', () => {
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'cache-hints', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const ask = async (method: string, params: Record<string, unknown>, name?: string) => {
    const response = await fetch((http.stateless as HttpCli).url, {
      method: 'POST',
      headers: {
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': method,
        ...(name ? { 'mcp-name': name } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: envelope } }),
    });
    return ((await response.json()) as { result: Record<string, unknown> }).result;
  };

  it('lets a pinned version be cached and never current text, which a reload may change', async () => {
    const clause = await ask(
      'tools/call',
      { name: 'get_clause', arguments: { ref: 'auth#key-storage' } },
      'get_clause',
    );
    const digest = (clause.structuredContent as { digest: string }).digest;
    const pinnedUri = `spec://auth/key-storage@${digest}`;
    const pinned = await ask('resources/read', { uri: pinnedUri }, pinnedUri);
    const current = await ask(
      'resources/read',
      { uri: 'spec://auth/key-storage' },
      'spec://auth/key-storage',
    );
    const list = await ask('resources/list', {});
    expect(pinned.ttlMs).toBeGreaterThan(0);
    expect(current.ttlMs).toBe(0);
    expect(list.ttlMs).toBe(0);
    for (const result of [pinned, current, list]) expect(result.cacheScope).toBe('private');
  });
});
