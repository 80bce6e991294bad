// Suite (issue 17): `specledger audit` on 9 git repositories × 5k clauses, against multi-root `lint` on the same
// roots in the same run (both load and parse every root; audit adds the cross-root comparisons and inventory).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { generateCorpus } from '../gen-corpus.mjs';
import { cli, log, SERVER_CORE, tempDir } from '../lib/env.mjs';
import { pinnedArgv } from '../lib/proc.mjs';
import { median, ratio, round } from '../lib/stats.mjs';

const ROOTS = 9;
const TARGET_MS = 5_000;

const AGENTS = (i) =>
  `# Agent instructions\n\n- MUST use pnpm to install dependencies.\n- Never commit generated files under dist/.\n- Write a regression test for every bug fix.\n- Repository ${i} tags releases from main only.\n`;

function git(dir, ...args) {
  execFileSync('git', args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** Wall time of one CLI run on the server core; exit 1 (findings) is not a failure here. */
function timed(argv, cwd) {
  const [cmd, ...args] = pinnedArgv(SERVER_CORE, ['node', cli, ...argv]);
  const t0 = performance.now();
  let out;
  try {
    out = execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    if (error.status !== 1) throw error;
    out = error.stdout;
  }
  return { ms: performance.now() - t0, out };
}

export async function runAudit({ runs, clausesPerRoot = 5_000 }) {
  const tmp = tempDir('audit');
  try {
    const names = Array.from({ length: ROOTS }, (_, i) => `repo-${i + 1}`);
    const t0 = performance.now();
    names.forEach((name, i) => {
      const dir = tmp.at(name);
      generateCorpus({ clauses: clausesPerRoot, out: dir, seed: 1000 + i });
      writeFileSync(`${dir}/AGENTS.md`, AGENTS(i + 1));
      git(dir, 'init', '-q', '-b', 'main');
      git(dir, '-c', 'user.email=b@example.test', '-c', 'user.name=Bench', 'add', '-A');
      git(
        dir,
        '-c',
        'user.email=b@example.test',
        '-c',
        'user.name=Bench',
        '-c',
        'commit.gpgsign=false',
        'commit',
        '-q',
        '-m',
        'specs',
      );
    });
    log(
      `audit: generated ${ROOTS} repositories × ${clausesPerRoot} clauses in ${Math.round(performance.now() - t0)} ms`,
    );
    const audit = [];
    const lint = [];
    let findings = null;
    for (let r = 0; r < runs; r++) {
      const l = timed(
        ['lint', ...names.flatMap((n) => ['--specs', n]), '--format', 'json', '--fail-on', 'error'],
        tmp.dir,
      );
      const a = timed(['audit', ...names, '--json'], tmp.dir);
      lint.push(l.ms);
      audit.push(a.ms);
      const report = JSON.parse(a.out);
      findings = report.findings.length;
      const clauses = report.roots.reduce((n, x) => n + x.clauses, 0);
      if (clauses < ROOTS * clausesPerRoot * 0.99) throw new Error(`audit saw ${clauses} clauses`);
      log(
        `audit run ${r + 1}: audit ${Math.round(a.ms)} ms, lint ${Math.round(l.ms)} ms (${findings} audit findings)`,
      );
    }
    const auditMs = round(median(audit));
    const lintMs = round(median(lint));
    return {
      what: `specledger audit (9 roots, --json) vs lint --specs ×9 on the same generated git repositories, one process each, median of ${runs}`,
      roots: ROOTS,
      clauses_per_root: clausesPerRoot,
      audit_ms: auditMs,
      lint_ms: lintMs,
      audit_ratio_to_lint: ratio(auditMs, lintMs),
      target_ms: TARGET_MS,
      within_target: auditMs <= TARGET_MS,
      audit_findings: findings,
    };
  } finally {
    tmp.remove();
  }
}
