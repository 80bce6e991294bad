// The one place that turns `--ledger <spec>` into a store: `off`, a PostgreSQL URL, or a SQLite file path.
import { fileURLToPath } from 'node:url';
import { SpecLedgerError } from '../errors.js';
import { DEFAULT_LEDGER_PATH } from './location.js';
import { createNullStore } from './null-store.js';
import type { PostgresStoreOptions } from './postgres-store.js';
import type { SqliteStoreOptions } from './sqlite-store.js';
import type { LedgerStore } from './types.js';

/**
 * `readonly` and `busyTimeoutMs` mean the same for both stores; the rest applies to PostgreSQL only. A new ledger
 * always gets the current record hash format here (`newLedgerRecordHash` is for tests and the bench).
 */
export type OpenLedgerOptions = Omit<SqliteStoreOptions, 'newLedgerRecordHash'> & PostgresStoreOptions;

/**
 * Splits the `schema` query parameter off a PostgreSQL URL: it is SpecLedger's, not libpq's, and
 * lets several ledgers share one database (one per environment, or per test). Other parameters
 * (sslmode, options, …) pass through untouched.
 */
function splitSchemaParam(url: string): { url: string; schema: string | undefined } {
  const q = url.indexOf('?');
  if (q === -1) return { url, schema: undefined };
  const params = new URLSearchParams(url.slice(q + 1));
  const schema = params.get('schema') ?? undefined;
  if (schema === undefined) return { url, schema };
  params.delete('schema');
  const rest = params.toString();
  return { url: rest === '' ? url.slice(0, q) : `${url.slice(0, q)}?${rest}`, schema };
}

/**
 * Opens the ledger named by `spec`. Async because the PostgreSQL store connects and migrates
 * before it can answer; SQLite opens synchronously. Each store's module (and its driver) is loaded
 * only when that store is asked for, so a command that never opens PostgreSQL never loads `pg`.
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
    const { url, schema } = splitSchemaParam(trimmed);
    const { openPostgresStore } = await import('./postgres-store.js');
    return openPostgresStore(url, { ...options, ...(schema === undefined ? {} : { schema }) });
  }
  const { openSqliteStore } = await import('./sqlite-store.js');
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
