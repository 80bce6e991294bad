// search_specs: ranked clause references with short snippets, for finding a topic across every spec.

import { z } from 'zod';
import type { ConnectionInfo } from '../context.js';
import type { SpecServerDeps } from '../deps.js';
import type { ToolRegistry } from '../tool-runner.js';
import { runReadingTool } from '../tool-runner.js';
import { viewSearch } from '../views/search-view.js';
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
        'Find clauses about a topic or answer a question across all specs (stemmed BM25 over IDs, titles and text; examples, templates, archives and deprecated specs rank last unless asked for) and get ranked SPEC#CLAUSE refs with the sentence that matched; pass answer_tokens to get the text of the best hits in the same call, else read the ones that matter with get_clause. Snippets are not the rule: do not cite a snippet without reading the clause. For the specs that govern a file you are editing, use specs_for_path instead.',
      inputSchema: {
        query: z.string().min(1).max(500).describe('Words to look for, e.g. "refund window".'),
        spec: z.string().max(500).optional().describe('Only search this spec ID.'),
        limit: z.number().int().min(1).max(50).optional().describe('Maximum hits (default 10).'),
        include_proposals: z
          .boolean()
          .optional()
          .describe('Also search proposed changes (e.g. openspec/changes); default false.'),
        answer_tokens: z
          .number()
          .int()
          .min(0)
          .max(20_000)
          .optional()
          .describe(
            'Also return the full text of the best hits, in rank order, while they fit this many tokens (e.g. 400): a small clause is then answered in one call, recorded as a read of that clause. Default 0: refs and snippets only.',
          ),
        run_id: runIdArg,
      },
      outputSchema: {
        hits: z.array(
          z.object({
            ref: z.string(),
            title: z.string(),
            snippet: z.string(),
            score: z.number(),
            text: z.string().optional(),
            digest: z.string().optional(),
            version: z.string().optional(),
            status: z.string().optional(),
            tokens: z.number().optional(),
          }),
        ),
      },
      annotations: READ_ONLY,
    },
    (args, facts) =>
      runReadingTool(deps, conn, 'search_specs', args, facts, (snapshot) =>
        viewSearch(
          snapshot,
          {
            query: args.query,
            spec: args.spec,
            limit: args.limit ?? 10,
            includeProposals: args.include_proposals ?? false,
            answerTokens: args.answer_tokens ?? 0,
          },
          deps.tokens,
        ),
      ),
  );
}
