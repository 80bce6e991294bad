// Issue 15's benchmarks: trace COMMIT, report BASE..HEAD and trace PATH:LINE against a scripted repository of 10k
// commits with 1k provenance notes, each a median of repeated runs of the built CLI, next to the CLI's own start-up
// (`specledger --version`) and the bare git commands underneath, measured in the same run.
//
// Run after a build: npx tsc -p tsconfig.build.json && node bench/trace-scale.mjs
// Options: --commits N (default 10000), --notes N (default 1000, on the newest commits), --report N (commits in
// the report's range, default 500), --lines N (lines of the blamed file, default 5000), --runs N (default 5),
// --out FILE (default bench/results/trace-scale.json).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, ratio, round } from './lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.join(here, '..');
const dist = path.join(repoRoot, 'dist');
const cli = path.join(dist, 'cli/main.js');
const { loadCorpus } = await import(path.join(dist, 'corpus/corpus.js'));
const { formatNote } = await import(path.join(dist, 'trace/note.js'));
const { openRepo } = await import(path.join(dist, 'trace/repo.js'));
const { traceCommit, tracePath, parsePathTarget } = await import(path.join(dist, 'trace/trace.js'));
const { buildReport } = await import(path.join(dist, 'trace/report.js'));

const { values: args } = parseArgs({
  options: {
    commits: { type: 'string', default: '10000' },
    notes: { type: 'string', default: '1000' },
    report: { type: 'string', default: '500' },
    lines: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
    out: { type: 'string', default: path.join(here, 'results', 'trace-scale.json') },
  },
});
const COMMITS = Number(args.commits);
const NOTES = Number(args.notes);
const REPORT = Number(args.report);
const LINES = Number(args.lines);
const RUNS = Number(args.runs);
/** The commit at which auth#token-lifetime changes: notes before it recorded the old text, so report finds stale. */
const EDIT_AT = COMMITS - Math.floor(NOTES / 4);
const CLAUSES_PER_NOTE = 10;

const log = (m) => process.stderr.write(`trace-scale: ${m}\n`);
const tmp = mkdtempSync(path.join(tmpdir(), 'specledger-bench-trace-'));
const repo = path.join(tmp, 'repo');
const env = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmp,
  GIT_AUTHOR_NAME: 'b',
  GIT_COMMITTER_NAME: 'b',
};
const git = (a, input) =>
  execFileSync('git', a, {
    cwd: repo,
    env,
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

/** `data` command of git fast-import: the byte count, then the bytes. */
const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;

try {
  const t0 = performance.now();
  mkdirSync(repo);
  git(['init', '-q', '-b', 'main']);
  // The spec root as it is at the first commit, and auth.md as edited at EDIT_AT: their digests go in the notes.
  const specsBefore = path.join(tmp, 'specs-before');
  cpSync(path.join(repoRoot, 'specs-example'), specsBefore, { recursive: true });
  const authBefore = readFileSync(path.join(specsBefore, 'specs/auth.md'), 'utf8');
  const authAfter = authBefore.replace('15 minutes (900 s)', '10 minutes (600 s)');
  const specsAfter = path.join(tmp, 'specs-after');
  cpSync(specsBefore, specsAfter, { recursive: true });
  writeFileSync(path.join(specsAfter, 'specs/auth.md'), authAfter);
  const clausesOf = (dir) =>
    loadCorpus({ root: dir, tokens: { count: () => 0 } })
      .current()
      .specs.flatMap((s) => s.clauses.map((c) => ({ spec: s, clause: c })));
  const before = clausesOf(specsBefore);
  const afterByRef = new Map(clausesOf(specsAfter).map((x) => [x.clause.ref, x]));

  // Commits: the spec tree and a LINES-line file first, then small edits; every tenth also edits one line of the
  // big file, so blame has a long history to walk.
  const big = Array.from({ length: LINES }, (_, i) => `export const line${i} = ${i};`);
  let stream = '';
  const files = [];
  const walk = (dir, rel = '') => {
    for (const name of execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (spawnSync('test', ['-d', abs]).status === 0) walk(abs, r);
      else files.push([`specs/${r}`, readFileSync(abs, 'utf8')]);
    }
  };
  walk(specsBefore);
  const when = 1_700_000_000;
  for (let i = 1; i <= COMMITS; i++) {
    stream += `commit refs/heads/main\nmark :${i}\ncommitter b <b@example.test> ${when + i * 60} +0000\n`;
    stream += data(`commit ${i}`);
    if (i > 1) stream += `from :${i - 1}\n`;
    if (i === 1) {
      for (const [p, text] of files) stream += `M 100644 inline ${p}\n${data(text)}`;
      stream += `M 100644 inline src/big.ts\n${data(`${big.join('\n')}\n`)}`;
    } else {
      stream += `M 100644 inline src/f${i % 200}.ts\n${data(`export const v = ${i};\n`)}`;
      if (i % 10 === 0) {
        big[(i / 10) % LINES] = `export const line${(i / 10) % LINES} = ${i}; // edited in commit ${i}`;
        stream += `M 100644 inline src/big.ts\n${data(`${big.join('\n')}\n`)}`;
      }
      if (i === EDIT_AT) stream += `M 100644 inline specs/specs/auth.md\n${data(authAfter)}`;
    }
  }
  const marks = path.join(tmp, 'marks');
  git(['fast-import', '--quiet', `--export-marks=${marks}`], stream);
  git(['reset', '-q', '--hard', 'main']);
  const shaOf = new Map(
    readFileSync(marks, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [m, sha] = l.split(' ');
        return [Number(m.slice(1)), sha];
      }),
  );

  // Notes on the newest NOTES commits: one run each (50 runs in turn), CLAUSES_PER_NOTE clauses at the version the
  // spec had at that commit.
  let notes = `commit refs/notes/specledger\ncommitter b <b@example.test> ${when} +0000\n${data('notes')}`;
  for (let i = COMMITS - NOTES + 1; i <= COMMITS; i++) {
    const run = `run-${i % 50}`;
    const clauses = [];
    for (let k = 0; k < CLAUSES_PER_NOTE; k++) {
      const pick = before[(i * 7 + k * 13) % before.length];
      const x = i >= EDIT_AT ? (afterByRef.get(pick.clause.ref) ?? pick) : pick;
      clauses.push({
        run,
        ref: x.clause.ref,
        digest: x.clause.digest,
        version: x.spec.version,
        status: x.spec.status,
        path: `specs/${x.spec.path}`,
        root: 'specs',
        commit: shaOf.get(i >= EDIT_AT ? EDIT_AT : 1),
      });
    }
    const text = formatNote({
      runs: [
        {
          run,
          via: 'env',
          source: 'env',
          client: 'bench/1.0',
          through_seq: i,
          omitted: 0,
          linked_at: new Date(0).toISOString(),
        },
      ],
      clauses,
    });
    notes += `N inline ${shaOf.get(i)}\n${data(text)}`;
  }
  git(['fast-import', '--quiet'], notes);
  const generated_s = round((performance.now() - t0) / 1000, 1);
  log(`${COMMITS} commits, ${NOTES} notes, ${LINES}-line file generated in ${generated_s} s`);

  const traced = shaOf.get(COMMITS - Math.floor(NOTES / 2));
  const blamedLine = Math.floor(LINES / 2);
  // The line commit COMMITS - 100 edited (every tenth commit edits line (i / 10) % LINES + 1): blame stops there.
  const recentLine = (((COMMITS - 100) / 10) % LINES) + 1;
  const range = `HEAD~${REPORT}..HEAD`;
  // CPU time (user + system, node and the git processes it waited for) next to wall time: on a shared machine the
  // wall clock measures the neighbours too, CPU time mostly the work.
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const cpuFile = path.join(tmp, 'cpu');
  const timeCli = (argv) => {
    const walls = [];
    const cpus = [];
    for (let r = 0; r < RUNS; r++) {
      const command = timeBin
        ? [timeBin, ['-f', '%U %S', '-o', cpuFile, process.execPath, cli, ...argv]]
        : [process.execPath, [cli, ...argv]];
      const s = performance.now();
      const p = spawnSync(command[0], command[1], { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 28 });
      walls.push(performance.now() - s);
      if (p.status !== 0) throw new Error(`specledger ${argv.join(' ')} exited ${p.status}: ${p.stderr}`);
      if (timeBin) {
        const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        cpus.push((user + sys) * 1000);
      }
    }
    return { wall: round(median(walls), 1), cpu: timeBin ? round(median(cpus), 0) : null };
  };
  const timeGit = (argv) => {
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      const s = performance.now();
      spawnSync('git', argv, { cwd: repo, env, maxBuffer: 1 << 28 });
      times.push(performance.now() - s);
    }
    return round(median(times), 1);
  };
  const timeIn = async (fn) => {
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      const s = performance.now();
      await fn();
      times.push(performance.now() - s);
    }
    return round(median(times), 1);
  };

  const cliTimes = (t) => ({ cli_ms: t.wall, cli_cpu_ms: t.cpu });
  const startup = timeCli(['--version']);
  const startup_ms = startup.wall;
  const open = await openRepo(repo);
  const options = { repo: open, store: null, locate: async () => () => null };
  const cases = {
    trace_commit: {
      what: `trace COMMIT (a commit with a note, ${CLAUSES_PER_NOTE} clauses)`,
      ...cliTimes(timeCli(['trace', traced, '--json'])),
      in_process_ms: await timeIn(() => traceCommit(options, traced)),
      git_ms: timeGit(['notes', '--ref=refs/notes/specledger', 'show', traced]),
      git_what: 'git notes show COMMIT',
      target_ms: 1000,
    },
    report: {
      what: `report ${range} (${REPORT} commits, ${Math.min(REPORT, NOTES)} with notes), --json`,
      ...cliTimes(timeCli(['report', range, '--json', '--specs', 'specs'])),
      in_process_ms: await timeIn(() => buildReport({ ...options, range, specs: path.join(repo, 'specs') })),
      git_ms: timeGit(['log', '--notes=refs/notes/specledger', range]),
      git_what: `git log --notes ${range}`,
      target_ms: 2000,
    },
    trace_line: {
      what: `trace src/big.ts:${blamedLine} (${LINES}-line file, ${COMMITS / 10} edits in its history, this line never changed since the first commit: blame walks all of them)`,
      ...cliTimes(timeCli(['trace', `src/big.ts:${blamedLine}`, '--json'])),
      in_process_ms: await timeIn(() =>
        tracePath(options, parsePathTarget(open, `src/big.ts:${blamedLine}`, repo)),
      ),
      git_ms: timeGit([
        'blame',
        '--porcelain',
        '-L',
        `${blamedLine},${blamedLine}`,
        'HEAD',
        '--',
        'src/big.ts',
      ]),
      git_what: `git blame -L ${blamedLine},${blamedLine}`,
      target_ms: 1000,
    },
    trace_line_recent: {
      what: `trace src/big.ts:${recentLine} (last changed 100 commits before HEAD)`,
      ...cliTimes(timeCli(['trace', `src/big.ts:${recentLine}`, '--json'])),
      in_process_ms: await timeIn(() =>
        tracePath(options, parsePathTarget(open, `src/big.ts:${recentLine}`, repo)),
      ),
      git_ms: timeGit([
        'blame',
        '--porcelain',
        '-L',
        `${recentLine},${recentLine}`,
        'HEAD',
        '--',
        'src/big.ts',
      ]),
      git_what: `git blame -L ${recentLine},${recentLine}`,
      target_ms: 1000,
    },
  };
  for (const c of Object.values(cases)) {
    c.ratio_to_startup = ratio(c.cli_ms, startup_ms);
    c.ratio_to_git = ratio(c.cli_ms, c.git_ms);
    c.met = c.cli_ms <= c.target_ms;
    c.cpu_ratio_to_startup = c.cli_cpu_ms === null ? null : ratio(c.cli_cpu_ms, startup.cpu);
    log(
      `${c.what}: ${c.cli_ms} ms (in process ${c.in_process_ms} ms; start-up ${startup_ms} ms; ${c.git_what} ${c.git_ms} ms)`,
    );
  }
  const result = {
    what: `the built CLI against a scripted repository: ${COMMITS} commits, ${NOTES} notes, a ${LINES}-line file; median of ${RUNS} runs`,
    commits: COMMITS,
    notes: NOTES,
    runs: RUNS,
    generated_s,
    startup_ms,
    startup_cpu_ms: startup.cpu,
    loadavg_1m: round(loadavg()[0], 2),
    cores: cpus().length,
    cases,
  };
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  if (process.env.TRACE_SCALE_KEEP) log(`kept ${repo}`);
  else rmSync(tmp, { recursive: true, force: true });
}
