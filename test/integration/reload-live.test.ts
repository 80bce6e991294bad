// Live reload end to end: a real chokidar watcher on a temp folder, a real SDK client, the real ledger.
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUTH,
  clauseText,
  type Harness,
  OLD_LIFETIME,
  PAYMENTS,
  serves,
  startLiveReload,
  TOKEN_LIFETIME,
  TOKEN_LIFETIME_URI,
} from '../helpers/live-reload.js';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(options: { poll?: boolean } = {}): Promise<Harness> {
  const h = await startLiveReload(options);
  cleanups.push(h.close);
  return h;
}

describe('live reload (watchCorpus + MCP server)', () => {
  it('serves an edited clause with its new text and digest on the next get_clause', async () => {
    const h = await start();
    const before = await h.clause(TOKEN_LIFETIME);
    expect(before.text).toContain(OLD_LIFETIME);

    writeFileSync(h.file('specs/auth.md'), AUTH('Access tokens expire after 15 minutes.'));
    await h.until('the edit to be served', serves(h, TOKEN_LIFETIME, '15 minutes'));

    const after = await h.clause(TOKEN_LIFETIME);
    expect(after.text).toContain('Access tokens expire after 15 minutes.');
    expect(after.text).not.toContain(OLD_LIFETIME);
    expect(after.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(after.digest).not.toBe(before.digest);
    // A bare clause ID resolves against the new snapshot too.
    expect(await h.clause('token-lifetime')).toEqual(after);
  });

  it('serves a clause appended to a file and leaves the clauses before it untouched', async () => {
    const h = await start();
    const lifetime = await h.clause(TOKEN_LIFETIME);

    appendFileSync(
      h.file('specs/auth.md'),
      '\n## Revocation {#revocation}\n\nA revoked key stops working within 60 seconds.\n',
    );
    await h.until('the appended clause', serves(h, 'auth#revocation', 'within 60 seconds'));

    expect((await h.clause('auth#revocation')).text).toContain(
      'A revoked key stops working within 60 seconds.',
    );
    expect((await h.clause(TOKEN_LIFETIME)).digest).toBe(lifetime.digest);
  });

  it('keeps the last good version of a file caught half-written, reports it with file:line, and serves the fix', async () => {
    const h = await start();
    const good = await h.clause(TOKEN_LIFETIME);
    const next = AUTH('Access tokens expire after 5 minutes.');

    // The first bytes of a save: the frontmatter is opened but not yet closed.
    writeFileSync(h.file('specs/auth.md'), next.slice(0, 40));
    await h.until('the half-written file to be reported', () =>
      h.snapshot().problems.some((p) => p.file === 'specs/auth.md'),
    );

    expect(await h.clause(TOKEN_LIFETIME)).toEqual(good);
    const problem = h.snapshot().problems.find((p) => p.file === 'specs/auth.md');
    expect(problem).toMatchObject({
      file: 'specs/auth.md',
      line: 1,
      rule: 'frontmatter-syntax',
      severity: 'error',
    });
    await h.until('a warning to reach the client', () =>
      h.logs.some((l) => l.startsWith('specs/auth.md:1: ')),
    );
    expect(h.logs.find((l) => l.startsWith('specs/auth.md:1: '))).toContain('last good version still served');
    expect(h.stderr.some((l) => l.includes('specs/auth.md:1: '))).toBe(true);
    const root = await h.client.callTool({ name: 'read_root', arguments: {} });
    expect((root.structuredContent as { problems: number }).problems).toBeGreaterThan(0);

    writeFileSync(h.file('specs/auth.md'), next);
    await h.until('the fixed file to be served', serves(h, TOKEN_LIFETIME, '5 minutes'));
    expect((await h.clause(TOKEN_LIFETIME)).text).toContain('Access tokens expire after 5 minutes.');
    expect(h.snapshot().problems.filter((p) => p.file === 'specs/auth.md')).toEqual([]);
  });

  it('keeps serving a file while it is truncated to nothing and rewritten', async () => {
    const h = await start();
    writeFileSync(h.file('specs/auth.md'), '');
    // Longer than the debounce, shorter than the settle time: a slow writer between truncate and write.
    await sleep(40);
    writeFileSync(h.file('specs/auth.md'), AUTH('Access tokens expire after 30 minutes.'));
    await h.until('the rewritten file', serves(h, TOKEN_LIFETIME, '30 minutes'));

    for (const r of h.reloads) expect(clauseText(r.after, TOKEN_LIFETIME)).toBeDefined();
    expect(h.listChanged.count).toBe(0);
  });

  it('re-reads a file whose last write landed inside chokidar’s change throttle', async () => {
    const h = await start();
    const full = AUTH(
      'Access tokens expire after 10 minutes.',
      '\n\n## Audit {#audit}\n\nEvery token exchange is logged.',
    );
    const cut = full.indexOf('## Rotation');
    const fd = openSync(h.file('specs/auth.md'), 'w');
    try {
      // The first half parses fine on its own; the second lands after the first re-read but within 50 ms.
      writeSync(fd, full.slice(0, cut));
      await sleep(35);
      writeSync(fd, full.slice(cut));
    } finally {
      closeSync(fd);
    }
    await h.until('the complete file', serves(h, 'auth#audit', 'Every token exchange is logged.'));
    expect((await h.clause(TOKEN_LIFETIME)).text).toContain('10 minutes');
  });

  it('serves a save by rename (write a temp file, rename it over the spec) without the spec disappearing', async () => {
    const h = await start();
    writeFileSync(h.file('specs/auth.md.tmp'), AUTH('Access tokens expire after 45 minutes.'));
    renameSync(h.file('specs/auth.md.tmp'), h.file('specs/auth.md'));
    await h.until('the renamed-in save', serves(h, TOKEN_LIFETIME, '45 minutes'));

    expect((await h.clause(TOKEN_LIFETIME)).text).toContain('45 minutes');
    for (const r of h.reloads) expect(r.after.spec('auth')).toBeDefined();
    expect(h.listChanged.count).toBe(0);
  });

  it('serves a save by delete-and-recreate without the spec disappearing', async () => {
    const h = await start();
    unlinkSync(h.file('specs/auth.md'));
    await sleep(40);
    writeFileSync(h.file('specs/auth.md'), AUTH('Access tokens expire after 20 minutes.'));
    await h.until('the recreated file', serves(h, TOKEN_LIFETIME, '20 minutes'));

    for (const r of h.reloads) expect(r.after.spec('auth')).toBeDefined();
    expect(h.listChanged.count).toBe(0);
  });

  it('drops a deleted spec and announces resources/list_changed', async () => {
    const h = await start();
    expect((await h.clause('payments#refunds')).text).toContain('original payment method');

    unlinkSync(h.file('specs/payments.md'));
    await h.until(
      'list_changed after the delete',
      () => h.listChanged.count > 0 && !h.snapshot().spec('payments'),
    );

    const gone = await h.client.callTool({ name: 'get_clause', arguments: { ref: 'payments#refunds' } });
    expect(gone.isError).toBe(true);
    const { resources } = await h.client.listResources();
    expect(resources.map((r) => r.uri)).not.toContain('spec://payments');
  });

  it('follows a renamed file and a renamed folder', async () => {
    const h = await start();
    expect(h.snapshot().spec('specs/notes')).toBeDefined();

    renameSync(h.file('specs/notes.md'), h.file('specs/memo.md'));
    await h.until(
      'the renamed file',
      () => h.snapshot().spec('specs/memo') !== undefined && h.snapshot().spec('specs/notes') === undefined,
    );
    await h.until('list_changed after the rename', () => h.listChanged.count > 0);
    expect((await h.clause('specs/memo#glossary')).text).toContain('A merchant sells things.');

    renameSync(h.file('specs/area'), h.file('specs/region'));
    await h.until(
      'the renamed folder',
      () => h.snapshot().spec('area-policy')?.path === 'specs/region/policy.md',
    );
    expect((await h.clause('area-policy#scope')).text).toContain('Everything in the area.');
  });

  it('serves a spec written into a new folder', async () => {
    const h = await start();
    mkdirSync(h.file('specs/new-area/deep'), { recursive: true });
    writeFileSync(
      h.file('specs/new-area/deep/spec.md'),
      '---\nid: deep-spec\ntitle: Deep\n---\n\n## Rule {#rule}\n\nNew folders are watched.\n',
    );
    await h.until('the spec in the new folder', serves(h, 'deep-spec#rule', 'New folders are watched.'));
    await h.until('list_changed for the new spec', () => h.listChanged.count > 0);

    // A later edit in that folder is seen too: the new folder is watched, not only listed.
    writeFileSync(
      h.file('specs/new-area/deep/spec.md'),
      '---\nid: deep-spec\ntitle: Deep\n---\n\n## Rule {#rule}\n\nAnd edits inside them.\n',
    );
    await h.until('the edit in the new folder', serves(h, 'deep-spec#rule', 'And edits inside them.'));
  });

  it('ignores .git, node_modules, the ledger folder and files that are not specs', async () => {
    const h = await start();
    for (const dir of ['.git', 'node_modules/pkg', '.specledger']) {
      mkdirSync(h.file(dir), { recursive: true });
      writeFileSync(
        h.file(`${dir}/stray.md`),
        '---\nid: stray\n---\n\n## Stray {#stray}\n\nMust not be served.\n',
      );
    }
    writeFileSync(h.file('specs/notes.txt'), 'not a spec');
    writeFileSync(h.file('specs/auth.md'), AUTH('Access tokens expire after 90 minutes.'));
    await h.until('the real edit', serves(h, TOKEN_LIFETIME, '90 minutes'));

    expect(h.snapshot().spec('stray')).toBeUndefined();
    expect(
      h
        .snapshot()
        .specs.map((s) => s.path)
        .filter((p) => !p.startsWith('specs/') && p !== 'README.md'),
    ).toEqual([]);
  });

  it('sends resources/updated to a subscribed client when that clause changes, and not for edits elsewhere', async () => {
    const h = await start();
    await h.client.subscribeResource({ uri: TOKEN_LIFETIME_URI });

    writeFileSync(h.file('specs/payments.md'), PAYMENTS('Refunds take up to 10 business days.'));
    await h.until('the payments edit', serves(h, 'payments#refunds', '10 business days'));
    writeFileSync(h.file('specs/auth.md'), AUTH(OLD_LIFETIME, '\n\nRotation is logged.'));
    await h.until(
      'the edit to another clause of the same file',
      serves(h, 'auth#rotation', 'Rotation is logged.'),
    );
    // Notifications and responses share one ordered channel: once a ping returns, any notification sent before it has arrived.
    await h.client.ping();
    expect(h.updated).toEqual([]);

    writeFileSync(
      h.file('specs/auth.md'),
      AUTH('Access tokens expire after 15 minutes.', '\n\nRotation is logged.'),
    );
    await h.until('resources/updated for the subscribed clause', () =>
      h.updated.includes(TOKEN_LIFETIME_URI),
    );
    expect(h.updated).toEqual([TOKEN_LIFETIME_URI]);
    const read = await h.client.readResource({ uri: TOKEN_LIFETIME_URI });
    expect((read.contents[0] as { text: string }).text).toContain('15 minutes');

    await h.client.unsubscribeResource({ uri: TOKEN_LIFETIME_URI });
    writeFileSync(h.file('specs/auth.md'), AUTH('Access tokens expire after 16 minutes.'));
    await h.until('the edit after unsubscribing', serves(h, TOKEN_LIFETIME, '16 minutes'));
    await h.client.ping();
    expect(h.updated).toEqual([TOKEN_LIFETIME_URI]);
  });

  it('keeps the ledger coherent: the next read records the new digest and the old text stays recoverable', async () => {
    const h = await start();
    const oldText = clauseText(h.snapshot(), TOKEN_LIFETIME)!;
    const before = await h.clause(TOKEN_LIFETIME, 'run-reload');

    writeFileSync(h.file('specs/auth.md'), AUTH('Access tokens expire after 15 minutes.'));
    await h.until('the edit', serves(h, TOKEN_LIFETIME, '15 minutes'));
    const after = await h.clause(TOKEN_LIFETIME, 'run-reload');

    const reads = await h.app.ledger.reads({ run_id: 'run-reload' });
    expect(reads.map((r) => r.digest)).toEqual([before.digest, after.digest]);
    expect(await h.app.ledger.servedText(before.digest)).toBe(oldText);
    expect(await h.app.ledger.servedText(after.digest)).toContain('15 minutes');
    const pinned = await h.client.readResource({ uri: `${TOKEN_LIFETIME_URI}@${before.digest}` });
    expect((pinned.contents[0] as { text: string }).text).toBe(oldText);
    expect(await h.app.ledger.verify()).toMatchObject({ ok: true });
  });

  it('lets a request that holds a snapshot finish on it while a reload swaps in the next', async () => {
    const h = await start();
    const held = h.snapshot();
    const heldDigest = held.resolve(TOKEN_LIFETIME).clause!.digest;

    writeFileSync(h.file('specs/auth.md'), AUTH('Access tokens expire after 15 minutes.'));
    await h.until('the edit', serves(h, TOKEN_LIFETIME, '15 minutes'));

    const current = h.snapshot();
    expect(current).not.toBe(held);
    expect(current.generation).toBeGreaterThan(held.generation);
    expect(held.resolve(TOKEN_LIFETIME).clause!.text).toContain(OLD_LIFETIME);
    expect(held.resolve(TOKEN_LIFETIME).clause!.digest).toBe(heldDigest);
    expect(current.resolve(TOKEN_LIFETIME).clause!.digest).not.toBe(heldDigest);
  });

  it('reloads by polling when asked to', async () => {
    const h = await start({ poll: true });
    writeFileSync(h.file('specs/auth.md'), AUTH('Access tokens expire after 15 minutes.'));
    await h.until('the polled edit', serves(h, TOKEN_LIFETIME, '15 minutes'));
    expect((await h.clause(TOKEN_LIFETIME)).text).toContain('15 minutes');
  });
});
