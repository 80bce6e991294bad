// Shared zod pieces of the tool contracts (DESIGN.md): extend them, never rename.
import { z } from 'zod';

export const runIdArg = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe('Your run ID, so this read is attributed to your run in the provenance ledger (optional).');

export const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

export const childRef = z.object({ ref: z.string(), title: z.string(), tokens: z.number() });
