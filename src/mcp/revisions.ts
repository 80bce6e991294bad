// The protocol revisions this server speaks, by era: one home for the SDK entries, the fast lanes and the stdio
// transport, which each tell the eras apart.

/** The 2026-era revision (the `_meta` envelope, server/discover); the only one of its era this server speaks. */
export const MODERN_REVISION = '2026-07-28';

/** The 2026-era revisions this server speaks; a request's envelope naming another is refused per request. */
export const MODERN_REVISIONS: ReadonlySet<string> = new Set([MODERN_REVISION]);

/** The 2025-era revisions a sessionless request may name in MCP-Protocol-Version. */
export const LEGACY_REVISIONS: ReadonlySet<string> = new Set(['2025-11-25', '2025-06-18', '2025-03-26']);
