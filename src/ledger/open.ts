// The one place that turns `--ledger <spec>` into a store: `off`, a PostgreSQL URL, or a SQLite file path.
import { fileURLToPath } from 'node:url';
import { SpecLedgerError } from '../errors.js';
import { createNullStore } from './null-store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import type { LedgerStore } from './types.js';

export type OpenLedgerOptions = SqliteStoreOptions;

/** The default location, relative to the project root. */
export const DEFAULT_LEDGER_PATH = '.specledger/ledger.db';

/**
 * Opens the ledger named by `spec`. Async although SQLite opens synchronously, because the
 * PostgreSQL store will need to connect first and callers should not change when it lands.
 */
export async function openLedger(spec: string, options: OpenLedgerOptions = {}): Promise<LedgerStore> {
  const trimmed = spec.trim();
  if (trimmed === '') {
    throw new SpecLedgerError(
      'CONFIG',
      `ledger location is empty: pass a file path (e.g. ${DEFAULT_LEDGER_PATH}), a postgres:// URL or "off"`,
    );
  }
  if (trimmed === 'off') return createNullStore();
  if (/^postgres(?:ql)?:\/\//i.test(trimmed)) {
    throw new SpecLedgerError('CONFIG', 'PostgreSQL ledger not available yet');
  }
  if (/^file:\/\//i.test(trimmed)) return openSqliteStore(fileURLToPath(trimmed), options);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  if (scheme) {
    throw new SpecLedgerError(
      'CONFIG',
      `unsupported ledger URL scheme "${scheme[1]}:": use a file path, a postgres:// URL or "off"`,
    );
  }
  return openSqliteStore(spec, options);
}
