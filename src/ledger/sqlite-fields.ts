// The SQLite ledger's shared fields (contexts: who read; targets: what was read), stored once and cached by id and value.
import type Database from 'better-sqlite3';
import { createTsDecoder, type FieldDictionary, TARGET_FIELDS } from './sqlite-blocks.js';
import { bindable } from './sqlite-summaries.js';
import type { ReadRecord } from './types.js';

export interface SqliteFieldDictionary extends FieldDictionary {
  /** What the committing transaction inserted is now known for good; call once its COMMIT succeeded. */
  committed(): void;
  /** Forgets what a rolled-back transaction inserted: SQLite hands its ids out again. */
  rolledBack(): void;
  /** Target ids whose spec_id, clause_id and digest match those given: who-read's starting point. */
  targetsOf(filter: { spec_id?: string; clause_id?: string; digest?: string }): number[];
}

/** JSON of a field's values, as the table stores them and looks them up by. */
const jsonOf = (values: readonly unknown[]): string => JSON.stringify(values);

interface Known {
  values: readonly unknown[];
  id: number;
}

interface Table {
  /**
   * Known values by one field that mostly tells them apart (the run ID, the digest), then compared field by field
   * with ===. The recorder hands the same string objects for a run's or a clause's reads, so this is a hash lookup
   * V8 has already computed plus a few pointer comparisons (~50 ns); a joined key string was ~1 µs per read.
   */
  byLead: Map<unknown, Known[]>;
  lead: number;
  byId: Map<number, readonly unknown[]>;
  pending: { values: readonly unknown[]; id: number }[];
  get: Database.Statement;
  find: Database.Statement;
  insert: Database.Statement | undefined;
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function createFieldDictionary(db: Database.Database, writable: boolean): SqliteFieldDictionary {
  const table = (name: 'contexts' | 'targets', lead: number, insertSql: string): Table => ({
    byLead: new Map(),
    lead,
    byId: new Map(),
    pending: [],
    get: db.prepare(`SELECT fields FROM ${name} WHERE id = ?`).pluck(),
    find: db.prepare(`SELECT id FROM ${name} WHERE fields = ?`).pluck(),
    insert: writable ? db.prepare(insertSql).pluck() : undefined,
  });
  // The run, principal and client are columns too, beside the fields (verify holds them equal): who-read and runs
  // list read them for every row, and extracting them from JSON was a third of who-read's SQL time.
  const contexts = table(
    'contexts',
    0,
    'INSERT INTO contexts (run_id, principal, client_name, client_version, fields) VALUES (?, ?, ?, ?, ?) RETURNING id',
  );
  const targets = table(
    'targets',
    TARGET_FIELDS.indexOf('digest'),
    'INSERT INTO targets (spec_id, clause_id, digest, fields) VALUES (?, ?, ?, ?) RETURNING id',
  );
  const targetsByRef = db
    .prepare(
      `SELECT id FROM targets
       WHERE (@spec IS NULL OR spec_id = @spec) AND (@clause IS NULL OR clause_id = @clause)
         AND (@digest IS NULL OR digest = @digest)`,
    )
    .pluck();

  function known(t: Table, values: readonly unknown[]): number | undefined {
    const candidates = t.byLead.get(values[t.lead]);
    if (candidates === undefined) return undefined;
    for (const candidate of candidates) if (sameValues(candidate.values, values)) return candidate.id;
    return undefined;
  }

  function remember(t: Table, values: readonly unknown[], id: number): void {
    const lead = values[t.lead];
    const candidates = t.byLead.get(lead);
    if (candidates === undefined) t.byLead.set(lead, [{ values, id }]);
    else candidates.push({ values, id });
    t.byId.set(id, values);
  }

  /** The id of `values`, inserting them when the ledger does not hold them yet (inside the write transaction). */
  function idOf(t: Table, values: readonly unknown[], insertArgs: () => unknown[]): number {
    const cached = known(t, values);
    if (cached !== undefined) return cached;
    const json = jsonOf(values);
    let id = t.find.get(json) as number | undefined;
    if (id === undefined) {
      if (!t.insert) throw new Error('the ledger was opened read-only');
      id = t.insert.get(...insertArgs(), json) as number;
      t.pending.push({ values, id });
    }
    remember(t, values, id);
    return id;
  }

  function lookup(t: Table, id: number): readonly unknown[] | undefined {
    const known = t.byId.get(id);
    if (known !== undefined) return known;
    if (!Number.isSafeInteger(id)) return undefined;
    const json = t.get.get(id) as string | undefined;
    if (json === undefined) return undefined;
    let values: unknown;
    try {
      values = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (!Array.isArray(values)) return undefined;
    t.byId.set(id, values);
    return values;
  }

  return {
    contextId(r: ReadRecord) {
      // Written out rather than mapped over CONTEXT_FIELDS: once per read on the write path.
      const values = [
        r.run_id,
        r.run_id_source,
        r.principal,
        r.session_id,
        r.client_name,
        r.client_version,
        r.transport,
      ];
      return idOf(contexts, values, () => [
        bindable(r.run_id),
        bindable(r.principal),
        bindable(r.client_name),
        bindable(r.client_version),
      ]);
    },
    targetId(r: ReadRecord) {
      const values = [
        r.tool,
        r.kind,
        r.spec_id,
        r.clause_id,
        r.spec_version,
        r.status,
        r.digest,
        r.git_commit,
      ];
      return idOf(targets, values, () => [bindable(r.spec_id), bindable(r.clause_id), bindable(r.digest)]);
    },
    context: (id) => lookup(contexts, id),
    timestamp: createTsDecoder(),
    target: (id) => lookup(targets, id),
    targetsOf(filter) {
      return targetsByRef.all({
        spec: filter.spec_id ?? null,
        clause: filter.clause_id ?? null,
        digest: filter.digest ?? null,
      }) as number[];
    },
    committed() {
      contexts.pending.length = 0;
      targets.pending.length = 0;
    },
    rolledBack() {
      for (const t of [contexts, targets]) {
        for (const { values, id } of t.pending) {
          const candidates = t.byLead.get(values[t.lead]);
          const at = candidates?.findIndex((c) => c.id === id) ?? -1;
          if (candidates && at >= 0) candidates.splice(at, 1);
          t.byId.delete(id);
        }
        t.pending.length = 0;
      }
    },
  };
}
