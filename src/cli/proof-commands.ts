// keygen, checkpoint, prove, verify-receipt, and the key handling verify --since and attest --sign/--verify share.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ExitError, SpecLedgerError } from '../errors.js';
import {
  generateNoteKey,
  type NoteSignerKey,
  type NoteVerifierKey,
  parseSignerKey,
  parseVerifierKey,
} from '../ledger/checkpoint.js';
import { openLedger } from '../ledger/open.js';
import { parseReceipt, proveRecords, verifyReceipt } from '../ledger/receipts.js';
import { formatRef } from '../ledger/refs.js';
import { UnreadableBlockError } from '../ledger/sqlite-blocks.js';
import { openLeafReader, takeCheckpoint } from '../ledger/tree.js';
import type { LeafReader } from '../ledger/tree-leaves.js';
import type { LedgerStore } from '../ledger/types.js';
import { readInputFile } from './input-files.js';
import { defaultLedger, integerOption, resolveLedger } from './options.js';
import { escapeControls, printText } from './output.js';

/**
 * Runs a check: an error in what the user gave (a key, a receipt, a proof) is a failed check, exit 1, and so is a
 * ledger block that cannot be read (edited, inserted, empty): that is damage, not a ledger out of reach (exit 2).
 */
export async function failedCheckExits<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (
      error instanceof SpecLedgerError &&
      (error.code !== 'LEDGER_UNAVAILABLE' || error.cause instanceof UnreadableBlockError)
    )
      throw new ExitError(error.message, 1, { cause: error });
    throw error;
  }
}

/** The private key at `file`, refused unless only its owner can read it (0600), as ssh refuses one. */
export function loadSignerKey(file: string): NoteSignerKey {
  const text = readInputFile(file, 'key');
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new ExitError(
      `private key ${file} is accessible by others (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 ${file}`,
    );
  return parseSignerKey(text);
}

export function loadVerifierKey(file: string): NoteVerifierKey {
  const text = readInputFile(file, 'key');
  if (text.trim().startsWith('PRIVATE+KEY+'))
    throw new ExitError(`${file} is a private key: pass the verifier key (${file}.pub)`);
  return parseVerifierKey(text);
}

/** Opens the ledger named by --ledger, which must exist; writable only when the command stores something. */
async function withExistingLedger<T>(
  ledger: string,
  options: { readonly: boolean },
  fn: (store: LedgerStore, leaves: LeafReader) => Promise<T>,
): Promise<T> {
  if (ledger === 'off') throw new ExitError('--ledger off has no records to prove');
  const location = resolveLedger(ledger);
  if (!location.includes('://') && !existsSync(location))
    throw new ExitError(`no ledger at ${location} yet: \`specledger serve\` records reads there`);
  const store = await openLedger(location, { readonly: options.readonly });
  try {
    const leaves = openLeafReader(location, store);
    try {
      return await fn(store, leaves);
    } finally {
      await leaves.close();
    }
  } finally {
    await store.close();
  }
}

function writeNew(file: string, text: string, mode: number): void {
  try {
    writeFileSync(file, text, { mode, flag: 'wx' });
  } catch (cause) {
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new ExitError(
      exists
        ? `${file} exists: refusing to overwrite a key`
        : `cannot write ${file}: ${(cause as Error).message}`,
    );
  }
}

interface ProveOptions {
  ledger: string;
  seq?: number;
  run?: string;
  out?: string;
  key?: string;
}

export function registerProofCommands(program: Command): void {
  program
    .command('keygen')
    .description('write an Ed25519 key pair in the sumdb/note format: PREFIX (private, 0600) and PREFIX.pub')
    .requiredOption('--out <prefix>', 'where to write the key pair')
    .option(
      '--origin <name>',
      'the log origin the key signs for (no spaces or +), e.g. example.com/specledger',
      'specledger.local/ledger',
    )
    .action((opts: { out: string; origin: string }) =>
      failedCheckExits(async () => {
        const { signer, verifier } = generateNoteKey(opts.origin);
        if (existsSync(`${opts.out}.pub`))
          throw new ExitError(`${opts.out}.pub exists: refusing to overwrite a key`);
        writeNew(opts.out, `${signer}\n`, 0o600);
        writeNew(`${opts.out}.pub`, `${verifier}\n`, 0o644);
        printText(verifier);
      }),
    );

  program
    .command('checkpoint')
    .description("sign the ledger's current tree head as a C2SP tlog-checkpoint, store it, and print it")
    .requiredOption('--key <file>', 'private key (from specledger keygen)')
    .option('--full', 'rebuild the tree from the first record instead of extending the last checkpoint')
    .option('--ledger <path>', 'ledger file or postgres:// URL', defaultLedger())
    .action((opts: { key: string; full?: boolean; ledger: string }) =>
      failedCheckExits(async () => {
        const key = loadSignerKey(opts.key);
        const { note } = await withExistingLedger(opts.ledger, { readonly: false }, (store, leaves) =>
          takeCheckpoint(store, key, { full: opts.full === true, leaves }),
        );
        process.stdout.write(note);
      }),
    );

  program
    .command('prove')
    .description(
      'write a receipt (record, inclusion proof, signed checkpoint) for one read or every read of a run',
    )
    .option('--seq <n>', 'one record', integerOption(1))
    .option('--run <run>', 'every read of a run, one file each (needs --out)')
    .option('--out <dir>', 'directory for the receipt files (--seq without it prints the receipt)')
    .option('--key <file>', 'take a checkpoint with this private key first')
    .option('--ledger <path>', 'ledger file or postgres:// URL', defaultLedger())
    .action((opts: ProveOptions) =>
      failedCheckExits(async () => {
        if ((opts.seq === undefined) === (opts.run === undefined))
          throw new ExitError('pass exactly one of --seq N or --run R');
        if (opts.run !== undefined && opts.out === undefined)
          throw new ExitError('--run writes one file per read: pass --out DIR');
        const key = opts.key === undefined ? undefined : loadSignerKey(opts.key);
        const readonly = key === undefined;
        await withExistingLedger(opts.ledger, { readonly }, async (store, leaves) => {
          if (key) await takeCheckpoint(store, key, { leaves });
          const records =
            opts.run !== undefined
              ? await store.reads({ run_id: opts.run })
              : (await store.recordsAfter((opts.seq as number) - 1, 1)).filter((r) => r.seq === opts.seq);
          if (records.length === 0)
            throw new ExitError(
              opts.run !== undefined
                ? `no reads recorded for run "${opts.run}"`
                : `no record with seq ${opts.seq}`,
            );
          const receipts = (await proveRecords(store, records, leaves)).map(
            (r) => `${JSON.stringify(r, null, 2)}\n`,
          );
          if (opts.out === undefined) {
            process.stdout.write(receipts[0] as string);
            return;
          }
          mkdirSync(opts.out, { recursive: true });
          records.forEach((record, i) => {
            const file = path.join(opts.out as string, `seq-${record.seq}.receipt.json`);
            writeFileSync(file, receipts[i] as string);
          });
          printText(`${records.length} receipt${records.length === 1 ? '' : 's'} written to ${opts.out}`);
        });
      }),
    );

  program
    .command('verify-receipt')
    .description(
      'check receipts offline, without the ledger: signed checkpoint, record hash, inclusion proof',
    )
    .argument('<files...>', 'receipt files (from specledger prove)')
    .requiredOption('--key <file>', "the log's verifier key (PREFIX.pub)")
    .action((files: string[], opts: { key: string }) =>
      failedCheckExits(async () => {
        const key = loadVerifierKey(opts.key);
        for (const file of files) {
          const text = readInputFile(file, 'receipt');
          let verified: ReturnType<typeof verifyReceipt>;
          try {
            verified = verifyReceipt(parseReceipt(text), key);
          } catch (error) {
            throw new ExitError(`${file}: ${(error as Error).message}`, 1, { cause: error });
          }
          const { origin, tree_size, record } = verified;
          const ref = formatRef(record.spec_id, record.clause_id) ?? record.tool;
          printText(
            escapeControls(
              `ok: seq ${record.seq} is in log ${origin} (tree size ${tree_size}): run ${record.run_id} read ${ref}${record.digest ? ` @${record.digest}` : ''}`,
            ),
          );
        }
      }),
    );
}
