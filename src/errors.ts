// One small error hierarchy with string codes; mapped to MCP in src/mcp/errors.ts and to exit codes in the CLI.

export type ErrorCode =
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
