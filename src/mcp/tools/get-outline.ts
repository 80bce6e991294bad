// get_outline: level 1 — one spec's clause tree with token costs, no bodies.

import { z } from 'zod';
import { specSource } from '../../parse/types.js';
import type { ConnectionInfo } from '../context.js';
import type { SpecServerDeps } from '../deps.js';
import type { ToolRegistry } from '../tool-runner.js';
import { runReadingTool } from '../tool-runner.js';
import { renderOutline, viewOutline } from '../views/outline-view.js';
import { READ_ONLY, runIdArg } from './schemas.js';

/** Two levels: sections and their subsections; requirements inside them are one depth further. */
const DEFAULT_OUTLINE_DEPTH = 2;

export function registerGetOutlineTool(
  server: ToolRegistry,
  deps: SpecServerDeps,
  conn: ConnectionInfo,
): void {
  server.registerTool(
    'get_outline',
    {
      title: 'Outline one spec',
      description:
        "List one spec's clauses (IDs, titles, token cost) without their text, to choose what to read with get_clause; the text shows `id: title (tokens)` under a `SPEC#<id>` header, structuredContent the full refs. Use after read_root or specs_for_path named a spec. Not for reading requirements themselves, and not for finding a topic across specs (use search_specs).",
      inputSchema: {
        spec: z.string().min(1).max(500).describe('Spec ID from the catalog, e.g. "auth".'),
        depth: z
          .number()
          .int()
          .min(1)
          .max(10)
          .optional()
          .describe(`Deepest clause level to list (default ${DEFAULT_OUTLINE_DEPTH}).`),
        run_id: runIdArg,
      },
      outputSchema: {
        spec: z.object({
          id: z.string(),
          title: z.string(),
          version: z.string(),
          status: z.string(),
          summary: z.string(),
          tokens: z.number(),
          path: z.string(),
        }),
        clauses: z.array(
          z.object({
            ref: z.string(),
            id: z.string(),
            title: z.string(),
            depth: z.number(),
            tokens: z.number(),
          }),
        ),
        hidden: z.number(),
      },
      annotations: READ_ONLY,
    },
    (args, facts) =>
      runReadingTool(deps, conn, 'get_outline', args, facts, (snapshot) => {
        const { spec } = snapshot.resolve(`${args.spec.split('#')[0]}#`);
        const depth = args.depth ?? DEFAULT_OUTLINE_DEPTH;
        const key = `outline|${spec.id}|${spec.digest}|${depth}`;
        let rendered = deps.cache.get(key);
        if (!rendered) {
          const view = viewOutline(spec, depth);
          rendered = { structured: { ...view }, text: renderOutline(view, { relative: true }) };
          deps.cache.set(key, rendered);
        }
        return {
          ...rendered,
          reads: [
            {
              kind: 'outline',
              spec,
              clause: null,
              digest: spec.digest,
              text: specSource(spec),
              tokens: deps.tokens.count(rendered.text),
            },
          ],
        };
      }),
  );
}
