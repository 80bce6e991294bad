// Suite (issue 17): `specledger audit` on 9 git repositories × 5k clauses, against multi-root `lint` on the same
// roots in the same run (both load and parse every root; audit adds the cross-root comparisons and inventory).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
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

/** GNU time, when installed, adds the child's CPU time: on a machine shared with other work it moves less than wall time. */
const TIME = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'cpu-seconds %U %S'] : [];

/**
 * Wall (and CPU) time of one CLI run on `core` ('all': every core, as a CI job or a laptop runs it; nothing else
 * runs meanwhile); exit 1 (findings) is not a failure here.
 */
function timed(argv, cwd, core) {
  const [cmd, ...args] = pinnedArgv(core, [...TIME, 'node', cli, ...argv]);
  const t0 = performance.now();
  const child = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = performance.now() - t0;
  if (child.status !== 0 && child.status !== 1)
    throw new Error(`${argv[0]} exited ${child.status}: ${child.stderr}`);
  const cpu = /cpu-seconds ([\d.]+) ([\d.]+)/.exec(child.stderr);
  return { ms, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null, out: child.stdout };
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
    const auditCpu = [];
    const lintCpu = [];
    let findings = null;
    let kinds = null;
    const auditOneCore = [];
    const lintOneCore = [];
    const lintArgs = [
      'lint',
      ...names.flatMap((n) => ['--specs', n]),
      '--format',
      'json',
      '--fail-on',
      'error',
    ];
    for (let r = 0; r < runs; r++) {
      lintOneCore.push(timed(lintArgs, tmp.dir, SERVER_CORE).ms);
      auditOneCore.push(timed(['audit', ...names, '--json'], tmp.dir, SERVER_CORE).ms);
      const l = timed(lintArgs, tmp.dir, 'all');
      const a = timed(['audit', ...names, '--json'], tmp.dir, 'all');
      lint.push(l.ms);
      audit.push(a.ms);
      if (a.cpuMs !== null) auditCpu.push(a.cpuMs);
      if (l.cpuMs !== null) lintCpu.push(l.cpuMs);
      const report = JSON.parse(a.out);
      findings = report.findings.length;
      kinds = [...new Set(report.findings.map((f) => f.kind))];
      const clauses = report.roots.reduce((n, x) => n + x.clauses, 0);
      if (clauses < ROOTS * clausesPerRoot * 0.99) throw new Error(`audit saw ${clauses} clauses`);
      log(
        `audit run ${r + 1}: audit ${Math.round(a.ms)} ms (cpu ${a.cpuMs ?? '?'} ms), lint ${Math.round(l.ms)} ms (cpu ${l.cpuMs ?? '?'} ms); ${findings} audit findings`,
      );
    }
    const auditMs = round(median(audit));
    const lintMs = round(median(lint));
    return {
      what: `specledger audit (9 roots, --json) vs lint --specs ×9 on the same generated git repositories, one process each on every core, median of ${runs}`,
      roots: ROOTS,
      clauses_per_root: clausesPerRoot,
      audit_ms: auditMs,
      lint_ms: lintMs,
      audit_ratio_to_lint: ratio(auditMs, lintMs),
      one_core: { audit_ms: round(median(auditOneCore)), lint_ms: round(median(lintOneCore)) },
      audit_cpu_ms: auditCpu.length > 0 ? round(median(auditCpu)) : null,
      lint_cpu_ms: lintCpu.length > 0 ? round(median(lintCpu)) : null,
      loadavg_end: loadavg().map((x) => round(x, 2)),
      target_ms: TARGET_MS,
      within_target: auditMs <= TARGET_MS,
      audit_findings: findings,
      audit_finding_kinds: kinds,
    };
  } finally {
    tmp.remove();
  }
}
