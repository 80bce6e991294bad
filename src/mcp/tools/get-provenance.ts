// get_provenance: what this run (or a named one) has read so far — for an agent to cite in its PR.

import { z } from 'zod';
import { SpecLedgerError } from '../../errors.js';
import { proveRecords } from '../../ledger/receipts.js';
import { latestCheckpoint } from '../../ledger/tree.js';
import type { ReadRecord } from '../../ledger/types.js';
import { specRefTrailers } from '../../trace/trailers.js';
import { type ConnectionInfo, resolveCallContext } from '../context.js';
import type { SpecServerDeps } from '../deps.js';
import { toToolError } from '../errors.js';
import { RUN_ID_MAX_LENGTH } from '../run-id.js';
import type { ToolRegistry } from '../tool-runner.js';
import { READ_ONLY } from './schemas.js';

/**
 * Reads per page. A 50k-read run answered whole was 11 MB of JSON and held the event loop ~1.2 s beyond the ledger
 * query (measured with 50k records); 200 reads are ~45 KB, about 11k tokens of an agent's context.
 */
const DEFAULT_PROVENANCE_PAGE = 200;
const MAX_PROVENANCE_PAGE = 1000;

const CURSOR_RE = /^after-(\d{1,15})$/;

function afterSeqOf(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const m = CURSOR_RE.exec(cursor);
  if (!m) {
    throw new SpecLedgerError(
      'INVALID_ARGUMENT',
      `cursor "${cursor.slice(0, 40)}" is not a get_provenance cursor; pass the next_cursor of the previous page, e.g. "after-200"`,
    );
  }
  return Number(m[1]);
}

export function registerGetProvenanceTool(
  server: ToolRegistry,
  deps: SpecServerDeps,
  conn: ConnectionInfo,
): void {
  server.registerTool(
    'get_provenance',
    {
      title: 'What this run has read',
      description:
        'List the spec clauses this run has read so far, each with the version and digest it read, and the Spec-Run / Spec-Refs trailers that cite them — paste those into your commit message. Pass run_id to ask about another run of yours. Paginated, oldest first: pass next_cursor to see more. It reads the ledger only; it does not read specs.',
      inputSchema: {
        run_id: z
          .string()
          .min(1)
          .max(RUN_ID_MAX_LENGTH)
          .optional()
          .describe('Run to report on (default: the current run).'),
        limit: z
          .number()
          .int()
          .min(1)
          .max(MAX_PROVENANCE_PAGE)
          .optional()
          .describe(`Reads per page (default ${DEFAULT_PROVENANCE_PAGE}).`),
        cursor: z.string().max(40).optional().describe('next_cursor from the previous page.'),
        receipts: z
          .boolean()
          .optional()
          .describe(
            "Also return an offline-verifiable receipt (record, inclusion proof, signed checkpoint) for each read on this page that the ledger's latest checkpoint covers (default false).",
          ),
      },
      outputSchema: {
        run: z.object({ id: z.string(), source: z.string() }),
        reads: z.array(
          z.object({
            seq: z.number(),
            ts: z.string(),
            kind: z.string(),
            ref: z.string().nullable(),
            digest: z.string().nullable(),
            version: z.string().nullable(),
          }),
        ),
        next_cursor: z.string().optional(),
        receipts: z
          .array(z.record(z.string(), z.unknown()))
          .optional()
          .describe(
            'One per read on this page that a signed checkpoint covers; check with specledger verify-receipt.',
          ),
        receipts_pending: z
          .number()
          .optional()
          .describe('Reads on this page newer than the latest checkpoint, which have no receipt yet.'),
        trailers: z
          .array(z.string())
          .describe(
            'Commit-message trailers citing every clause this run read: Spec-Run, then Spec-Refs REF@digest.',
          ),
      },
      annotations: READ_ONLY,
    },
    async (args, facts) => {
      try {
        const ctx = resolveCallContext(conn, facts, args.run_id);
        const afterSeq = afterSeqOf(args.cursor);
        const limit = args.limit ?? DEFAULT_PROVENANCE_PAGE;
        // The run key already carries the principal; the filter also keeps out reads another principal (or a
        // server without tokens) filed under a key that happens to look like this one's.
        const records = (await deps.ledger.reads({ run_id: ctx.runId })).filter(
          (r) => r.principal === ctx.principal,
        );
        const first = records[0];
        let start = 0;
        while (start < records.length && (records[start]?.seq ?? 0) <= afterSeq) start++;
        const page = records.slice(start, start + limit);
        const reads = page.map((r) => ({
          seq: r.seq,
          ts: r.ts,
          kind: r.kind,
          ref: r.spec_id ? (r.clause_id ? `${r.spec_id}#${r.clause_id}` : r.spec_id) : null,
          digest: r.digest,
          version: r.spec_version,
        }));
        const last = page[page.length - 1];
        const nextCursor = start + limit < records.length && last ? `after-${last.seq}` : undefined;
        const source = first?.run_id_source ?? ctx.runIdSource;
        const shown =
          records.length > reads.length
            ? `, showing ${start + 1}–${start + reads.length}${nextCursor ? `; more with cursor "${nextCursor}"` : ''}`
            : '';
        const proofs = args.receipts ? await receiptsFor(deps, page) : undefined;
        // Over the whole run, not the page: a commit cites everything the run relied on.
        const trailers = specRefTrailers(ctx.runId, records);
        const text = [
          `run ${ctx.runId} (${source}): ${records.length} reads${shown}`,
          ...reads
            .filter((r) => r.ref)
            .map((r) => `- ${r.ref} v${r.version} ${r.digest?.slice(0, 19)}… (${r.kind})`),
          '',
          'Trailers for your commit message:',
          ...trailers,
          ...(proofs
            ? [
                '',
                `${proofs.receipts.length} receipts (verify offline with specledger verify-receipt)${proofs.pending ? `; ${proofs.pending} reads newer than the latest checkpoint have none yet` : ''}`,
              ]
            : []),
        ].join('\n');
        return {
          content: [{ type: 'text', text }],
          structuredContent: {
            run: { id: ctx.runId, source },
            reads,
            ...(nextCursor ? { next_cursor: nextCursor } : {}),
            ...(proofs ? { receipts: proofs.receipts, receipts_pending: proofs.pending } : {}),
            trailers,
          },
        };
      } catch (error) {
        return toToolError('get_provenance', args, error);
      }
    },
  );
}

/**
 * Receipts for the reads the latest signed checkpoint covers; newer reads are counted, not proved (a checkpoint
 * taken later covers them). No checkpoint at all is an error the agent can act on (proveRecords says what to run).
 */
async function receiptsFor(
  deps: SpecServerDeps,
  reads: readonly ReadRecord[],
): Promise<{ receipts: Array<Record<string, unknown>>; pending: number }> {
  if (reads.length === 0) return { receipts: [], pending: 0 };
  const latest = await latestCheckpoint(deps.ledger);
  const size = latest?.checkpoint.size ?? 0;
  const covered = reads.filter((r) => r.seq <= size);
  const receipts =
    covered.length > 0 || latest === null
      ? await proveRecords(deps.ledger, covered.length > 0 ? covered : reads)
      : [];
  return {
    receipts: receipts as unknown as Array<Record<string, unknown>>,
    pending: reads.length - covered.length,
  };
}
