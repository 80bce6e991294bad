// The PostgreSQL ledger's schema: versioned migrations run under an advisory lock, and the append-only guard on ledger rows.
import type { PoolClient } from 'pg';
import { SpecLedgerError } from '../errors.js';
import { GENESIS_HASH, NEW_LEDGER_RECORD_HASH, parseRecordHashFormat, RECORD_COLUMNS } from './hash-chain.js';
import { NULLABLE_FIELDS } from './records.js';
import type { RecordHashFormat } from './types.js';

/** The schema all ledger tables live in unless `schema` (or `?schema=` in the URL) names another. */
export const DEFAULT_SCHEMA = 'specledger';

/**
 * Key of the advisory lock taken around migrations. Advisory locks are per database, not per
 * schema, so one constant serialises every SpecLedger migration in a database; migrations are rare
 * and short, so that costs nothing. The value spells "SPECLDGR" in ASCII.
 */
const MIGRATION_LOCK_KEY = 0x5350_4543_4c44_4752n;

/** Every ReadRecord column, in hashing order; `reads` rows come back in exactly this shape. */
export const COLUMNS = RECORD_COLUMNS;

/** The PostgreSQL type of each column, for the `unnest($n::type[])` batch insert. */
export const COLUMN_TYPES: Readonly<Record<(typeof COLUMNS)[number], string>> = {
  seq: 'bigint',
  ts: 'text',
  run_id: 'text',
  run_id_source: 'text',
  principal: 'text',
  session_id: 'text',
  client_name: 'text',
  client_version: 'text',
  transport: 'text',
  tool: 'text',
  kind: 'text',
  spec_id: 'text',
  clause_id: 'text',
  spec_version: 'text',
  status: 'text',
  digest: 'text',
  git_commit: 'text',
  tokens: 'integer',
  prev_hash: 'text',
  hash: 'text',
};

/** The columns a record may leave empty: the fields validateInput allows to be null. */
const NULLABLE_COLUMNS: ReadonlySet<string> = new Set(NULLABLE_FIELDS);

/**
 * Migrations by target version: the first takes an empty schema to version 1. Each runs while
 * MIGRATION_LOCK_KEY is held, so replicas starting together apply it exactly once
 * (CREATE … IF NOT EXISTS alone still races on the catalogs and fails with duplicate-key errors).
 *
 * Protection of ledger rows, two layers, both installed here so the store needs nothing but its URL:
 * 1. Privileges: UPDATE, DELETE and TRUNCATE on `reads` and `snapshots` are revoked from PUBLIC and
 *    from the migrating role itself, so the server's own connection gets "permission denied".
 *    In a fleet, run the server as a separate role that was only granted what it needs:
 *      GRANT USAGE ON SCHEMA specledger TO specledger_app;
 *      GRANT SELECT, INSERT ON specledger.reads, specledger.snapshots TO specledger_app;
 *      GRANT SELECT, INSERT, UPDATE ON specledger.head, specledger.meta TO specledger_app;
 *      GRANT SELECT ON specledger.runs, specledger.run_identities, specledger.read_groups TO specledger_app;
 *    Migrate once with the owner's URL (start any replica with it), then run the fleet as that
 *    role: its start-up only checks the schema version, which needs no DDL rights.
 * 2. Triggers that raise on UPDATE, DELETE and TRUNCATE of those tables, and on moving the head
 *    backwards: they also stop roles that bypass privileges (superusers) and an owner that granted
 *    itself the rights back. Getting past them takes deliberate DDL by the owner (ALTER TABLE …
 *    DISABLE TRIGGER), and `verify` still names any record edited that way.
 */
export function migrations(schema: string, recordHash: RecordHashFormat = 'prev-json'): readonly string[] {
  const s = quoteIdent(schema);
  const columns = COLUMNS.map((c) => {
    if (c === 'seq') return '  seq bigint PRIMARY KEY';
    return `  ${c} ${COLUMN_TYPES[c]}${NULLABLE_COLUMNS.has(c) ? '' : ' NOT NULL'}`;
  }).join(',\n');
  return [
    `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE ${s}.meta (key text PRIMARY KEY, value text NOT NULL);
-- One row: the newest (seq, hash). Appends lock it (SELECT … FOR UPDATE), which is what serialises
-- the chain step across replicas, and verify compares it with the last row to catch a cut-off tail.
CREATE TABLE ${s}.head (
  id smallint PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO ${s}.head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
CREATE TABLE ${s}.reads (
${columns}
);
CREATE TABLE ${s}.snapshots (digest text PRIMARY KEY, text text NOT NULL);
CREATE INDEX reads_run_id ON ${s}.reads (run_id);
CREATE INDEX reads_spec_clause ON ${s}.reads (spec_id, clause_id);
CREATE INDEX reads_digest ON ${s}.reads (digest);

CREATE FUNCTION ${s}.reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'SpecLedger % rows are append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER reads_append_only BEFORE UPDATE OR DELETE ON ${s}.reads
  FOR EACH ROW EXECUTE FUNCTION ${s}.reject_change();
CREATE TRIGGER reads_no_truncate BEFORE TRUNCATE ON ${s}.reads
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.reject_change();
CREATE TRIGGER snapshots_append_only BEFORE UPDATE OR DELETE ON ${s}.snapshots
  FOR EACH ROW EXECUTE FUNCTION ${s}.reject_change();
CREATE TRIGGER snapshots_no_truncate BEFORE TRUNCATE ON ${s}.snapshots
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.reject_change();

CREATE FUNCTION ${s}.head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Nested rather than one OR: NEW and OLD are unset in the statement-level TRUNCATE trigger.
  IF TG_OP = 'UPDATE' THEN
    IF NEW.seq >= OLD.seq THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'SpecLedger head only moves forward: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER head_forward_only BEFORE UPDATE OR DELETE ON ${s}.head
  FOR EACH ROW EXECUTE FUNCTION ${s}.head_forward_only();
CREATE TRIGGER head_no_truncate BEFORE TRUNCATE ON ${s}.head
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.head_forward_only();

REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.reads, ${s}.snapshots FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.reads, ${s}.snapshots FROM CURRENT_USER;
REVOKE DELETE, TRUNCATE ON ${s}.head FROM CURRENT_USER;
`,
    // Version 2: summaries kept at commit time (see summarizeInto), so runs list, who-read and stale cost what they
    // return instead of a scan of every read (~1 s at 200k reads). A statement trigger keeps them, so every insert
    // into reads, whichever role or SpecLedger version makes it, updates them in the same transaction; it runs as
    // the owner (SECURITY DEFINER), so a serving role needs only SELECT on them. Existing reads are summarised while
    // appends wait (the lock on the head row), so none is missed.
    `
CREATE TABLE ${s}.runs (
  run_id text PRIMARY KEY,
  run_id_source text,
  first_seq bigint NOT NULL,
  last_seq bigint NOT NULL,
  first_ts text COLLATE "C" NOT NULL,
  last_ts text COLLATE "C" NOT NULL,
  reads bigint NOT NULL
);
CREATE INDEX runs_by_first_seq ON ${s}.runs (first_seq);
-- Who read for a run: one row per distinct (principal, client); the key is their JSON, as NULLs are not equal in
-- a unique index.
CREATE TABLE ${s}.run_identities (
  identity text PRIMARY KEY,
  run_id text NOT NULL,
  principal text,
  client_name text,
  client_version text,
  first_seq bigint NOT NULL
);
CREATE INDEX run_identities_by_run ON ${s}.run_identities (run_id, first_seq);
CREATE TABLE ${s}.read_groups (
  group_key text PRIMARY KEY,
  ${GROUP_COLUMNS.map((c) => `${c} text${c === 'run_id' || c === 'kind' || c === 'spec_id' ? ' NOT NULL' : ''}`).join(',\n  ')},
  reads bigint NOT NULL,
  first_seq bigint NOT NULL,
  last_seq bigint NOT NULL,
  first_ts text COLLATE "C" NOT NULL,
  last_ts text COLLATE "C" NOT NULL
);
CREATE INDEX read_groups_by_ref ON ${s}.read_groups (spec_id, clause_id, digest);
CREATE INDEX read_groups_by_run ON ${s}.read_groups (run_id);

CREATE FUNCTION ${s}.summarize_reads() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
${summarizeInto(s, 'new_reads')}
  RETURN NULL;
END
$$;
CREATE TRIGGER reads_summarize AFTER INSERT ON ${s}.reads REFERENCING NEW TABLE AS new_reads
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.summarize_reads();
-- Every append locks the head row first (any SpecLedger version): holding it, no read is inserted meanwhile.
SELECT 1 FROM ${s}.head WHERE id = 1 FOR UPDATE;
${summarizeInto(s, `${s}.reads`)}
REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.runs, ${s}.run_identities, ${s}.read_groups FROM PUBLIC;
`,
    // Version 3: meta names the ledger's record hash format (types.ts RecordHashFormat): `recordHash`, which is
    // 'prev-json' for a ledger migrated from an earlier version (its chain was written so) and the format of a new
    // ledger for one these migrations create. The row is fixed from then on: a serving role may update meta (the
    // checkpoint rows), and a changed format would make every replica append records its chain does not match.
    `
INSERT INTO ${s}.meta (key, value) VALUES ('record_hash', '${recordHash}') ON CONFLICT (key) DO NOTHING;
CREATE FUNCTION ${s}.record_hash_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'SpecLedger meta record_hash is fixed when the ledger is created: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER record_hash_fixed BEFORE UPDATE OR DELETE ON ${s}.meta
  FOR EACH ROW WHEN (OLD.key = 'record_hash') EXECUTE FUNCTION ${s}.record_hash_fixed();
CREATE TRIGGER meta_no_truncate BEFORE TRUNCATE ON ${s}.meta
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.record_hash_fixed();
`,
  ];
}

/** The ledger's record hash format (meta `record_hash`, which only a version 2 ledger, read as it is, lacks). */
export async function readRecordHash(client: PoolClient, schema: string): Promise<RecordHashFormat> {
  // The version first: a migration committing between the two reads can only add the row, never take it away.
  const versionTwo = (await schemaVersion(client, schema)) === 2;
  const row = await client.query<{ value: string }>(
    `SELECT value FROM ${quoteIdent(schema)}.meta WHERE key = 'record_hash'`,
  );
  return parseRecordHashFormat(row.rows[0]?.value, versionTwo);
}

/** The columns a read group is keyed by: what who-read and stale distinguish. */
export const GROUP_COLUMNS = [
  'run_id',
  'kind',
  'spec_id',
  'clause_id',
  'digest',
  'principal',
  'client_name',
  'client_version',
] as const;

/**
 * Adds the reads of `source` (the trigger's transition table, or the whole table when upgrading) to the summaries,
 * one statement per summary.
 */
function summarizeInto(s: string, source: string): string {
  const keys = GROUP_COLUMNS.join(', ');
  return `
  INSERT INTO ${s}.runs AS r (run_id, run_id_source, first_seq, last_seq, first_ts, last_ts, reads)
    SELECT run_id, (array_agg(run_id_source ORDER BY seq))[1], min(seq), max(seq),
           min(ts COLLATE "C"), max(ts COLLATE "C"), count(*)
    FROM ${source} GROUP BY run_id
  ON CONFLICT (run_id) DO UPDATE SET
    first_seq = LEAST(r.first_seq, excluded.first_seq), last_seq = GREATEST(r.last_seq, excluded.last_seq),
    first_ts = LEAST(r.first_ts, excluded.first_ts), last_ts = GREATEST(r.last_ts, excluded.last_ts),
    reads = r.reads + excluded.reads;
  INSERT INTO ${s}.run_identities (identity, run_id, principal, client_name, client_version, first_seq)
    SELECT json_build_array(run_id, principal, client_name, client_version)::text,
           run_id, principal, client_name, client_version, min(seq)
    FROM ${source} GROUP BY run_id, principal, client_name, client_version
  ON CONFLICT (identity) DO NOTHING;
  INSERT INTO ${s}.read_groups AS g (group_key, ${keys}, reads, first_seq, last_seq, first_ts, last_ts)
    SELECT json_build_array(${keys})::text, ${keys}, count(*), min(seq), max(seq),
           min(ts COLLATE "C"), max(ts COLLATE "C")
    FROM ${source} WHERE spec_id IS NOT NULL GROUP BY ${keys}
  ON CONFLICT (group_key) DO UPDATE SET
    reads = g.reads + excluded.reads,
    first_seq = LEAST(g.first_seq, excluded.first_seq), last_seq = GREATEST(g.last_seq, excluded.last_seq),
    first_ts = LEAST(g.first_ts, excluded.first_ts), last_ts = GREATEST(g.last_ts, excluded.last_ts);`;
}

/**
 * The summaries recomputed from every read, EXCEPT those stored, in both directions: verify's check that nobody
 * edited them (no hash covers them, and an edit could hide a run from runs list or a read from who-read and stale).
 * Each row names the summary table and the seq it concerns.
 */
export function summaryDifferences(s: string): string {
  const keys = GROUP_COLUMNS.join(', ');
  const pair = (table: string, expected: string, stored: string) => `
    SELECT '${table}' AS summary, run_id, first_seq FROM ((${expected}) EXCEPT (${stored})) AS missing
    UNION ALL
    SELECT '${table}', run_id, first_seq FROM ((${stored}) EXCEPT (${expected})) AS extra`;
  return `
    ${pair(
      'runs',
      `SELECT run_id, (array_agg(run_id_source ORDER BY seq))[1] AS run_id_source, min(seq) AS first_seq, max(seq),
              min(ts COLLATE "C"), max(ts COLLATE "C"), count(*) FROM ${s}.reads GROUP BY run_id`,
      `SELECT run_id, run_id_source, first_seq, last_seq, first_ts, last_ts, reads FROM ${s}.runs`,
    )}
    UNION ALL
    ${pair(
      'run_identities',
      `SELECT json_build_array(run_id, principal, client_name, client_version)::text, run_id,
              min(seq) AS first_seq FROM ${s}.reads GROUP BY run_id, principal, client_name, client_version`,
      `SELECT identity, run_id, first_seq FROM ${s}.run_identities`,
    )}
    UNION ALL
    ${pair(
      'read_groups',
      `SELECT json_build_array(${keys})::text, run_id, count(*), min(seq) AS first_seq, max(seq),
              min(ts COLLATE "C"), max(ts COLLATE "C") FROM ${s}.reads WHERE spec_id IS NOT NULL GROUP BY ${keys}`,
      `SELECT group_key, run_id, reads, first_seq, last_seq, first_ts, last_ts FROM ${s}.read_groups`,
    )}
    ORDER BY first_seq LIMIT 1`;
}

export const SCHEMA_VERSION = migrations(DEFAULT_SCHEMA).length;

export function unavailable(message: string, cause?: unknown): SpecLedgerError {
  return new SpecLedgerError('LEDGER_UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

/**
 * Schema names are interpolated into SQL (identifiers cannot be bound parameters), so only plain
 * lower-case identifiers are accepted.
 */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new SpecLedgerError(
      'CONFIG',
      `invalid ledger schema "${schema}": use lower-case letters, digits and _ (at most 63), e.g. ${DEFAULT_SCHEMA}`,
    );
  }
  return schema;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The schema version recorded in `schema`, 0 when the schema holds no ledger yet. */
async function schemaVersion(client: PoolClient, schema: string): Promise<number> {
  const s = quoteIdent(schema);
  const exists = await client.query<{ meta: string | null }>('SELECT to_regclass($1) AS meta', [`${s}.meta`]);
  if (exists.rows[0]?.meta == null) return 0;
  const row = await client.query<{ value: string }>(
    `SELECT value FROM ${s}.meta WHERE key = 'schema_version'`,
  );
  const version = Number(row.rows[0]?.value ?? Number.NaN);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new Error(
      `${schema}.meta holds no valid schema_version (${row.rows[0]?.value ?? 'missing'}): not a SpecLedger ledger`,
    );
  }
  return version;
}

function tooNew(version: number): Error {
  return new Error(
    `ledger schema version ${version} is newer than this SpecLedger reads (${SCHEMA_VERSION}); upgrade SpecLedger`,
  );
}

/**
 * Brings `schema` to SCHEMA_VERSION. Checks first without the lock, so replicas starting against a
 * migrated database neither wait on each other nor need DDL rights (a serving role that was only
 * granted SELECT/INSERT can start); only when something is missing does it lock and re-check.
 *
 * The lock is session-level, taken before BEGIN, rather than pg_advisory_xact_lock inside the
 * transaction: a backend that waited for the lock inside a transaction keeps its catalog cache
 * from before the wait (invalidations are only read at transaction start or on relation locks), so
 * its re-check misses the tables the winner just created and its CREATE TABLE fails with "already
 * exists" — the racing-start test shows exactly that. Starting the transaction after the wait
 * reads the winner's catalog changes. The lock dies with the connection if the process does.
 */
export async function migrate(client: PoolClient, schema: string): Promise<void> {
  const current = await schemaVersion(client, schema);
  if (current === SCHEMA_VERSION) return;
  if (current > SCHEMA_VERSION) throw tooNew(current);
  const key = MIGRATION_LOCK_KEY.toString();
  await client.query('SELECT pg_advisory_lock($1)', [key]);
  try {
    await client.query('BEGIN');
    try {
      const locked = await schemaVersion(client, schema);
      if (locked > SCHEMA_VERSION) throw tooNew(locked);
      // A ledger these steps create gets the new ledger's format; one they upgrade keeps the one it was written in.
      const steps = migrations(schema, locked === 0 ? NEW_LEDGER_RECORD_HASH : 'prev-json');
      for (let version = locked; version < SCHEMA_VERSION; version += 1) {
        await client.query(steps[version] as string);
      }
      if (locked < SCHEMA_VERSION) {
        await client.query(
          `INSERT INTO ${quoteIdent(schema)}.meta (key, value) VALUES ('schema_version', $1)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [String(SCHEMA_VERSION)],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [key]);
  }
}

/** For read-only opens (the CLI): the ledger must already exist at this version; nothing is created. */
export async function checkSchema(client: PoolClient, schema: string): Promise<void> {
  const version = await schemaVersion(client, schema);
  if (version === 0)
    throw new Error(`no SpecLedger ledger in schema "${schema}" (a server creates it on start-up)`);
  if (version > SCHEMA_VERSION) throw tooNew(version);
  // Version 2 differs from 3 only by the record_hash it lacks, which reads as 'prev-json': readable as it is.
  if (version < SCHEMA_VERSION && version !== 2) {
    throw new Error(
      `ledger schema version ${version} is older than ${SCHEMA_VERSION}; start a server once to migrate it`,
    );
  }
}
