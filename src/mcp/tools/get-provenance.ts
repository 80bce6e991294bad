// get_provenance: what this run (or a named one) has read so far — for an agent to cite in its PR.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { type ConnectionInfo, resolveCallContext } from '../context.js';
import type { SpecServerDeps } from '../deps.js';
import { toToolError } from '../errors.js';
import { READ_ONLY } from './schemas.js';

export function registerGetProvenanceTool(
  server: McpServer,
  deps: SpecServerDeps,
  conn: ConnectionInfo,
): void {
  server.registerTool(
    'get_provenance',
    {
      title: 'What this run has read',
      description:
        'List the spec clauses this run has read so far, each with the version and digest it read — cite them in your commit or PR description. Pass run_id to ask about another run. It reads the ledger only; it does not read specs.',
      inputSchema: {
        run_id: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('Run to report on (default: the current run).'),
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
      },
      annotations: READ_ONLY,
    },
    async (args, extra) => {
      try {
        const ctx = resolveCallContext(conn, extra, args.run_id);
        const records = await deps.ledger.reads({ run_id: ctx.runId });
        const reads = records.map((r) => ({
          seq: r.seq,
          ts: r.ts,
          kind: r.kind,
          ref: r.spec_id ? (r.clause_id ? `${r.spec_id}#${r.clause_id}` : r.spec_id) : null,
          digest: r.digest,
          version: r.spec_version,
        }));
        const source = records[0]?.run_id_source ?? ctx.runIdSource;
        const text = [
          `run ${ctx.runId} (${source}): ${reads.length} reads`,
          ...reads
            .filter((r) => r.ref)
            .map((r) => `- ${r.ref} v${r.version} ${r.digest?.slice(0, 19)}… (${r.kind})`),
        ].join('\n');
        return {
          content: [{ type: 'text', text }],
          structuredContent: { run: { id: ctx.runId, source }, reads },
        };
      } catch (error) {
        return toToolError('get_provenance', args, error);
      }
    },
  );
}
