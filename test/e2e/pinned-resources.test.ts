// Pinned and deprecated resources against the built server over stdio: a pin serves only a version of that very
// clause, and resources/read makes the same deprecation check as get_clause.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import type { ReadRecord } from '../../src/ledger/types.js';
import { connectStdioCli, type StdioCli } from '../helpers/cli.js';
import { specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

type Clause = { digest: string; text: string; version: string };

describe('pinned spec:// URIs', () => {
  let tmp: TempDir;
  let specs: string;
  let ledgerPath: string;
  let stdio: StdioCli;

  const getClause = async (args: Record<string, unknown>) =>
    ((await stdio.client.callTool({ name: 'get_clause', arguments: args })) as CallToolResult)
      .structuredContent as Clause;
  const readText = async (uri: string) =>
    ((await stdio.client.readResource({ uri })).contents[0] as { text: string }).text;
  const recorded = async (): Promise<ReadRecord[]> => {
    const store = await openLedger(ledgerPath, { readonly: true });
    try {
      return await store.reads({ spec_id: 'auth' });
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    tmp = makeTempDir();
    specs = tmp.at('specs');
    ledgerPath = tmp.at('ledger.db');
    cpSync(specsExample, specs, { recursive: true });
    // Watching, so an edit to auth.md makes the read version an old one.
    stdio = await connectStdioCli(['--specs', specs, '--ledger', ledgerPath], { watch: true });
  }, 30_000);
  afterAll(async () => {
    await stdio.close();
    tmp.remove();
  });

  it("refuses a digest of another clause's text, and records nothing for the clause it named", async () => {
    // The webhooks-v1 text is now in the ledger's content-addressed store under its digest.
    const foreign = await getClause({ ref: 'webhooks-v1#scope', allow_deprecated: true });
    await expect(readText(`spec://auth/rotation@${foreign.digest}`)).rejects.toThrow(
      /the ledger never served sha256:[0-9a-f]{64} as auth#rotation/,
    );
    expect((await recorded()).filter((r) => r.digest === foreign.digest)).toEqual([]);
  });

  it('serves an older version of the clause itself, recorded with the version it had', async () => {
    const before = await getClause({ ref: 'auth#rotation' });
    const file = path.join(specs, 'specs/auth.md');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('version: 1.4.0', 'version: 1.5.0')
        .replace('within 60 seconds on every API node', 'within 30 seconds on every API node'),
    );
    await vi.waitFor(async () => expect(await readText('spec://auth/rotation')).toContain('30 seconds'), {
      timeout: 10_000,
      interval: 100,
    });
    const pinned = await readText(`spec://auth/rotation@${before.digest}`);
    expect(pinned).toBe(before.text);
    const last = (await recorded()).at(-1);
    expect(last).toMatchObject({ kind: 'resource', clause_id: 'rotation', digest: before.digest });
    // The version that text had, not the version the file has now.
    expect(last?.spec_version).toBe('1.4.0');
  });

  it('refuses a deprecated spec as get_clause does, naming its successor', async () => {
    await expect(readText('spec://webhooks-v1/scope')).rejects.toThrow(
      /spec "webhooks-v1" is deprecated: superseded by "webhooks"; read that instead, or read it with get_clause and allow_deprecated: true/,
    );
    await expect(readText('spec://webhooks-v1')).rejects.toThrow(/deprecated/);
  });
});
