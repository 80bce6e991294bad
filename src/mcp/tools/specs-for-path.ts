// specs_for_path: the specs, clauses and AGENTS.md files that govern one code path — refs and costs, not bodies.

import { z } from 'zod';
import { statusLabel } from '../../parse/labels.js';
import { specSource } from '../../parse/types.js';
import type { ConnectionInfo } from '../context.js';
import type { SpecServerDeps } from '../deps.js';
import type { ServedRead } from '../recorder.js';
import type { ToolRegistry } from '../tool-runner.js';
import { runReadingTool } from '../tool-runner.js';
import { childRef, READ_ONLY, runIdArg } from './schemas.js';

export function registerSpecsForPathTool(
  server: ToolRegistry,
  deps: SpecServerDeps,
  conn: ConnectionInfo,
): void {
  server.registerTool(
    'specs_for_path',
    {
      title: 'Specs that govern a code path',
      description:
        "Before editing a file, ask which specs govern it: specs whose applies_to globs (or Kiro fileMatch) match the path, their top-level clauses, and the AGENTS.md files from the repository root down to it (nearest last). Returns refs with token costs, not text; read what you need with get_clause. Paths are relative to the repository root, e.g. 'src/refunds/api.ts'.",
      inputSchema: {
        path: z
          .string()
          .min(1)
          .max(1000)
          .describe('Repository-relative path of the file or folder, e.g. src/refunds/api.ts.'),
        run_id: runIdArg,
      },
      outputSchema: {
        path: z.string(),
        specs: z.array(
          z.object({
            id: z.string(),
            title: z.string(),
            status: z.string(),
            version: z.string(),
            tokens: z.number(),
            matched: z.string(),
          }),
        ),
        clauses: z.array(childRef),
        agents: z.array(z.object({ ref: z.string(), path: z.string(), tokens: z.number() })),
      },
      annotations: READ_ONLY,
    },
    (args, facts) =>
      runReadingTool(deps, conn, 'specs_for_path', args, facts, (snapshot) => {
        const match = snapshot.specsForPath(args.path);
        const reads: ServedRead[] = [...match.specs.map((s) => s.id), ...match.agents.map((a) => a.ref)].map(
          (id) => {
            const spec = snapshot.spec(id)!;
            return {
              kind: 'path',
              spec,
              clause: null,
              digest: spec.digest,
              text: specSource(spec),
              tokens: 0,
            };
          },
        );
        const lines = [
          `specs for ${match.path}:`,
          ...(match.specs.length === 0 ? ['  (no spec has an applies_to glob matching this path)'] : []),
          ...match.specs.map(
            (s) =>
              `- ${s.id} — ${s.title} [${statusLabel(s.status, s.version)}, ${s.tokens} tok] via ${s.matched}`,
          ),
          ...match.clauses.map((c) => `    - ${c.ref} — ${c.title} (${c.tokens})`),
          ...(match.agents.length > 0 ? ['AGENTS.md on the way (nearest last):'] : []),
          ...match.agents.map((a) => `- ${a.ref} (${a.path}, ${a.tokens} tok)`),
        ];
        return { structured: { ...match }, text: lines.join('\n'), reads };
      }),
  );
}
