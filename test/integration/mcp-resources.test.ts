// MCP resources (spec://…, current and pinned) and prompts through a real SDK client over the in-memory transport.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { ProtocolError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connected, connect } from '../helpers/mcp.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

async function readText(c: Connected, uri: string): Promise<string> {
  const { contents } = await c.client.readResource({ uri });
  expect(contents).toHaveLength(1);
  expect(contents[0]!.uri).toBe(uri);
  return (contents[0] as { text: string }).text;
}

describe('MCP resources', () => {
  let tmp: TempDir;
  let c: Connected;
  beforeAll(async () => {
    // A copy, so one test can edit a spec and see the pinned version survive.
    tmp = makeTempDir();
    cpSync(specsExample, tmp.dir, { recursive: true });
    c = await connect(tmp.dir);
  });
  afterAll(async () => {
    await c.close();
    tmp.remove();
  });

  it('lists spec://root and one resource per catalog spec', async () => {
    const { resources } = await c.client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris[0]).toBe('spec://root');
    expect(uris).toEqual(expect.arrayContaining(['spec://auth', 'spec://refunds', 'spec://webhooks-v1']));
    expect(uris).toHaveLength(c.app.corpus.current().catalog.length + 1);
    expect(resources.find((r) => r.uri === 'spec://auth')).toMatchObject({
      title: 'Authentication and API keys',
      mimeType: 'text/markdown',
    });
  });

  it('offers templates for specs and clauses, current and pinned (pinned first: they match first)', async () => {
    const { resourceTemplates } = await c.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).filter((u) => u.startsWith('spec://'))).toEqual([
      'spec://{spec}/{clause}@{digest}',
      'spec://{spec}@{digest}',
      'spec://{spec}/{clause}',
      'spec://{spec}',
    ]);
  });

  it('reads spec://root as the root page: root document, standing rules and catalog', async () => {
    const text = await readText(c, 'spec://root');
    expect(text).toContain('Acme Payments API');
    expect(text).toContain('ENG-1');
    expect(text).toContain('- auth — Authentication and API keys');
    expect(c.app.tokens.count(text)).toBeLessThanOrEqual(1500);
  });

  it('reads spec://{spec} as the whole file, frontmatter included', async () => {
    const text = await readText(c, 'spec://auth');
    expect(text).toBe(readFileSync(`${tmp.dir}/specs/auth.md`, 'utf8'));
  });

  it('reads spec://{spec}/{clause} as the clause text, and records the read', async () => {
    const text = await readText(c, 'spec://auth/token-lifetime');
    const clause = c.app.corpus.current().resolve('auth#token-lifetime').clause!;
    expect(text).toBe(clause.text);
    const reads = await c.app.ledger.reads({ digest: clause.digest });
    expect(
      reads.some(
        (r) => r.kind === 'resource' && r.tool === 'resources/read' && r.clause_id === 'token-lifetime',
      ),
    ).toBe(true);
  });

  it('serves a pinned URI at the current digest as the current text', async () => {
    const clause = c.app.corpus.current().resolve('auth#token-lifetime').clause!;
    expect(await readText(c, `spec://auth/token-lifetime@${clause.digest}`)).toBe(clause.text);
  });

  it('keeps serving the pinned version after the file changes, while the plain URI moves on', async () => {
    const before = c.app.corpus.current().resolve('auth#key-format').clause!;
    await readText(c, 'spec://auth/key-format'); // the ledger stores the text it served
    const file = `${tmp.dir}/specs/auth.md`;
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('32 characters of base62', '40 characters of base62'),
    );
    await c.app.applyReload(c.app.corpus.reload(['specs/auth.md']));
    const now = await readText(c, 'spec://auth/key-format');
    expect(now).toContain('40 characters of base62');
    const pinned = await readText(c, `spec://auth/key-format@${before.digest}`);
    expect(pinned).toBe(before.text);
    expect(pinned).toContain('32 characters of base62');
  });

  it('refuses a pinned digest the ledger never recorded', async () => {
    const never = `sha256:${'0'.repeat(64)}`;
    await expect(c.client.readResource({ uri: `spec://auth/token-lifetime@${never}` })).rejects.toThrow(
      /no recorded text/,
    );
  });

  it('answers an unknown spec or clause with a protocol error that suggests the right one', async () => {
    const error = await c.client.readResource({ uri: 'spec://auth/token-lifetim' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).message).toMatch(/auth#token-lifetime/);
    await expect(c.client.readResource({ uri: 'spec://no-such-spec' })).rejects.toThrow(ProtocolError);
  });

  it('answers a URI that is not a spec URI with invalid params (-32602), naming it', async () => {
    await expect(c.client.readResource({ uri: 'file:///etc/passwd' })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('file:///etc/passwd'),
    });
  });
});

describe('MCP prompts', () => {
  let c: Connected;
  beforeAll(async () => {
    c = await connect(specsExample);
  });
  afterAll(async () => {
    await c.close();
  });

  it('lists the prompts', async () => {
    const { prompts } = await c.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['cite_specs', 'start_task']);
  });

  it('starts a task from the root, using the path when one is given', async () => {
    const { messages } = await c.client.getPrompt({
      name: 'start_task',
      arguments: { task: 'add partial refunds', path: 'services/refunds/api.ts' },
    });
    const text = (messages[0]!.content as { text: string }).text;
    expect(text).toContain('Task: add partial refunds');
    expect(text).toContain('read_root');
    expect(text).toContain('specs_for_path {"path":"services/refunds/api.ts"}');
  });

  it('asks for a "Specs used" block from get_provenance', async () => {
    const { messages } = await c.client.getPrompt({ name: 'cite_specs', arguments: {} });
    expect((messages[0]!.content as { text: string }).text).toContain('get_provenance');
  });
});
