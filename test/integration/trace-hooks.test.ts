// The git hooks as a developer meets them: installed next to hooks already there, run by `git commit`, removed
// again; and the notes they write surviving amend, rebase, squash and cherry-pick.
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { readInput } from '../fixtures/ledger-records.js';
import { CLI_TEST_TIMEOUT, type GitRepoFixture, gitRepo } from '../helpers/git.js';

let repo: GitRepoFixture;
let ledger: string;

/** Records reads of `run` in the ledger now, as a server would while the agent works. */
async function agentReads(run: string, clauses: readonly string[]): Promise<void> {
  const store = await openLedger(ledger);
  try {
    await store.append(
      clauses.map((clause_id) =>
        readInput({ run_id: run, clause_id, ts: new Date().toISOString(), text: `${run} read ${clause_id}` }),
      ),
    );
  } finally {
    await store.close();
  }
}

/** The runs and clause refs of a commit's note, as `trace --json` reports them. */
async function provenanceOf(commit: string): Promise<{ runs: string[]; refs: string[] }> {
  const { runs, refs } = await linksOf(commit);
  return { runs: runs.map((r) => r.split(' ')[0] as string), refs };
}

/** Like provenanceOf, with each run as `RUN via`: a note carried over keeps how the run was declared. */
async function linksOf(commit: string): Promise<{ runs: string[]; refs: string[] }> {
  const r = await repo.specledger(['trace', commit, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const c = (
    JSON.parse(r.stdout) as {
      commits: Array<{ runs: Array<{ run: string; via: string }>; clauses: Array<{ ref: string }> }>;
    }
  ).commits[0]!;
  return { runs: c.runs.map((x) => `${x.run} ${x.via}`), refs: c.clauses.map((x) => x.ref).sort() };
}

function snapshotHooks(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => !f.endsWith('.sample'))
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
  );
}

beforeEach(() => {
  repo = gitRepo();
  ledger = repo.tmp.at('ledger.db');
  repo.write('README.md', 'hello\n');
  repo.commit('initial');
});
afterEach(() => repo.remove());

describe('specledger hooks', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('changes nothing when installed twice', async () => {
    expect((await repo.specledger(['hooks', 'install', '--ledger', ledger])).code).toBe(0);
    const hooks = snapshotHooks(path.join(repo.dir, '.git/hooks'));
    const config = repo.read('.git/config');
    const again = await repo.specledger(['hooks', 'install', '--ledger', ledger]);
    expect(again.stdout).toContain('post-commit: unchanged');
    expect(again.stdout).toContain('notes.rewriteRef refs/notes/specledger: present');
    expect(snapshotHooks(path.join(repo.dir, '.git/hooks'))).toEqual(hooks);
    expect(repo.read('.git/config')).toBe(config);
    expect(repo.git(['config', '--get-all', 'notes.rewriteRef'])).toBe('refs/notes/specledger');
  });

  it('keeps running a hook that was there first, and uninstall puts it back as it was', async () => {
    const hook = path.join(repo.dir, '.git/hooks/post-commit');
    const original = `#!/bin/sh\necho ran >> '${repo.tmp.at('marker')}'\n`;
    writeFileSync(hook, original);
    chmodSync(hook, 0o755);
    const configBefore = repo.read('.git/config');
    const installed = await repo.specledger(['hooks', 'install', '--ledger', ledger]);
    expect(installed.stdout).toContain('post-commit: chained');

    await agentReads('run-chain', ['AUTH-1']);
    const commit = repo.commit('during the run', { SPECLEDGER_RUN_ID: 'run-chain' });
    expect(readFileSync(repo.tmp.at('marker'), 'utf8')).toBe('ran\n');
    expect((await provenanceOf(commit)).runs).toEqual(['run-chain']);

    const removed = await repo.specledger(['hooks', 'uninstall']);
    expect(removed.stdout).toContain('post-commit: restored');
    expect(readFileSync(hook, 'utf8')).toBe(original);
    expect(existsSync(path.join(repo.dir, '.git/hooks/prepare-commit-msg'))).toBe(false);
    expect(repo.read('.git/config')).toBe(configBefore);
    repo.commit('after uninstall', { SPECLEDGER_RUN_ID: 'run-chain' });
    expect(readFileSync(repo.tmp.at('marker'), 'utf8')).toBe('ran\nran\n');
  });

  it('installs where core.hooksPath points', async () => {
    repo.git(['config', 'core.hooksPath', '.githooks']);
    const r = await repo.specledger(['hooks', 'install', '--ledger', ledger]);
    expect(r.stdout).toContain(`hooks in ${path.join(repo.dir, '.githooks')}`);
    expect(existsSync(path.join(repo.dir, '.git/hooks/post-commit'))).toBe(false);
    await agentReads('run-path', ['AUTH-2']);
    const commit = repo.commit('with a hooks path', { SPECLEDGER_RUN_ID: 'run-path' });
    expect(await provenanceOf(commit)).toEqual({ runs: ['run-path'], refs: ['auth#AUTH-2'] });
  });

  it("adds the Spec-Run trailer without running the repository's trailer commands", async () => {
    repo.git(['config', 'trailer.evil.command', `touch '${repo.tmp.at('trailer-ran')}'`]);
    await repo.specledger(['hooks', 'install', '--ledger', ledger]);
    await agentReads('run-trailer', ['AUTH-1']);
    const commit = repo.commit('with a trailer', { SPECLEDGER_RUN_ID: 'run-trailer' });
    expect(repo.git(['log', '-1', '--format=%B', commit])).toBe('with a trailer\n\nSpec-Run: run-trailer');
    expect(existsSync(repo.tmp.at('trailer-ran'))).toBe(false);
  });

  it('never lets a failure stop a commit', async () => {
    await repo.specledger(['hooks', 'install', '--ledger', repo.tmp.at('not-a-dir/ledger.db')]);
    writeFileSync(repo.tmp.at('not-a-dir'), 'a file where a folder should be');
    const before = repo.git(['rev-parse', 'HEAD']);
    expect(repo.commit('still commits', { SPECLEDGER_RUN_ID: 'run-x' })).not.toBe(before);
  });
});

describe('provenance through history rewrites', { timeout: CLI_TEST_TIMEOUT }, () => {
  beforeEach(async () => {
    await repo.specledger(['hooks', 'install', '--ledger', ledger]);
    repo.git(['checkout', '-q', '-b', 'feature']);
  });

  it('survives an amend', async () => {
    await agentReads('run-amend', ['AUTH-1', 'AUTH-2']);
    repo.write('a.ts', 'a\n');
    const commit = repo.commit('first try', { SPECLEDGER_RUN_ID: 'run-amend' });
    repo.git(['commit', '-q', '--amend', '-m', 'second try']);
    const amended = repo.git(['rev-parse', 'HEAD']);
    expect(amended).not.toBe(commit);
    expect(await linksOf(amended)).toEqual({ runs: ['run-amend env'], refs: ['auth#AUTH-1', 'auth#AUTH-2'] });
  });

  it('survives a rebase onto a moved base, and a squash of two linked commits into one', async () => {
    await agentReads('run-a', ['AUTH-1']);
    repo.write('a.ts', 'a\n');
    repo.commit('a', { SPECLEDGER_RUN_ID: 'run-a' });
    await agentReads('run-b', ['AUTH-3']);
    repo.write('b.ts', 'b\n');
    repo.commit('b', { SPECLEDGER_RUN_ID: 'run-b' });
    repo.git(['checkout', '-q', 'main']);
    repo.write('main.ts', 'main moved on\n');
    repo.commit('main moves');
    repo.git(['checkout', '-q', 'feature']);

    repo.git(['rebase', '-q', 'main']);
    const [b, a] = repo.git(['rev-list', '-2', 'HEAD']).split('\n') as [string, string];
    expect(await provenanceOf(a)).toEqual({ runs: ['run-a'], refs: ['auth#AUTH-1'] });
    expect(await provenanceOf(b)).toEqual({ runs: ['run-b'], refs: ['auth#AUTH-3'] });

    repo.git(['rebase', '-q', '-i', 'main'], {
      env: { GIT_SEQUENCE_EDITOR: "sed -i '2s/^pick/squash/'", GIT_EDITOR: 'true' },
    });
    const squashed = repo.git(['rev-parse', 'HEAD']);
    expect(repo.git(['rev-list', '--count', 'main..HEAD'])).toBe('1');
    expect(await provenanceOf(squashed)).toEqual({
      runs: ['run-a', 'run-b'],
      refs: ['auth#AUTH-1', 'auth#AUTH-3'],
    });
  });

  it('carries the note over on a cherry-pick', async () => {
    await agentReads('run-pick', ['AUTH-4']);
    repo.write('p.ts', 'p\n');
    const picked = repo.commit('to be picked', { SPECLEDGER_RUN_ID: 'run-pick' });
    repo.git(['checkout', '-q', 'main']);
    repo.write('main.ts', 'main moved on\n');
    repo.commit('main moves');
    repo.git(['cherry-pick', picked]);
    const copy = repo.git(['rev-parse', 'HEAD']);
    expect(copy).not.toBe(picked);
    expect(await linksOf(copy)).toEqual({ runs: ['run-pick env'], refs: ['auth#AUTH-4'] });
  });

  it('lists each clause once per run: the next commit of the run lists only what was read since', async () => {
    await agentReads('run-seq', ['AUTH-1']);
    repo.write('1.ts', '1\n');
    const one = repo.commit('one', { SPECLEDGER_RUN_ID: 'run-seq' });
    await agentReads('run-seq', ['AUTH-2']);
    repo.write('2.ts', '2\n');
    const two = repo.commit('two', { SPECLEDGER_RUN_ID: 'run-seq' });
    expect((await provenanceOf(one)).refs).toEqual(['auth#AUTH-1']);
    expect((await provenanceOf(two)).refs).toEqual(['auth#AUTH-2']);
  });

  it('guesses the run from ledger activity when nothing declares it, and says it guessed', async () => {
    await agentReads('run-undeclared', ['AUTH-5']);
    repo.write('g.ts', 'g\n');
    const commit = repo.commit('no run in the environment');
    const r = JSON.parse((await repo.specledger(['trace', commit, '--json'])).stdout) as {
      commits: Array<{ runs: Array<{ run: string; via: string }> }>;
    };
    expect(r.commits[0]?.runs).toEqual([
      expect.objectContaining({ run: 'run-undeclared', via: 'ledger-guess' }),
    ]);
    expect((await repo.specledger(['trace', commit])).stdout).toContain(
      'guessed from ledger activity, not declared',
    );
    // Nothing read since: the next undeclared commit is not pinned on the same run.
    repo.write('h.ts', 'h\n');
    const next = repo.commit('later, by hand');
    expect((await repo.specledger(['trace', next])).stdout).toContain('no provenance recorded');
  });
});
