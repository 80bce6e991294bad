// The HTTP server's default limits: one definition for the server and the CLI options (which must not load the SDK
// to show their defaults).
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
// Measured: 1,000 sessions took 344 MB of RSS (1,000 initialize POSTs to `serve --http --ledger off`), ~340 KB each; 500
// bounds sessions near 170 MB, and 50 per principal leaves room for ten busy principals at once.
export const DEFAULT_MAX_SESSIONS = 500;
export const DEFAULT_MAX_SESSIONS_PER_PRINCIPAL = 50;
// A 1 MiB body takes well under a second even on a slow link; 30 s cuts a client that drips its body.
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
