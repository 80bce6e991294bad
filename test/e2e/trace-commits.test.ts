// From a commit or a line back to the run and the clause versions it read: a real agent session, real git commits
// through the installed hooks, a spec edited afterwards, then trace and report — here, and in a fresh clone.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { connectStdioCli } from '../helpers/cli.js';
import { CLI_TEST_TIMEOUT, type GitRepoFixture, gitRepo } from '../helpers/git.js';
import { builtCli, repoRoot, specsExample } from '../helpers/paths.js';

const RUN = 'run-e2e-trace';

interface TraceJson {
  at: { ref: string; commit: string };
  commits: Array<{
    commit: string;
    provenance: string;
    message?: string;
    runs: Array<{ run: string; via: string; client: string | null }>;
    clauses: Array<{
      ref: string;
      digest: string;
      version: string | null;
      state: string;
      current_digest: string | null;
      diff?: string | null;
      read_from?: string;
    }>;
  }>;
  lines?: Array<{ line: number; commit: string }>;
  warnings: string[];
}

interface ReportJson {
  commits: Array<{ commit: string; provenance: string }>;
  linked: number;
  unlinked: number;
  runs: Array<{ run: string }>;
  specs: Array<{ spec: string; clauses: Array<{ ref: string; state: string }> }>;
  stale: Array<{ ref: string; state: string; diff: string | null }>;
  specs_changed: Array<{ path: string; status: string }>;
  lint: Array<{ rule: string; file: string }>;
}

type Digests = Record<string, string>;

describe('provenance that travels with the code', { timeout: CLI_TEST_TIMEOUT }, () => {
  let repo: GitRepoFixture;
  let ledger: string;
  const digests: Digests = {};
  let first = '';
  let second = '';
  let edit = '';

  beforeAll(async () => {
    repo = gitRepo({ specs: specsExample });
    ledger = repo.tmp.at('ledger.db');
    repo.write('src/auth/token.ts', 'export const TOKEN_TTL_S = 900;\n');
    repo.commit('initial import');
    repo.git(['checkout', '-q', '-b', 'feature']);
    const installed = await repo.specledger(['hooks', 'install', '--specs', 'specs', '--ledger', ledger]);
    expect(installed.code, installed.stderr).toBe(0);

    const agent = await connectStdioCli(['--specs', `${repo.dir}/specs`, '--ledger', ledger], {
      env: { SPECLEDGER_RUN_ID: RUN },
      clientName: 'trace-agent',
    });
    try {
      const read = async (ref: string) => {
        const r = (await agent.client.callTool({ name: 'get_clause', arguments: { ref } })) as unknown as {
          structuredContent: { digest: string };
        };
        digests[ref] = r.structuredContent.digest;
      };
      await agent.client.callTool({ name: 'read_root', arguments: {} });
      await read('auth#token-lifetime');
      await read('errors#error-envelope');
      repo.write(
        'src/auth/token.ts',
        'export const TOKEN_TTL_S = 900; // auth#token-lifetime\nexport const REFRESH = true;\n',
      );
      first = repo.commit('token lifetime from the spec', { SPECLEDGER_RUN_ID: RUN });
      await read('rate-limits#limits');
      repo.write('src/limits.ts', 'export const LIMIT = 100;\n');
      second = repo.commit('rate limits', { SPECLEDGER_RUN_ID: RUN });
    } finally {
      await agent.close();
    }
    // After the run, someone edits the clause the first commit relied on (without bumping the version).
    repo.write(
      'specs/specs/auth.md',
      repo.read('specs/specs/auth.md').replace('15 minutes (900 s)', '10 minutes (600 s)'),
    );
    edit = repo.commit('shorter tokens');
  }, 120_000);

  afterAll(() => repo?.remove());

  it('adds a Spec-Run trailer to the commits made during the run, and none after it', () => {
    expect(repo.git(['log', '-1', '--format=%(trailers:key=Spec-Run,valueonly)', first])).toBe(RUN);
    expect(repo.git(['log', '-1', '--format=%(trailers:key=Spec-Run,valueonly)', second])).toBe(RUN);
    expect(repo.git(['log', '-1', '--format=%(trailers:key=Spec-Run,valueonly)', edit])).toBe('');
  });

  it('traces each commit to the run and the exact clause versions read before it, marking the edited one changed', async () => {
    const one = JSON.parse((await repo.specledger(['trace', first, '--json'])).stdout) as TraceJson;
    expect(one.commits[0]?.runs.map((r) => [r.run, r.via, r.client])).toEqual([
      [RUN, 'env', 'trace-agent/0.0.1'],
    ]);
    const clauses = Object.fromEntries(one.commits[0]!.clauses.map((c) => [c.ref, c]));
    expect(Object.keys(clauses).sort()).toEqual(['auth#token-lifetime', 'errors#error-envelope']);
    expect(clauses['auth#token-lifetime']).toMatchObject({
      digest: digests['auth#token-lifetime'],
      version: '1.4.0',
      state: 'changed',
    });
    expect(clauses['errors#error-envelope']).toMatchObject({
      digest: digests['errors#error-envelope'],
      state: 'unchanged',
    });

    const two = JSON.parse((await repo.specledger(['trace', second, '--json'])).stdout) as TraceJson;
    expect(two.commits[0]?.clauses.map((c) => [c.ref, c.digest, c.state])).toEqual([
      ['rate-limits#limits', digests['rate-limits#limits'], 'unchanged'],
    ]);
  });

  it('says a commit made after the run has no provenance', async () => {
    const r = await repo.specledger(['trace', edit]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`no provenance recorded for ${edit.slice(0, 12)}`);
  });

  it('traces a line of code through git blame to the same answer', async () => {
    const byLine = JSON.parse(
      (await repo.specledger(['trace', 'src/auth/token.ts:1', '--json'])).stdout,
    ) as TraceJson;
    expect(byLine.lines).toEqual([{ line: 1, commit: first }]);
    const byCommit = JSON.parse((await repo.specledger(['trace', first, '--json'])).stdout) as TraceJson;
    expect(byLine.commits).toEqual(byCommit.commits);
  });

  it('shows the text as read against the text now', async () => {
    const r = await repo.specledger(['trace', first, '--diff']);
    expect(r.stdout).toMatch(/^\s+-.*15 minutes \(900 s\)/m);
    expect(r.stdout).toMatch(/^\s+\+.*10 minutes \(600 s\)/m);
  });

  it('reports the range for a pull request: commits, runs, clauses, stale ones with a diff, specs changed, lint', async () => {
    const r = await repo.specledger(['report', 'main..HEAD', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as ReportJson;
    expect(report.commits.map((c) => [c.commit, c.provenance])).toEqual([
      [first, 'note'],
      [second, 'note'],
      [edit, 'none'],
    ]);
    expect([report.linked, report.unlinked]).toEqual([2, 1]);
    expect(report.runs.map((x) => x.run)).toEqual([RUN]);
    expect(report.specs.map((s) => s.spec).sort()).toEqual(['auth', 'errors', 'rate-limits']);
    expect(report.stale.map((s) => [s.ref, s.state])).toEqual([['auth#token-lifetime', 'changed']]);
    expect(report.stale[0]?.diff).toMatch(/^\+.*10 minutes \(600 s\)/m);
    expect(report.specs_changed).toEqual([{ path: 'specs/specs/auth.md', status: 'M' }]);
    expect(report.lint.map((f) => [f.rule, f.file])).toContainEqual(['version-not-bumped', 'specs/auth.md']);

    const md = await repo.specledger(['report', 'main..HEAD']);
    expect(md.stdout).toContain('**2 with provenance**, 1 without');
    expect(md.stdout).toContain('auth#token-lifetime@');
    expect(md.stdout).toContain('```diff');
  });

  it('fails the gate on stale clauses and unlinked commits when asked', async () => {
    expect((await repo.specledger(['report', 'main..HEAD', '--fail-on', 'stale'])).code).toBe(1);
    expect((await repo.specledger(['report', `main..${second}`, '--fail-on', 'stale,unlinked'])).code).toBe(
      0,
    );
    const unlinked = await repo.specledger(['report', 'main..HEAD', '--fail-on', 'unlinked']);
    expect(unlinked.code).toBe(1);
    expect(unlinked.stderr).toContain('1 commits without provenance');
  });

  it('gives the same answers from a fresh clone with the notes fetched and no ledger', async () => {
    const clone = repo.tmp.at('clone');
    repo.git(['clone', '-q', '--branch', 'feature', repo.dir, clone]);
    repo.git(['branch', '-q', 'main', 'origin/main'], { cwd: clone });
    const inClone = (args: string[]) => repo.specledger(args, { cwd: clone });

    // Without the notes, the trailer still names the run, but nothing says what it read.
    const before = JSON.parse((await inClone(['trace', first, '--json'])).stdout) as TraceJson;
    expect(before.commits[0]).toMatchObject({
      provenance: 'trailer',
      runs: [{ run: RUN, via: 'trailer' }],
      clauses: [],
    });
    expect(before.warnings.join('\n')).toContain(
      "git fetch origin 'refs/notes/specledger:refs/notes/specledger'",
    );
    const text = await inClone(['trace', edit]);
    expect(text.stdout).toContain(`no provenance recorded for ${edit.slice(0, 12)}`);
    expect(text.stdout).toContain("git fetch origin 'refs/notes/specledger:refs/notes/specledger'");

    repo.git(['fetch', '-q', 'origin', 'refs/notes/specledger:refs/notes/specledger'], { cwd: clone });
    for (const commit of [first, second, edit]) {
      const here = JSON.parse((await repo.specledger(['trace', commit, '--json'])).stdout) as TraceJson;
      const there = JSON.parse((await inClone(['trace', commit, '--json'])).stdout) as TraceJson;
      expect(there.commits).toEqual(here.commits);
    }
    const diff = await inClone(['trace', first, '--diff']);
    expect(diff.stdout).toMatch(/text as read: specs\/specs\/auth\.md at [0-9a-f]{12}/);
    const here = JSON.parse((await repo.specledger(['report', 'main..HEAD', '--json'])).stdout) as ReportJson;
    const there = JSON.parse((await inClone(['report', 'main..HEAD', '--json'])).stdout) as ReportJson;
    expect(there).toEqual(here);
    // Ten CLI runs: each pays the CLI's start-up, several seconds on a loaded two-core machine.
  }, 120_000);

  it('posts the report from a CI checkout with the workflow script, notes pushed and fetched as the README says', async () => {
    const origin = repo.tmp.at('origin.git');
    repo.git(['init', '-q', '--bare', origin]);
    repo.git(['remote', 'add', 'origin', origin]);
    repo.git(['push', '-q', 'origin', 'main', 'feature']);
    repo.git(['push', '-q', 'origin', 'refs/notes/specledger']);
    const ci = repo.tmp.at('ci');
    repo.git(['clone', '-q', origin, ci]);
    repo.git(['checkout', '-q', '--detach', edit], { cwd: ci });

    const workflow = parseYaml(
      readFileSync(path.join(repoRoot, '.github/workflows/specledger-report.yml'), 'utf8'),
    ) as {
      jobs: { report: { steps: Array<{ name?: string; run?: string; env?: Record<string, string> }> } };
    };
    const step = workflow.jobs.report.steps.find((s) => s.name === 'Provenance report');
    expect(step?.run).toBe('scripts/specledger-report.sh "origin/$BASE_REF" "$HEAD_SHA" specs-example');

    const script = path.join(repoRoot, 'scripts/specledger-report.sh');
    const env = repo.env({
      SPECLEDGER: `${process.execPath} ${builtCli}`,
      SPECLEDGER_FAIL_ON: 'stale',
      BASE_REF: 'main',
      HEAD_SHA: edit,
    });
    const run = spawnSync('bash', ['-c', `${script} "origin/$BASE_REF" "$HEAD_SHA" specs`], {
      cwd: ci,
      env,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(1);
    const md = readFileSync(path.join(ci, 'specledger-report.md'), 'utf8');
    expect(md).toContain('**2 with provenance**, 1 without');
    expect(md).toContain('### Stale: changed after they were read');
    expect(md).not.toContain('no refs/notes/specledger');
  });
});
