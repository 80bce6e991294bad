// hooks, link, trace, report: provenance that travels with the code, in git notes and trailers.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ExitError, SpecLedgerError } from '../errors.js';
import type { LedgerStore } from '../ledger/types.js';
import { runIdFromEnv } from '../mcp/context.js';
import { HOOK_NAMES, type HookName, installHooks, uninstallHooks } from '../trace/hooks.js';
import { NOTES_REF, parseNote } from '../trace/note.js';
import {
  FETCH_NOTES,
  type GitRepo,
  noteBlobs,
  notesRefExists,
  openRepo,
  readObjects,
  resolveCommitOrExplain,
} from '../trace/repo.js';
import {
  defaultLedger,
  integerOption,
  ledgerOption,
  repoOption,
  resolveLedger,
  specsOption,
} from './options.js';
import { logErr, printJson, printText } from './output.js';

/**
 * What each command needs, loaded when it runs: the ledger stores (better-sqlite3, pg), the spec parser and the
 * corpus, lint and jsdiff cost ~0.4 s of CPU to import here, and a hook runs on every commit.
 */
const load = {
  ledger: () => import('../ledger/open.js'),
  link: () => import('../trace/link.js'),
  hookRun: () => import('../trace/hook-run.js'),
  trace: () => import('../trace/trace.js'),
  report: () => import('../trace/report.js'),
  render: () => import('../trace/render.js'),
  attest: () => import('../trace/attest-commit.js'),
};

interface RepoOptions {
  repo: string;
  specs: string;
  ledger?: string;
}

/**
 * The ledger for a query that works without one: `--ledger` when given (it must exist), else the default location
 * when a file is there, else none.
 */
async function optionalLedger(given: string | undefined): Promise<LedgerStore | null> {
  const location = resolveLedger(given ?? defaultLedger());
  if (location === 'off') return null;
  if (!location.includes('://') && !existsSync(location)) {
    if (given !== undefined) throw new ExitError(`no ledger at ${location}`);
    return null;
  }
  return (await load.ledger()).openLedger(location, { readonly: true });
}

async function withRepo<T>(
  opts: RepoOptions,
  fn: (repo: GitRepo, store: LedgerStore | null) => Promise<T>,
): Promise<T> {
  const repo = await openRepo(path.resolve(opts.repo));
  const store = await optionalLedger(opts.ledger);
  try {
    return await fn(repo, store);
  } finally {
    await store?.close();
  }
}

/** The run declared in this process's environment, by the rule the server itself applies. */
function envRun(): string | null {
  return runIdFromEnv(process.env);
}

export function registerTraceCommands(program: Command): void {
  const hooks = program
    .command('hooks')
    .description('git hooks that link each commit to the run that made it');
  hooks
    .command('install')
    .description(
      'install prepare-commit-msg and post-commit hooks (chaining any already there) and notes.rewriteRef',
    )
    .addOption(repoOption())
    .option('--specs <dir>', 'spec root the hooks locate spec files in (default: theirs at commit time)')
    .option('--ledger <path>', 'ledger the hooks read (default: theirs at commit time)')
    .action(async (opts: { repo: string; specs?: string; ledger?: string }) => {
      const repo = await openRepo(path.resolve(opts.repo));
      const options = [
        ...(opts.specs ? ['--specs', path.resolve(opts.specs)] : []),
        ...(opts.ledger ? ['--ledger', resolveLedger(opts.ledger)] : []),
      ];
      const script = fileURLToPath(new URL('./main.js', import.meta.url));
      const result = await installHooks(repo, { node: process.execPath, script, options });
      for (const h of result.hooks) printText(`${h.name}: ${h.action}`);
      printText(`notes.rewriteRef ${NOTES_REF}: ${result.rewriteRef}`);
      printText(`hooks in ${result.dir}`);
    });
  hooks
    .command('uninstall')
    .description("remove SpecLedger's hooks and restore the ones they chained")
    .addOption(repoOption())
    .action(async (opts: { repo: string }) => {
      const result = await uninstallHooks(await openRepo(path.resolve(opts.repo)));
      for (const h of result.hooks) printText(`${h.name}: ${h.action}`);
      printText(`notes.rewriteRef ${NOTES_REF}: ${result.rewriteRef}`);
    });
  hooks
    .command('run', { hidden: true })
    .description('what an installed hook runs')
    .argument('<hook>', `one of ${HOOK_NAMES.join(', ')}`)
    .argument('[args...]', 'the arguments git passed to the hook')
    .addOption(specsOption())
    .addOption(ledgerOption())
    .action(async (hook: string, args: string[], opts: { specs: string; ledger?: string }) => {
      if (!(HOOK_NAMES as readonly string[]).includes(hook)) throw new ExitError(`unknown hook ${hook}`);
      // Hooks run at the top of the work tree, with git's GIT_DIR; the safe runner finds the repository from there.
      const repo = await openRepo(process.cwd());
      const run = envRun();
      const { postCommit, prepareCommitMsg } = await load.hookRun();
      if ((hook as HookName) === 'prepare-commit-msg') {
        if (args[0]) await prepareCommitMsg(repo, args[0], run);
        return;
      }
      const { locateSpecs } = await load.link();
      const store = await optionalLedger(opts.ledger);
      try {
        const lines = await postCommit({
          repo,
          store,
          locate: locateSpecs(opts.specs, repo.top),
          envRunId: run,
          now: new Date(),
        });
        for (const line of lines) logErr(line);
      } finally {
        await store?.close();
      }
    });

  program
    .command('link')
    .description('link a commit to a run explicitly (bots and CI agents): writes its provenance note')
    .requiredOption('--commit <sha>', 'the commit')
    .requiredOption('--run <run>', 'the run ID, as `specledger runs` lists it')
    .addOption(repoOption())
    .addOption(specsOption())
    .option('--ledger <path>', 'ledger file or postgres:// URL', defaultLedger())
    .option('--json', 'print JSON')
    .action((opts: RepoOptions & { commit: string; run: string; json?: boolean }) =>
      withRepo({ ...opts, ledger: opts.ledger }, async (repo, store) => {
        if (store === null)
          throw new ExitError('link needs the ledger that recorded the run (pass --ledger)');
        const commit = await resolveCommitOrExplain(repo, opts.commit);
        const { linkCommit, locateSpecs } = await load.link();
        const result = await linkCommit(
          { repo, store, locate: locateSpecs(opts.specs, repo.top), now: new Date() },
          commit,
          [{ run: opts.run, via: 'link' }],
        );
        if (opts.json) return printJson(result);
        for (const s of result.skipped) printText(`run ${s.run} not linked: ${s.reason}`);
        if (result.linked.length > 0)
          printText(`linked ${commit.slice(0, 12)} to run ${opts.run}: ${result.clauses} clause versions`);
        if (result.linked.length === 0 && result.skipped.some((s) => s.reason.startsWith('the ledger')))
          process.exitCode = 1;
      }),
    );

  program
    .command('trace')
    .description(
      'the runs behind a commit or a line of code, and the clause versions they relied on, judged now',
    )
    .argument('<target>', 'COMMIT, PATH, PATH:LINE or PATH:FROM-TO')
    .option('--at <ref>', 'judge the clauses at this revision', 'HEAD')
    .option('--diff', 'show the text as read against the text now')
    .addOption(repoOption())
    .addOption(specsOption())
    .addOption(ledgerOption())
    .option('--json', 'print JSON')
    .action((target: string, opts: RepoOptions & { at: string; diff?: boolean; json?: boolean }) =>
      withRepo(opts, async (repo, store) => {
        const [{ locateSpecs }, { parsePathTarget, traceCommit, tracePath }, { renderTrace }] =
          await Promise.all([load.link(), load.trace(), load.render()]);
        const options = {
          repo,
          store,
          locate: locateSpecs(opts.specs, repo.top),
          at: opts.at,
          diff: opts.diff,
        };
        const answer = (await looksLikeCommit(repo, target))
          ? await traceCommit(options, target)
          : await tracePath(options, parsePathTarget(repo, target, process.cwd()));
        if (opts.json) printJson(answer);
        else printText(renderTrace(answer));
      }),
    );

  program
    .command('report')
    .description('the provenance of a range of commits as Markdown for a pull request (or JSON); a CI gate')
    .argument('<range>', 'BASE..HEAD, e.g. origin/main..HEAD')
    .addOption(repoOption())
    .addOption(specsOption())
    .addOption(ledgerOption())
    .option('--json', 'print JSON')
    .option('--fail-on <conditions>', 'exit 1 on any of: stale, unlinked (comma-separated)', parseFailOn, [])
    .option('--diff-lines <n>', 'lines of diff per stale clause', integerOption(0, 10_000), 12)
    .action((range: string, opts: RepoOptions & { json?: boolean; failOn: FailOn[]; diffLines: number }) =>
      withRepo(opts, async (repo, store) => {
        const specs = existsSync(opts.specs) ? opts.specs : null;
        const [{ locateSpecs }, { buildReport }, { renderReportMarkdown }] = await Promise.all([
          load.link(),
          load.report(),
          load.render(),
        ]);
        const report = await buildReport({
          repo,
          store,
          locate: locateSpecs(opts.specs, repo.top),
          range,
          specs,
          diffLines: opts.diffLines,
        });
        if (opts.json) printJson(report);
        else printText(renderReportMarkdown(report));
        const failed = [
          opts.failOn.includes('stale') && report.stale.length > 0
            ? `${report.stale.length} stale clause versions`
            : null,
          opts.failOn.includes('unlinked') && report.unlinked > 0
            ? `${report.unlinked} commits without provenance`
            : null,
        ].filter(Boolean);
        if (failed.length > 0) {
          logErr(`specledger report: failing on ${failed.join(' and ')}`);
          process.exitCode = 1;
        }
        // A note that cannot be read is an error, whatever the gate: the report is printed, then it fails.
        if (report.commits.some((c) => c.error !== undefined)) process.exitCode = 2;
      }),
    );
}

type FailOn = 'stale' | 'unlinked';

function parseFailOn(value: string): FailOn[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of parts) {
    if (p !== 'stale' && p !== 'unlinked')
      throw new SpecLedgerError(
        'INVALID_ARGUMENT',
        `--fail-on ${value}: expected stale, unlinked or stale,unlinked`,
      );
  }
  return parts as FailOn[];
}

/** A target is a commit when git resolves it to one and it does not end in `:LINE`. */
async function looksLikeCommit(repo: GitRepo, target: string): Promise<boolean> {
  if (/:\d+(?:-\d+)?$/.test(target) || target.startsWith('-')) return false;
  try {
    const out = await repo.git([
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${target}^{commit}`,
    ]);
    return out.trim() !== '';
  } catch {
    // Not a commit here; it may be one a shallow clone lacks, which only matters if it is not a file either.
    return !existsSync(path.resolve(target)) && /^[0-9a-f]{7,64}$/i.test(target);
  }
}

/** `attest --commit SHA` without `--run`: the statement is built from the commit's note, no ledger needed. */
/** The in-toto Statement of a commit, built from its git note (printed by `attest --commit`, signed with --sign). */
export async function attestFromNote(commitRef: string, repoDir: string): Promise<unknown> {
  const repo = await openRepo(path.resolve(repoDir));
  const commit = await resolveCommitOrExplain(repo, commitRef);
  if (!(await notesRefExists(repo)))
    throw new ExitError(
      `no ${NOTES_REF} in this clone, so ${commit.slice(0, 12)} has no note to attest: fetch it with ${FETCH_NOTES}`,
    );
  const blob = (await noteBlobs(repo)).get(commit);
  const text = blob ? (await readObjects(repo, [blob])).get(blob) : null;
  if (!text)
    throw new ExitError(
      `no provenance recorded for ${commit.slice(0, 12)}: nothing to attest (pass --run RUN to attest from the ledger)`,
    );
  const { attestCommit } = await load.attest();
  return attestCommit(commit, parseNote(commit, text), { notesRef: NOTES_REF });
}
