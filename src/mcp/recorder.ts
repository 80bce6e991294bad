// The one place every response carrying spec content passes through: its reads are committed to the ledger first.
import { SpecLedgerError } from '../errors.js';
import type { LedgerStore, ReadKind, ReadRecord, ReadRecordInput } from '../ledger/types.js';
import { normalizeText } from '../parse/digest.js';
import type { Clause, SpecDoc } from '../parse/types.js';
import type { GitInfo } from '../source/git.js';
import type { CallContext } from './context.js';

export interface ServedRead {
  kind: ReadKind;
  spec: SpecDoc | null;
  clause: Clause | null;
  /** `sha256:<hex>` of `text`. */
  digest: string;
  /** The text the digest covers; stored once per digest so `show REF@DIGEST` can return it later. */
  text: string;
  /** Tokens actually sent to the agent. */
  tokens: number;
  /**
   * A pinned version older than the current file: the version, status and commit recorded when that text was
   * first served, which the record repeats instead of the current file's.
   */
  recorded?: { specVersion: string | null; status: string | null; gitCommit: string | null };
}

export type RecordHook = (records: readonly ReadRecord[], ctx: CallContext, tool: string) => void;

export interface Recorder {
  /** Resolves once the reads are durably in the ledger; rejects with LEDGER_UNAVAILABLE otherwise (fail-closed). */
  record(ctx: CallContext, tool: string, reads: readonly ServedRead[]): Promise<ReadRecord[]>;
}

function commitOf(git: GitInfo, read: ServedRead): Promise<string | null> | string | null {
  if (read.recorded) return read.recorded.gitCommit;
  return read.spec ? git.commitFor(read.spec.path, read.spec.digest) : null;
}

/** Digests remembered as stored before the set starts over (a forgotten one only costs its text being sent again). */
const STORED_DIGESTS = 50_000;

export function createRecorder(ledger: LedgerStore, git: GitInfo, onRecorded?: RecordHook): Recorder {
  // Digests whose text this process has already stored: the snapshot is written once, not once per read. A plain
  // set cleared when full rather than an LRU: storing a snapshot again is harmless (the store ignores a digest it
  // has), and two LRU updates per read were ~1 µs of every call.
  const stored = new Set<string>();
  // Reads in the same millisecond share one timestamp string (toISOString is ~0.7 µs).
  let stampMs = -1;
  let stamp = '';
  return {
    async record(ctx, tool, reads) {
      if (reads.length === 0) return [];
      const now = Date.now();
      if (now !== stampMs) {
        stampMs = now;
        stamp = new Date(now).toISOString();
      }
      const ts = stamp;
      // Git commits are memoized promises, settled after a spec's first read: one await for all of them.
      const commits =
        reads.length === 1
          ? [await commitOf(git, reads[0] as ServedRead)]
          : await Promise.all(reads.map((r) => commitOf(git, r)));
      const inputs: ReadRecordInput[] = new Array(reads.length);
      for (let i = 0; i < reads.length; i++) {
        const r = reads[i] as ServedRead;
        const input: ReadRecordInput = {
          ts,
          run_id: ctx.runId,
          run_id_source: ctx.runIdSource,
          principal: ctx.principal,
          session_id: ctx.sessionId,
          client_name: ctx.clientName,
          client_version: ctx.clientVersion,
          transport: ctx.transport,
          tool,
          kind: r.kind,
          spec_id: r.spec?.id ?? null,
          clause_id: r.clause?.id ?? null,
          spec_version: r.recorded ? r.recorded.specVersion : (r.spec?.version ?? null),
          status: r.recorded ? r.recorded.status : (r.spec?.status ?? null),
          digest: r.digest,
          git_commit: commits[i] ?? null,
          tokens: r.tokens,
        };
        if (!stored.has(r.digest)) input.text = normalizeText(r.text);
        inputs[i] = input;
      }
      let records: ReadRecord[];
      try {
        records = await ledger.append(inputs);
      } catch (error) {
        if (error instanceof SpecLedgerError) throw error;
        throw new SpecLedgerError(
          'LEDGER_UNAVAILABLE',
          `the provenance ledger could not record this read, so it was not served: ${(error as Error).message}`,
          { cause: error },
        );
      }
      for (const r of reads) {
        if (stored.has(r.digest)) continue;
        if (stored.size >= STORED_DIGESTS) stored.clear();
        stored.add(r.digest);
      }
      onRecorded?.(records, ctx, tool);
      return records;
    },
  };
}
