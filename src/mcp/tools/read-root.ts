// read_root: level 0 of progressive disclosure — small whatever the corpus size.

import { z } from 'zod';
import { specSource } from '../../parse/types.js';
import type { ConnectionInfo } from '../context.js';
import type { SpecServerDeps } from '../deps.js';
import type { ServedRead } from '../recorder.js';
import type { ToolRegistry } from '../tool-runner.js';
import { runReadingTool } from '../tool-runner.js';
import { pageDigest, viewRoot } from '../views/root-view.js';
import { READ_ONLY, runIdArg } from './schemas.js';

export const DEFAULT_ROOT_TOKENS = 1500;

export function registerReadRootTool(server: ToolRegistry, deps: SpecServerDeps, conn: ConnectionInfo): void {
  server.registerTool(
    'read_root',
    {
      title: 'Read the spec root',
      description:
        'Start here, once per task: the project root document, the standing rules every change must follow, and a catalog with one line per spec (ID, status, version, summary, token cost). Then use get_outline or specs_for_path to pick specs and get_clause to read only the clauses you need. Do not call it repeatedly to find a clause; use search_specs for that. When the catalog does not fit it is folded by folder: pass a folder path as folder to list its specs.',
      inputSchema: {
        max_tokens: z
          .number()
          .int()
          .min(200)
          .max(50_000)
          .optional()
          .describe('Token budget for this page (default 1500).'),
        cursor: z.string().max(400).optional().describe('next_cursor from a previous read_root page.'),
        folder: z
          .string()
          .max(500)
          .optional()
          .describe('List only the specs under this folder, e.g. a folders[].path of the first page.'),
        run_id: runIdArg,
      },
      outputSchema: {
        root: z.object({ text: z.string(), truncated: z.boolean() }),
        specs: z.array(
          z.object({
            id: z.string(),
            title: z.string(),
            status: z.string(),
            version: z.string(),
            summary: z.string(),
            clauses: z.number(),
            tokens: z.number(),
          }),
        ),
        always: z.array(
          z.object({
            ref: z.string(),
            title: z.string(),
            version: z.string(),
            digest: z.string(),
            tokens: z.number(),
            text: z.string(),
          }),
        ),
        folders: z.array(
          z.object({
            path: z.string(),
            specs: z.number(),
            clauses: z.number(),
            tokens: z.number(),
            roles: z.string(),
            description: z.string(),
          }),
        ),
        folder: z.string().optional(),
        next_cursor: z.string().optional(),
        total_specs: z.number(),
        problems: z.number(),
      },
      annotations: READ_ONLY,
    },
    async (args, facts) => {
      // The page totals every spec's tokens; at start-up a helper thread may still be counting them.
      await deps.tokens.settled();
      return runReadingTool(deps, conn, 'read_root', args, facts, (snapshot) => {
        const page = viewRoot(
          snapshot,
          { maxTokens: args.max_tokens ?? DEFAULT_ROOT_TOKENS, cursor: args.cursor, folder: args.folder },
          deps.tokens,
        );
        const reads: ServedRead[] = [
          {
            kind: 'root',
            spec: null,
            clause: null,
            digest: pageDigest(page),
            text: page.text,
            tokens: page.tokens,
          },
          ...page.alwaysServed.map((spec) => ({
            kind: 'root' as const,
            spec,
            clause: null,
            digest: spec.digest,
            text: specSource(spec),
            tokens: spec.tokens,
          })),
        ];
        return { structured: { ...page.view }, text: page.text, reads };
      });
    },
  );
}
