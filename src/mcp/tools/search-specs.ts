// search_specs: ranked clause references with short snippets, for finding a topic across every spec.

import { z } from 'zod';
import type { ConnectionInfo } from '../context.js';
import type { SpecServerDeps } from '../deps.js';
import type { ServedRead } from '../recorder.js';
import type { ToolRegistry } from '../tool-runner.js';
import { runReadingTool } from '../tool-runner.js';
import { READ_ONLY, runIdArg } from './schemas.js';

export function registerSearchSpecsTool(
  server: ToolRegistry,
  deps: SpecServerDeps,
  conn: ConnectionInfo,
): void {
  server.registerTool(
    'search_specs',
    {
      title: 'Search the specs',
      description:
        'Find clauses about a topic across all specs (BM25 over titles and text) and get ranked SPEC#CLAUSE refs with short snippets; then read the ones that matter with get_clause. Snippets are not the rule: do not cite a snippet without reading the clause. For the specs that govern a file you are editing, use specs_for_path instead.',
      inputSchema: {
        query: z.string().min(1).max(500).describe('Words to look for, e.g. "refund window".'),
        spec: z.string().max(500).optional().describe('Only search this spec ID.'),
        limit: z.number().int().min(1).max(50).optional().describe('Maximum hits (default 10).'),
        include_proposals: z
          .boolean()
          .optional()
          .describe('Also search proposed changes (e.g. openspec/changes); default false.'),
        run_id: runIdArg,
      },
      outputSchema: {
        hits: z.array(
          z.object({ ref: z.string(), title: z.string(), snippet: z.string(), score: z.number() }),
        ),
      },
      annotations: READ_ONLY,
    },
    (args, facts) =>
      runReadingTool(deps, conn, 'search_specs', args, facts, async (snapshot) => {
        const specId = args.spec ? snapshot.resolve(`${args.spec.split('#')[0]}#`).spec.id : undefined;
        const hits = await snapshot.search(args.query, {
          spec: specId,
          limit: args.limit ?? 10,
          includeProposals: args.include_proposals ?? false,
        });
        const reads: ServedRead[] = hits.map((hit) => {
          const { spec, clause } = snapshot.resolve(hit.ref);
          return {
            kind: 'search',
            spec,
            clause,
            digest: clause!.digest,
            text: clause!.text,
            tokens: deps.tokens.count(hit.snippet),
          };
        });
        const text =
          hits.length === 0
            ? `no clauses match "${args.query}"; try fewer or other words, or read_root for the catalog`
            : hits.map((h) => `- ${h.ref} — ${h.title} (${h.score})\n  ${h.snippet}`).join('\n');
        return { structured: { hits }, text, reads };
      }),
  );
}
