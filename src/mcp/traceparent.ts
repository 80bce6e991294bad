// The one W3C Trace Context `traceparent` parser: run identity (context.ts) and span parenting (telemetry) share it.

interface Traceparent {
  version: string;
  /** 32 lowercase hex digits, never all zeros. */
  traceId: string;
  /** 16 lowercase hex digits, never all zeros. */
  parentId: string;
  /** The trace-flags byte (bit 0 = sampled). */
  flags: number;
}

// version "-" trace-id "-" parent-id "-" trace-flags, all lowercase hex (HEXDIGLC): 55 characters for version 00.
const FIELDS = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})/;
const VERSION_00_LENGTH = 55;
const ALL_ZEROS = /^0+$/;

/**
 * Parses a traceparent per W3C Trace Context: version `ff` is invalid; version 00 has exactly four fields; a
 * higher version may append fields after a `-`, which are ignored; an all-zero trace-id or parent-id makes the
 * whole header invalid. Surrounding spaces and tabs (HTTP's optional whitespace) are allowed. Null when invalid.
 */
export function parseTraceparent(value: string | null | undefined): Traceparent | null {
  if (typeof value !== 'string') return null;
  const header = value.replace(/^[ \t]+|[ \t]+$/g, '');
  const m = FIELDS.exec(header);
  if (!m) return null;
  const [, version, traceId, parentId, flags] = m as unknown as [string, string, string, string, string];
  if (version === 'ff') return null;
  if (
    version === '00'
      ? header.length !== VERSION_00_LENGTH
      : header.length > VERSION_00_LENGTH && header[VERSION_00_LENGTH] !== '-'
  )
    return null;
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(parentId)) return null;
  return { version, traceId, parentId, flags: Number.parseInt(flags, 16) };
}
