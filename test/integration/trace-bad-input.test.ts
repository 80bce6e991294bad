// link, attest --commit, and what trace and report answer when git holds less than they need or something hostile.
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { readInput } from '../fixtures/ledger-records.js';
import { CLI_TEST_TIMEOUT, type GitRepoFixture, gitRepo } from '../helpers/git.js';
import { specsExample } from '../helpers/paths.js';

let repo: GitRepoFixture;
let ledger: string;
let base: string;
let linked: string;

/** A run that read auth#token-lifetime as the example corpus has it, then `link` ties a commit to it. */
beforeEach(async () => {
  repo = gitRepo({ specs: specsExample });
  ledger = repo.tmp.at('ledger.db');
  base = repo.commit('specs');
  const store = await openLedger(ledger);
  try {
    await store.append([
      readInput({
        run_id: 'bot-42',
        spec_id: 'auth',
        clause_id: 'token-lifetime',
        git_commit: base,
        ts: new Date().toISOString(),
        text: 'not the text: the digest below is what counts',
        digest: `sha256:${'e'.repeat(64)}`,
      }),
    ]);
  } finally {
    await store.close();
  }
  repo.write('src/bot.ts', 'export const bot = 1;\n');
  linked = repo.commit('a bot commit');
  const r = await repo.specledger(['link', '--commit', linked, '--run', 'bot-42', '--ledger', ledger]);
  expect(r.code, r.stderr).toBe(0);
});
afterEach(() => repo.remove());

describe('specledger link', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('links a commit to a run explicitly, once', async () => {
    const trace = JSON.parse((await repo.specledger(['trace', linked, '--json'])).stdout) as {
      commits: Array<{
        runs: Array<{ run: string; via: string }>;
        clauses: Array<{ ref: string; path: string }>;
      }>;
    };
    expect(trace.commits[0]?.runs.map((r) => [r.run, r.via])).toEqual([['bot-42', 'link']]);
    expect(trace.commits[0]?.clauses.map((c) => [c.ref, c.path])).toEqual([
      ['auth#token-lifetime', 'specs/specs/auth.md'],
    ]);
    const again = await repo.specledger(['link', '--commit', linked, '--run', 'bot-42', '--ledger', ledger]);
    expect(again.stdout).toContain('run bot-42 not linked: already linked to this commit');
  });

  it('says so when the ledger does not know the run', async () => {
    const r = await repo.specledger(['link', '--commit', linked, '--run', 'nobody', '--ledger', ledger]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('run nobody not linked: the ledger holds no read of it');
  });
});

describe('specledger attest --commit', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('attests a commit from its note alone', async () => {
    const r = await repo.specledger([
      'attest',
      '--commit',
      linked,
      '--ledger',
      repo.tmp.at('no-such-ledger.db'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const statement = JSON.parse(r.stdout) as {
      subject: Array<{ digest: { gitCommit: string } }>;
      predicate: {
        buildDefinition: { resolvedDependencies: Array<{ name: string; digest: { sha256: string } }> };
      };
    };
    expect(statement.subject[0]?.digest.gitCommit).toBe(linked);
    expect(statement.predicate.buildDefinition.resolvedDependencies).toEqual([
      expect.objectContaining({ name: 'auth#token-lifetime', digest: { sha256: 'e'.repeat(64) } }),
    ]);
  });

  it('says there is nothing to attest for a commit without a note', async () => {
    const r = await repo.specledger(['attest', '--commit', base]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`no provenance recorded for ${base.slice(0, 12)}`);
  });
});

describe('a commit that names its run in its own trailer', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('is traced through a Claude-Session trailer the ledger knows, without hooks or a note', async () => {
    repo.write('src/agent.ts', 'export const agent = 1;\n');
    repo.git(['add', '-A']);
    repo.git(['commit', '-q', '-m', 'agent work\n\nClaude-Session: bot-42']);
    const withLedger = JSON.parse(
      (await repo.specledger(['trace', 'HEAD', '--ledger', ledger, '--json'])).stdout,
    ) as {
      commits: Array<{
        provenance: string;
        runs: Array<{ run: string; via: string }>;
        clauses: Array<{ ref: string }>;
      }>;
    };
    expect(withLedger.commits[0]).toMatchObject({
      provenance: 'trailer',
      runs: [{ run: 'bot-42', via: 'trailer' }],
      clauses: [{ ref: 'auth#token-lifetime' }],
    });
    // Without a ledger nothing says the session is a run SpecLedger saw.
    const without = await repo.specledger(['trace', 'HEAD']);
    expect(without.stdout).toContain('no provenance recorded');
  });
});

describe('specledger report', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('does not count a merge commit as unlinked: git merge runs no commit hook', async () => {
    repo.git(['checkout', '-q', '-b', 'side', base]);
    repo.write('side.ts', 'side\n');
    const side = repo.commit('side work');
    repo.git(['checkout', '-q', 'main']);
    repo.git(['merge', '-q', '--no-ff', '-m', 'merge side', 'side']);
    const json = JSON.parse((await repo.specledger(['report', `${base}..HEAD`, '--json'])).stdout) as {
      commits: Array<{ commit: string; merge: boolean; provenance: string }>;
      linked: number;
      unlinked: number;
    };
    expect(
      json.commits
        .map((c) => [
          c.commit === side ? 'side' : c.commit === linked ? 'linked' : 'merge',
          c.merge,
          c.provenance,
        ])
        .sort(),
    ).toEqual([
      ['linked', false, 'note'],
      ['merge', true, 'none'],
      ['side', false, 'none'],
    ]);
    expect([json.linked, json.unlinked]).toEqual([1, 1]);
    expect((await repo.specledger(['report', `${base}..HEAD`])).stdout).toContain('| _merge_ |');
  });
});

describe('notes that cannot be read', { timeout: CLI_TEST_TIMEOUT }, () => {
  const overwrite = (text: string) =>
    repo.git(['notes', '--ref=refs/notes/specledger', 'add', '-f', '-m', text, linked]);

  it('names the commit and the fault of a note that does not parse, in trace and in report', async () => {
    overwrite('{"specledger":1,"run":');
    const trace = await repo.specledger(['trace', linked]);
    expect(trace.code).toBe(2);
    expect(trace.stderr).toContain(`note on commit ${linked.slice(0, 12)}`);
    expect(trace.stderr).toContain('does not parse: line 1 is not JSON');
    const report = await repo.specledger(['report', `${base}..HEAD`, '--json']);
    expect(report.code).toBe(2);
    const json = JSON.parse(report.stdout) as { problems: string[]; commits: Array<{ provenance: string }> };
    expect(json.problems[0]).toContain('does not parse');
    expect(json.commits[0]?.provenance).toBe('none');
  });

  it('refuses a note of a newer format, saying to upgrade', async () => {
    overwrite('{"specledger":9,"run":"x"}');
    const r = await repo.specledger(['trace', linked]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'note format 9, newer than the format 1 this SpecLedger reads: upgrade specledger',
    );
  });
});

describe('clones that lack what trace needs', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('names a commit a shallow clone does not have, and how to fetch it', async () => {
    const clone = repo.tmp.at('shallow');
    repo.git(['clone', '-q', '--depth', '1', `file://${repo.dir}`, clone]);
    const r = await repo.specledger(['trace', base], { cwd: clone });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'names no commit in this shallow clone: fetch the history with git fetch --unshallow',
    );
    const head = await repo.specledger(['trace', 'HEAD'], { cwd: clone });
    expect(head.stdout).toContain('this is a shallow clone');
    expect(head.stdout).toContain("git fetch origin 'refs/notes/specledger:refs/notes/specledger'");
  });

  it('answers outside a repository with what is wrong', async () => {
    const r = await repo.specledger(['trace', 'HEAD'], { cwd: repo.tmp.at('home') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not inside a git work tree');
  });

  it('refuses a path outside the repository and a line range backwards', async () => {
    expect((await repo.specledger(['trace', '../elsewhere.ts:3'])).stderr).toContain(
      'is outside the repository',
    );
    expect((await repo.specledger(['trace', 'src/bot.ts:5-2'])).stderr).toContain('FROM-TO with FROM ≤ TO');
  });
});

describe('a repository with hostile git config', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('traces and reports without running anything the repository configured', async () => {
    const markers = repo.tmp.at('markers');
    repo.write('../markers/.keep', '');
    const leave = (name: string) => `touch '${path.join(markers, name)}'`;
    repo.write('.gitattributes', '*.md filter=evil diff=evil\n*.ts filter=evil diff=evil\n');
    repo.commit('attributes');
    repo.git(['config', 'core.fsmonitor', `${leave('fsmonitor')}; false`]);
    repo.git(['config', 'filter.evil.clean', `${leave('clean')}; cat`]);
    repo.git(['config', 'filter.evil.smudge', `${leave('smudge')}; cat`]);
    repo.git(['config', 'diff.evil.textconv', `${leave('textconv')}; cat`]);
    repo.git(['config', 'core.pager', `${leave('pager')}; cat`]);
    repo.git(['config', 'blame.ignoreRevsFile', '.no-such-file']);
    writeFileSync(path.join(repo.dir, '.git/hooks/post-index-change'), `#!/bin/sh\n${leave('hook')}\n`);
    chmodSync(path.join(repo.dir, '.git/hooks/post-index-change'), 0o755);

    expect((await repo.specledger(['trace', linked, '--diff'])).code).toBe(0);
    const blamed = await repo.specledger(['trace', 'src/bot.ts:1']);
    expect(blamed.stderr).toContain('blame.ignoreRevsFile names a file that does not exist (.no-such-file)');
    repo.git(['config', '--unset', 'blame.ignoreRevsFile']);
    expect((await repo.specledger(['trace', 'src/bot.ts:1'])).code).toBe(0);
    expect((await repo.specledger(['report', `${base}..HEAD`, '--specs', 'specs'])).code).toBe(0);
    expect(readdirSync(markers).filter((m) => m !== '.keep')).toEqual([]);
  });
});
