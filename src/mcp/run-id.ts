// The one rule for the names the ledger keys runs by: declared run IDs, the principals that scope them, the run key.
import { SpecLedgerError } from '../errors.js';

/** Longest run ID a client may declare (UTF-16 units), before the principal scope is added. */
export const RUN_ID_MAX_LENGTH = 200;

// Control characters (C0, DEL, C1), format characters (bidi overrides, zero-width) and line/paragraph separators:
// printed by `runs` or `who-read`, any of them can move the cursor, recolour or reorder a terminal and forge rows.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * A principal is a bearer token's name: it prefixes run keys (`alice/run-7`), so it cannot hold `/`, and it is
 * printed in tables, so it is short and plain.
 */
const PRINCIPAL_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** `U+001B` for one code point: how an unprintable character is named in an error (never echoed raw). */
function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `id` (already trimmed) cannot name a run, or null when it can. */
function runIdProblem(id: string): string | null {
  if (id.length === 0) return 'it is empty';
  if (id.length > RUN_ID_MAX_LENGTH)
    return `it is ${id.length} characters long (at most ${RUN_ID_MAX_LENGTH})`;
  const bad = UNPRINTABLE.exec(id);
  if (bad) return `it contains the unprintable character ${codePointName(bad[0])} at position ${bad.index}`;
  return null;
}

/**
 * The declared run ID, trimmed, or a SpecLedgerError naming where it came from and what is wrong. Refused rather
 * than replaced by the next source: recording the read under another run would misattribute it silently.
 */
export function checkRunId(id: string, from: string): string {
  const trimmed = id.trim();
  const problem = runIdProblem(trimmed);
  if (problem === null) return trimmed;
  throw new SpecLedgerError(
    'INVALID_ARGUMENT',
    `the run ID from ${from} is not usable: ${problem}; a run ID is 1–${RUN_ID_MAX_LENGTH} printable characters (no control or formatting characters), e.g. "ci-4711"`,
  );
}

/** Why `name` cannot be a principal (a bearer token's name), or null when it can. */
export function principalProblem(name: string): string | null {
  if (PRINCIPAL_RE.test(name)) return null;
  return 'a token name is 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit';
}

/**
 * The key the ledger files a run under. A principal is the one identity the server witnesses, so two principals
 * declaring the same run ID get two runs: `alice/ci-7` and `bob/ci-7`. Idempotent, so the `run.id` that
 * get_provenance answers with can be passed back as `run_id`. Without a principal (stdio, HTTP without tokens)
 * the declared ID is the key.
 */
export function runKey(principal: string | null, runId: string): string {
  if (principal === null) return runId;
  const scope = `${principal}/`;
  return runId.startsWith(scope) ? runId : scope + runId;
}
