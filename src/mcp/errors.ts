// Maps SpecLedger errors to MCP: what the model can act on becomes an isError tool result; the rest a protocol error.
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { describeValue, SpecLedgerError } from '../errors.js';
import type { ToolResult } from './tool-runner.js';

/** Candidates an error text lists at most; the rest are counted (all of them are in `_meta`). */
const LISTED_CANDIDATES = 8;

export function toToolError(tool: string, asked: unknown, error: unknown): ToolResult {
  if (!(error instanceof SpecLedgerError)) throw error;
  // The arguments as asked, bounded: a client can send a megabyte of them.
  const lines = [`${tool} ${describeValue(asked, 300)} failed: ${error.message}`];
  // Each candidate once: the ones the message already names are not listed again, the rest up to a bound.
  const unnamed = error.candidates.filter((c) => !error.message.includes(c));
  const shown = unnamed.slice(0, LISTED_CANDIDATES);
  if (shown.length > 0) {
    const more = unnamed.length - shown.length;
    lines.push(`candidates: ${shown.join(', ')}${more > 0 ? ` (and ${more} more)` : ''}`);
  }
  return {
    isError: true,
    content: [{ type: 'text', text: lines.join('\n') }],
    // Not structuredContent: clients validate it against the tool's outputSchema even on errors.
    _meta: {
      'specledger/error': { code: error.code, message: error.message, candidates: [...error.candidates] },
    },
  };
}

/**
 * Resource reads have no tool-error channel: an unknown URI is invalid params (-32602, what 2026-07-28 prescribes
 * for a resources/read miss on every revision), a down ledger an internal error.
 */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof SpecLedgerError) {
    const code =
      error.code === 'LEDGER_UNAVAILABLE' || error.code === 'INTERNAL'
        ? ProtocolErrorCode.InternalError
        : ProtocolErrorCode.InvalidParams;
    const hint =
      error.candidates.length > 0 ? ` (candidates: ${error.candidates.slice(0, 5).join(', ')})` : '';
    return new ProtocolError(code, `${error.message}${hint}`, {
      code: error.code,
      candidates: error.candidates,
    });
  }
  return new ProtocolError(
    ProtocolErrorCode.InternalError,
    error instanceof Error ? error.message : String(error),
  );
}
