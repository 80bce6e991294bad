// get_clause: level 2 — one clause's text by stable ID, child sections collapsed, within a token budget.

import { z } from 'zod';
import { statusLabel } from '../../parse/labels.js';
import { type Clause, specSource } from '../../parse/types.js';
import type { ConnectionInfo } from '../context.js';
import { assertNotDeprecated } from '../deprecation.js';
import type { SpecServerDeps } from '../deps.js';
import type { ToolRegistry } from '../tool-runner.js';
import { deepFreeze, runReadingTool } from '../tool-runner.js';
import { viewClause } from '../views/clause-view.js';
import { childRef, READ_ONLY, runIdArg } from './schemas.js';

const DEFAULT_CLAUSE_TOKENS = 4000;

export function registerGetClauseTool(
  server: ToolRegistry,
  deps: SpecServerDeps,
  conn: ConnectionInfo,
): void {
  server.registerTool(
    'get_clause',
    {
      title: 'Read one clause',
      description:
        'Read the exact text of one clause by its stable reference SPEC#CLAUSE (e.g. "auth#token-lifetime"), with its version and digest to cite. A bare clause ID works when it is unique; a bare spec ID returns the spec with its sections collapsed. Child sections come back as one-line pointers unless depth asks for them. Do not use it to browse: get the refs from get_outline, specs_for_path or search_specs first.',
      inputSchema: {
        ref: z.string().min(1).max(500).describe('SPEC#CLAUSE, a unique bare clause ID, or a spec ID.'),
        depth: z
          .number()
          .int()
          .min(0)
          .max(10)
          .optional()
          .describe('Levels of child sections to include in full (default 0).'),
        max_tokens: z
          .number()
          .int()
          .min(50)
          .max(100_000)
          .optional()
          .describe('Token budget (default 4000); longer text is cut with a continuation.'),
        cursor: z.string().max(40).optional().describe('continuation.cursor from a truncated get_clause.'),
        allow_deprecated: z.boolean().optional().describe('Read a deprecated spec anyway (default false).'),
        run_id: runIdArg,
      },
      outputSchema: {
        ref: z.string(),
        spec: z.string(),
        id: z.string(),
        title: z.string(),
        text: z.string(),
        version: z.string(),
        status: z.string(),
        digest: z.string(),
        uri: z.string(),
        tokens: z.number(),
        children: z.array(childRef),
        truncated: z.boolean(),
        continuation: z.object({ cursor: z.string(), call: z.string() }).optional(),
        path: z.string(),
        lines: z.object({ start: z.number(), end: z.number() }),
        attrs: z.record(z.string(), z.string()).optional(),
        superseded_by: z.array(z.string()).optional(),
      },
      annotations: READ_ONLY,
    },
    (args, facts) =>
      runReadingTool(deps, conn, 'get_clause', args, facts, (snapshot) => {
        const target = snapshot.resolve(args.ref);
        const { spec, clause } = target;
        if (!args.allow_deprecated)
          assertNotDeprecated(snapshot, target, 'pass allow_deprecated: true to read it anyway');
        const depth = args.depth ?? 0;
        const maxTokens = args.max_tokens ?? DEFAULT_CLAUSE_TOKENS;
        const digest = clause?.digest ?? spec.digest;
        const key = `clause|${clause?.ref ?? spec.id}|${digest}|${depth}|${maxTokens}|${args.cursor ?? ''}`;
        let rendered = deps.cache.get(key);
        if (!rendered) {
          const view = viewClause(snapshot, target, { depth, maxTokens, cursor: args.cursor }, deps.tokens);
          // Frozen: the cache hands this object to every later call (and encoders may keep its JSON).
          rendered = { structured: deepFreeze({ ...view }), text: renderClauseText(view, clause?.kind) };
          deps.cache.set(key, rendered);
        }
        return {
          ...rendered,
          reads: [
            {
              kind: 'clause',
              spec,
              clause,
              digest,
              text: clause ? clause.text : specSource(spec),
              tokens: rendered.structured.tokens as number,
            },
          ],
        };
      }),
  );
}

/**
 * The header names the ref, version and digest; the title only when the text does not already start with it (a
 * heading's first line is the heading, an item's title is its own opening words): ~30 tokens an item read saves.
 */
function renderClauseText(view: ReturnType<typeof viewClause>, kind: Clause['kind'] | undefined): string {
  const newline = view.text.indexOf('\n');
  const firstLine = newline < 0 ? view.text : view.text.slice(0, newline);
  const titled = kind !== 'item' && !firstLine.includes(view.title);
  const head = `${view.ref}${titled ? ` — ${view.title}` : ''} [${statusLabel(view.status, view.version)}, ${view.digest.slice(0, 19)}…]`;
  const notes = view.superseded_by ? [`(superseded by ${view.superseded_by.join(', ')})`] : [];
  return [head, ...notes, '', view.text].join('\n');
}
