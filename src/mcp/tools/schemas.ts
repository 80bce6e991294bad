// Shared zod pieces of the tool contracts (DESIGN.md): extend them, never rename.
import { z } from 'zod';
import { RUN_ID_MAX_LENGTH } from '../run-id.js';

export const runIdArg = z
  .string()
  .min(1)
  .max(RUN_ID_MAX_LENGTH)
  .optional()
  .describe('Your run ID, so this read is attributed to your run in the provenance ledger (optional).');

export const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

export const childRef = z.object({ ref: z.string(), title: z.string(), tokens: z.number() });
