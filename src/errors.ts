// One small error hierarchy with string codes; mapped to MCP in src/mcp/errors.ts and to exit codes in the CLI.

type ErrorCode =
  | 'NOT_FOUND'
  | 'AMBIGUOUS'
  | 'INVALID_ARGUMENT'
  | 'PATH_OUTSIDE_ROOT'
  | 'LEDGER_UNAVAILABLE'
  | 'DEPRECATED'
  | 'CONFIG'
  | 'INTERNAL';

export class SpecLedgerError extends Error {
  readonly code: ErrorCode;
  /** Refs written out as SPEC#CLAUSE that the caller may have meant. */
  readonly candidates: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; candidates?: readonly string[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpecLedgerError';
    this.code = code;
    this.candidates = options.candidates ?? [];
  }
}

/** An error the CLI reports as one line and a non-zero exit code. */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A value quoted in a message, bounded: JSON as `JSON.stringify` writes it when that fits in `maxChars`, else its
 * first `maxChars` characters, `…` and how many items or keys it has. It never walks more of the value than it
 * writes, so a value that is huge once expanded (a YAML alias bomb shares one list a billion times) costs no more
 * than a small one. Use it wherever a message quotes what a file or a client supplied.
 */
export function describeValue(value: unknown, maxChars = 80): string {
  const text = renderBounded(value, maxChars, 0);
  if (text.length <= maxChars) return text;
  const size = Array.isArray(value)
    ? ` (${value.length} items)`
    : typeof value === 'object' && value !== null
      ? ` (${Object.keys(value).length} keys)`
      : '';
  return `${text.slice(0, maxChars)}…${size}`;
}

/** Nesting deeper than this is written as a count: the message is for a person, not a parser. */
const DESCRIBE_DEPTH = 4;

/** JSON of `value`, or a prefix of it a little longer than `budget`: it stops writing once past the budget. */
function renderBounded(value: unknown, budget: number, depth: number): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > budget ? value.slice(0, budget + 1) : value);
  if (typeof value === 'bigint') return String(value);
  if (value === null || typeof value !== 'object' || value instanceof Date) {
    return JSON.stringify(value) ?? String(value);
  }
  if (Array.isArray(value)) {
    if (depth >= DESCRIBE_DEPTH) return `[${value.length} items]`;
    let text = '[';
    for (let i = 0; i < value.length && text.length <= budget; i++) {
      text += `${i > 0 ? ',' : ''}${renderBounded(value[i], Math.max(0, budget - text.length), depth + 1)}`;
    }
    return `${text}]`;
  }
  const keys = Object.keys(value);
  if (depth >= DESCRIBE_DEPTH) return `{${keys.length} keys}`;
  let text = '{';
  for (let i = 0; i < keys.length && text.length <= budget; i++) {
    const key = keys[i]!;
    const rest = Math.max(0, budget - text.length);
    text += `${i > 0 ? ',' : ''}${renderBounded(key, rest, DESCRIBE_DEPTH)}:`;
    text += renderBounded(
      (value as Record<string, unknown>)[key],
      Math.max(0, budget - text.length),
      depth + 1,
    );
  }
  return `${text}}`;
}
