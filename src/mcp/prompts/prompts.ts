// Prompts: start a task the SpecLedger way (root → outline → clauses), and cite what shaped the change.
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'start_task',
    {
      title: 'Start a task from the specs',
      description: 'Read the spec root, find the clauses that govern the task, and cite them.',
      argsSchema: z.object({
        task: z.string().describe('What you are about to do.'),
        path: z.string().optional().describe('A file or folder the task touches, if known.'),
      }),
    },
    ({ task, path }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: [
              `Task: ${task}`,
              '',
              'Before you change anything:',
              '1. Call read_root once; follow its standing rules.',
              path
                ? `2. Call specs_for_path {"path":"${path}"} to find the specs and AGENTS.md files that govern it.`
                : '2. Pick the relevant specs from the catalog (or search_specs for a topic).',
              '3. get_outline the relevant specs; get_clause only the clauses you need.',
              '4. Do the task. Where a clause constrains the work, follow it exactly.',
              '5. End with a "Specs used" list: each SPEC#CLAUSE with the version and digest get_clause returned (get_provenance lists them).',
            ].join('\n'),
          },
        },
      ],
    }),
  );
  server.registerPrompt(
    'cite_specs',
    {
      title: 'Cite the specs this run read',
      description: 'Write a "Specs used" block for a commit message or PR from the ledger.',
    },
    () => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: 'Call get_provenance, then write a "Specs used" section: one line per clause read (SPEC#CLAUSE, version, first 12 hex digits of the digest), dropping root and search reads you did not rely on.',
          },
        },
      ],
    }),
  );
}
