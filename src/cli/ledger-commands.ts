// runs, who-read, stale, attest, verify: provenance questions asked after a run.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ExitError } from '../errors.js';
import { openLedger } from '../ledger/open.js';
import { attest, currentDigests, runShow, runsList, staleReads, whoRead } from '../ledger/queries.js';
import type { LedgerStore } from '../ledger/types.js';
import { type CommonOptions, defaultLedger, defaultSpecs, resolveLedger } from './options.js';
import { escapeControls, printJson, printText, progressReporter, table } from './output.js';
import { loadSignerKey } from './proof-commands.js';
import {
  type AttestCliOptions,
  signStatement,
  verifyEnvelopeFile,
  verifyFromCheckpointCommand,
  verifySinceCommand,
} from './signed-commands.js';
import { attestFromNote } from './trace-commands.js';

async function withLedger<T>(opts: { ledger: string }, fn: (store: LedgerStore) => Promise<T>): Promise<T> {
  if (opts.ledger === 'off') throw new ExitError('--ledger off has no records to query');
  const location = resolveLedger(opts.ledger);
  if (!location.includes('://') && !existsSync(location)) {
    throw new ExitError(
      `no ledger at ${location} yet: \`specledger serve\` records reads there (or pass --ledger PATH|postgres://…)`,
    );
  }
  const store = await openLedger(location, { readonly: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function registerLedgerCommands(program: Command): void {
  const runs = program
    .command('runs')
    .description('list the runs in the ledger')
    .option('--ledger <path>', 'ledger file or postgres:// URL', defaultLedger())
    .option('--json', 'print JSON')
    .action((opts: CommonOptions) =>
      withLedger(opts, async (store) => {
        const list = await runsList(store);
        if (opts.json) return printJson({ runs: list });
        printText(
          table(
            ['RUN', 'SOURCE', 'READS', 'FIRST', 'LAST', 'CLIENTS', 'PRINCIPALS'],
            list.map((r) => [
              r.run_id,
              r.run_id_source,
              r.reads,
              r.first_ts,
              r.last_ts,
              r.clients.join(','),
              r.principals.join(','),
            ]),
          ),
        );
      }),
    );
  runs
    .command('show')
    .description('what one run read, in order, with versions and digests')
    .argument('<run>', 'run ID')
    .option('--ledger <path>', 'ledger file or postgres:// URL', defaultLedger())
    .option('--json', 'print JSON')
    .action((runId: string, _opts: CommonOptions, cmd: Command) => {
      // `runs` has the same options; commander hands options given after `show` to whichever it meets first.
      const opts = cmd.optsWithGlobals<CommonOptions>();
      return withLedger(opts, async (store) => {
        const shown = await runShow(store, runId);
        if (opts.json) return printJson(shown);
        printText(
          `run ${escapeControls(shown.run.id)} (${shown.run.source}) ${shown.run.first_ts} → ${shown.run.last_ts}`,
        );
        printText(
          table(
            ['SEQ', 'TS', 'TOOL', 'KIND', 'REF', 'VERSION', 'DIGEST'],
            shown.reads.map((r) => [
              r.seq,
              r.ts,
              r.tool,
              r.kind,
              r.ref,
              r.version,
              r.digest ? `${r.digest.slice(0, 19)}…` : null,
            ]),
          ),
        );
      });
    });

  program
    .command('who-read')
    .description('which runs read a clause (optionally at one digest)')
    .argument('<ref>', 'SPEC#CLAUSE or SPEC#CLAUSE@sha256:…')
    .option('--ledger <path>', 'ledger file or postgres:// URL', defaultLedger())
    .option('--json', 'print JSON')
    .action((ref: string, opts: CommonOptions) =>
      withLedger(opts, async (store) => {
        const at = ref.lastIndexOf('@');
        const result =
          at > 0 ? await whoRead(store, ref.slice(0, at), ref.slice(at + 1)) : await whoRead(store, ref);
        if (opts.json) return printJson(result);
        printText(
          result.runs.length === 0
            ? `no run read ${escapeControls(ref)}`
            : table(
                ['RUN', 'READS', 'FIRST', 'LAST', 'DIGESTS'],
                result.runs.map((r) => [
                  r.run_id,
                  r.reads,
                  r.first_ts,
                  r.last_ts,
                  r.digests.map((d) => d.slice(0, 19)).join(','),
                ]),
              ),
        );
      }),
    );

  program
    .command('stale')
    .description('what a run read that has changed or disappeared since')
    .requiredOption('--run <run>', 'run ID')
    .option('--specs <dir>', 'spec root (the current versions)', defaultSpecs())
    .option('--ledger <path>', 'ledger file or postgres:// URL', defaultLedger())
    .option('--json', 'print JSON')
    .action((opts: CommonOptions & { run: string }) =>
      withLedger(opts, async (store) => {
        const { loadCorpus } = await import('../corpus/corpus.js');
        const snapshot = loadCorpus({ root: opts.specs }).current();
        const report = await staleReads(store, opts.run, currentDigests(snapshot));
        if (report.stale.length > 0) process.exitCode = 1;
        if (opts.json) return printJson(report);
        printText(
          report.stale.length === 0
            ? `nothing run ${escapeControls(report.run)} read has changed`
            : table(
                ['REF', 'REASON', 'READ', 'CURRENT'],
                report.stale.map((s) => [
                  s.ref,
                  s.reason,
                  s.read_digest.slice(0, 19),
                  s.current_digest?.slice(0, 19) ?? null,
                ]),
              ),
        );
      }),
    );

  program
    .command('attest')
    .description(
      'print an in-toto Statement (SLSA provenance v1) of the clauses a run read, or of a commit from its git note',
    )
    .option('--run <run>', 'run ID (from the ledger)')
    .option('--commit <sha>', 'the commit the run produced (the subject); alone, attested from its git note')
    .option('--repo <dir>', 'the git repository, for --commit without --run', '.')
    .option('--sign <key>', 'wrap the Statement in a DSSE envelope signed with this private key')
    .option('--verify <file>', 'check a DSSE envelope (with --key) instead of attesting')
    .option('--key <file>', 'verifier key (PREFIX.pub) for --verify')
    .option('--ledger <path>', 'ledger file or postgres:// URL', defaultLedger())
    .action(async (opts: CommonOptions & AttestCliOptions & { repo: string }) => {
      if (opts.verify !== undefined) return verifyEnvelopeFile(opts.verify, opts.key);
      const signer = opts.sign === undefined ? undefined : loadSignerKey(opts.sign);
      if (opts.run === undefined) {
        if (opts.commit === undefined) throw new ExitError('attest needs --run RUN, --commit SHA, or both');
        const fromNote = await attestFromNote(opts.commit, opts.repo);
        printJson(signer ? signStatement(fromNote as Parameters<typeof signStatement>[0], signer) : fromNote);
        return;
      }
      const run = opts.run;
      return withLedger(opts, async (store) => {
        const verified = await store.verify();
        if (!verified.ok)
          throw new ExitError(
            `refusing to attest: ledger verification failed at seq ${verified.seq}: ${verified.reason}`,
          );
        const statement = await attest(store, run, { commit: opts.commit });
        printJson(signer ? signStatement(statement, signer) : statement);
      });
    });

  program
    .command('verify')
    .description('walk the hash chain; exit 1 naming the first bad record')
    .option('--since <checkpoint>', 'also prove the ledger extends this signed checkpoint (with --key)')
    .option(
      '--from-checkpoint',
      'trust the last stored checkpoint (its signature checked with --key) and check only the records after it',
    )
    .option('--key <file>', "the log's verifier key (PREFIX.pub) for --since and --from-checkpoint")
    .option('--ledger <path>', 'ledger file or postgres:// URL', defaultLedger())
    .option('--json', 'print JSON')
    .option('--quiet', 'no progress line, even on a terminal')
    .action(
      (opts: CommonOptions & { since?: string; key?: string; quiet?: boolean; fromCheckpoint?: boolean }) =>
        withLedger(opts, async (store) => {
          if (opts.since !== undefined && opts.fromCheckpoint)
            throw new ExitError('--since and --from-checkpoint are two checks: pass one', 2);
          if (opts.since !== undefined)
            return verifySinceCommand(
              store,
              resolveLedger(opts.ledger),
              opts.since,
              opts.key,
              opts.json === true,
            );
          if (opts.fromCheckpoint)
            return verifyFromCheckpointCommand(
              store,
              resolveLedger(opts.ledger),
              opts.key,
              opts.json === true,
            );
          const progress = progressReporter({
            quiet: opts.quiet === true,
            verb: 'verifying',
            unit: 'records',
          });
          const result = await store.verify({ onProgress: progress }).finally(progress.end);
          if (opts.json) printJson(result);
          else if (result.ok) printText(`ok: ${result.records} records, chain intact`);
          else printText(`FAILED at seq ${result.seq}: ${result.reason} (${result.records} records checked)`);
          if (!result.ok) process.exitCode = 1;
        }),
    );
}
