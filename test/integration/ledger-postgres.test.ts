// The PostgreSQL ledger: the store contract, one chain across replicas, append-only rows, racing migrations, tamper detection.
import { Pool } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { COLUMNS, migrations, SCHEMA_VERSION } from '../../src/ledger/postgres-schema.js';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import { runsList, whoRead } from '../../src/ledger/queries.js';
import type { LedgerStore, ReadRecord } from '../../src/ledger/types.js';
import { oldRecords } from '../fixtures/ledger-old-formats.js';
import { readInput } from '../fixtures/ledger-records.js';
import { openTestPostgres } from '../helpers/postgres.js';
import { describeLedgerContract, describeLedgerQueryContract, type OpenedLedger } from './ledger-contract.js';

const found = await openTestPostgres();
const db = found.ok ? found.pg : undefined;
if (!found.ok) console.warn(`skipping PostgreSQL ledger tests: ${found.reason}`);

afterAll(async () => {
  await db?.drop();
});

/** Stores opened by a test, closed by it whatever happens. */
async function withStores<T>(
  open: () => Promise<LedgerStore[]>,
  run: (stores: LedgerStore[]) => Promise<T>,
): Promise<T> {
  const stores = await open();
  try {
    return await run(stores);
  } finally {
    for (const store of stores) await store.close();
  }
}

function sortedSeqs(records: readonly ReadRecord[]): number[] {
  return records.map((r) => r.seq).sort((a, b) => a - b);
}

describe('postgres ledger without a server', () => {
  it('fails to open with LEDGER_UNAVAILABLE, naming the target but not the password', async () => {
    const error = await openLedger('postgres://specledger:hunter2@127.0.0.1:1/ledger', {
      busyTimeoutMs: 1000,
    }).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    expect((error as Error).message).toContain('postgres://specledger@127.0.0.1:1/ledger');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('rejects a schema name it would have to quote', async () => {
    await expect(openLedger('postgres://u@127.0.0.1:1/ledger?schema=Bad-Name')).rejects.toMatchObject({
      code: 'CONFIG',
    });
  });
});

describe.skipIf(!db)(`postgres ledger${found.ok ? '' : ` (skipped: ${found.reason})`}`, () => {
  const pg = db as NonNullable<typeof db>;

  const openTempSchema = async (): Promise<OpenedLedger> => {
    const url = pg.withSchema(pg.freshSchema());
    const stores: LedgerStore[] = [await openLedger(url)];
    return {
      store: stores[0] as LedgerStore,
      reopen: async () => {
        const store = await openLedger(url);
        stores.push(store);
        return store;
      },
      cleanup: async () => {
        for (const store of stores) await store.close();
      },
    };
  };
  describeLedgerContract('postgres', openTempSchema);
  describeLedgerQueryContract('postgres', openTempSchema);

  describe('replicas', () => {
    it('keeps one contiguous chain when two pools append concurrently', async () => {
      const schema = pg.freshSchema();
      await withStores(
        async () => [
          await openPostgresStore(pg.url, { schema }),
          await openPostgresStore(pg.url, { schema }),
        ],
        async ([a, b]) => {
          const appends = Array.from({ length: 400 }, (_, i) => {
            const store = (i % 2 === 0 ? a : b) as LedgerStore;
            const runId = `replica-${i % 2 === 0 ? 'a' : 'b'}-${i}`;
            const batch =
              i % 5 === 0
                ? [readInput({ run_id: runId }), readInput({ run_id: runId })]
                : [readInput({ run_id: runId })];
            return store.append(batch);
          });
          const results = await Promise.all(appends);
          const all = results.flat();
          expect(sortedSeqs(all)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
          for (const [i, records] of results.entries()) {
            expect(records.every((r) => r.run_id.endsWith(`-${i}`))).toBe(true);
            if (records.length === 2) expect(records[1]?.prev_hash).toBe(records[0]?.hash);
          }
          // What each replica returned is exactly what is stored, and either replica verifies it.
          const stored = await (a as LedgerStore).reads({});
          expect(stored).toEqual([...all].sort((x, y) => x.seq - y.seq));
          expect(await (a as LedgerStore).verify()).toEqual({ ok: true, records: all.length });
          expect(await (b as LedgerStore).verify()).toEqual({ ok: true, records: all.length });
        },
      );
    });

    it('applies migrations once when several stores open an empty database at the same moment', async () => {
      const url = await pg.createDatabase();
      await withStores(
        () => Promise.all(Array.from({ length: 6 }, () => openLedger(url))),
        async (stores) => {
          const appended = await Promise.all(
            stores.map((store, i) => store.append([readInput({ run_id: `r${i}` })])),
          );
          expect(sortedSeqs(appended.flat())).toEqual([1, 2, 3, 4, 5, 6]);
          expect(await stores[0]?.verify()).toEqual({ ok: true, records: 6 });
        },
      );
      const check = new Pool({ connectionString: url, max: 1 });
      try {
        const versions = await check.query(`SELECT value FROM specledger.meta WHERE key = 'schema_version'`);
        expect(versions.rows).toEqual([{ value: String(SCHEMA_VERSION) }]);
      } finally {
        await check.end();
      }
    });
  });

  describe('a version 1 schema (no summaries)', () => {
    /** The version 1 schema, written by its own migration, holding `records` as a version 1 server left them. */
    async function version1(records: readonly ReadRecord[]): Promise<string> {
      const schema = pg.freshSchema();
      const [first] = migrations(schema);
      await pg.admin.query(first as string);
      await pg.admin.query(`INSERT INTO ${schema}.meta (key, value) VALUES ('schema_version', '1')`);
      for (const r of records) {
        await pg.admin.query(
          `INSERT INTO ${schema}.reads (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
          COLUMNS.map((c) => r[c]),
        );
      }
      const last = records.at(-1);
      if (last) await pg.admin.query(`UPDATE ${schema}.head SET seq = $1, hash = $2`, [last.seq, last.hash]);
      return schema;
    }

    it('is upgraded in place, its summaries built from the reads already there, by stores opening it at once', async () => {
      const written = oldRecords(300);
      const schema = await version1(written);
      await withStores(
        () => Promise.all(Array.from({ length: 4 }, () => openPostgresStore(pg.url, { schema }))),
        async ([store]) => {
          const s = store as LedgerStore;
          expect(await s.verify()).toEqual({ ok: true, records: 300 });
          expect((await runsList(s)).map((r) => [r.run_id, r.reads])).toEqual([
            ['run-1', 100],
            ['run-2', 100],
            ['run-0', 100],
          ]);
          const who = await whoRead(s, 'auth#AUTH-3');
          expect(who.runs.reduce((n, r) => n + r.reads, 0)).toBe(
            written.filter((r) => r.clause_id === 'AUTH-3').length,
          );
          await s.append([readInput({ run_id: 'run-1' })]);
          expect((await s.run('run-1'))?.reads).toBe(101);
          expect(await s.verify()).toEqual({ ok: true, records: 301 });
        },
      );
      const version = await pg.admin.query(`SELECT value FROM ${schema}.meta WHERE key = 'schema_version'`);
      expect(version.rows).toEqual([{ value: String(SCHEMA_VERSION) }]);
    });
  });

  describe('append-only rows', () => {
    async function seeded(): Promise<{ schema: string; store: LedgerStore }> {
      const schema = pg.freshSchema();
      const store = await openPostgresStore(pg.url, { schema });
      await store.append(Array.from({ length: 10 }, (_, i) => readInput({ clause_id: `AUTH-${i + 1}` })));
      return { schema, store };
    }

    it('refuses UPDATE, DELETE and TRUNCATE of reads and snapshots to the role the server uses', async () => {
      const { schema, store } = await seeded();
      try {
        for (const statement of [
          `UPDATE ${schema}.reads SET tokens = 1 WHERE seq = 3`,
          `DELETE FROM ${schema}.reads WHERE seq = 10`,
          `TRUNCATE ${schema}.reads`,
          `UPDATE ${schema}.snapshots SET text = 'forged'`,
          `DELETE FROM ${schema}.snapshots`,
          `DELETE FROM ${schema}.head`,
        ]) {
          await expect(pg.admin.query(statement), statement).rejects.toMatchObject({ code: '42501' });
        }
        expect(await store.verify()).toEqual({ ok: true, records: 10 });
      } finally {
        await store.close();
      }
    });

    it('still refuses row changes after the owner grants itself the rights back', async () => {
      const { schema, store } = await seeded();
      try {
        await pg.admin.query(`GRANT UPDATE, DELETE, TRUNCATE ON ${schema}.reads TO CURRENT_USER`);
        await expect(pg.admin.query(`UPDATE ${schema}.reads SET tokens = 1 WHERE seq = 3`)).rejects.toThrow(
          /append-only: UPDATE/,
        );
        await expect(pg.admin.query(`DELETE FROM ${schema}.reads WHERE seq = 10`)).rejects.toThrow(
          /append-only: DELETE/,
        );
        await expect(pg.admin.query(`TRUNCATE ${schema}.reads`)).rejects.toThrow(/append-only: TRUNCATE/);
        await pg.admin.query(`GRANT DELETE, TRUNCATE ON ${schema}.head TO CURRENT_USER`);
        await expect(pg.admin.query(`UPDATE ${schema}.head SET seq = 1`)).rejects.toThrow(
          /only moves forward/,
        );
        await expect(pg.admin.query(`DELETE FROM ${schema}.head`)).rejects.toThrow(
          /only moves forward: DELETE/,
        );
        await expect(pg.admin.query(`TRUNCATE ${schema}.head`)).rejects.toThrow(
          /only moves forward: TRUNCATE/,
        );
        expect(await store.verify()).toEqual({ ok: true, records: 10 });
      } finally {
        await store.close();
      }
    });

    it('serves a role granted only SELECT and INSERT on the rows, which cannot change them', async (ctx) => {
      const member = await pg.admin
        .query(`SELECT pg_has_role(current_user, 'specledger_app', 'MEMBER') AS ok`)
        .catch(() => ({ rows: [{ ok: false }] }));
      if (!member.rows[0]?.ok) {
        ctx.skip(
          'role specledger_app (created by scripts/ci-postgres.sh) is missing or not granted to the test role',
        );
        return;
      }
      const schema = pg.freshSchema();
      const owner = await openPostgresStore(pg.url, { schema }); // the owner migrates
      await owner.close();
      await pg.admin.query(`
        GRANT USAGE ON SCHEMA ${schema} TO specledger_app;
        GRANT SELECT, INSERT ON ${schema}.reads, ${schema}.snapshots TO specledger_app;
        GRANT SELECT, INSERT, UPDATE ON ${schema}.head, ${schema}.meta TO specledger_app;
        GRANT SELECT ON ${schema}.runs, ${schema}.run_identities, ${schema}.read_groups TO specledger_app;`);
      const asApp = `${pg.withSchema(schema)}&options=${encodeURIComponent('-c role=specledger_app')}`;
      const store = await openLedger(asApp);
      try {
        const [record] = await store.append([readInput()]);
        expect(record?.seq).toBe(1);
        expect(await store.health()).toEqual({ writable: true });
        expect(await store.verify()).toEqual({ ok: true, records: 1 });
        const client = await pg.admin.connect();
        try {
          await client.query('SET ROLE specledger_app');
          await expect(client.query(`UPDATE ${schema}.reads SET tokens = 1`)).rejects.toThrow(
            /permission denied/,
          );
          await expect(client.query(`DELETE FROM ${schema}.reads`)).rejects.toThrow(/permission denied/);
          await expect(client.query(`ALTER TABLE ${schema}.reads DISABLE TRIGGER ALL`)).rejects.toThrow(
            /must be owner/,
          );
        } finally {
          await client.query('RESET ROLE');
          client.release();
        }
      } finally {
        await store.close();
      }
    });
  });

  describe('tampering by someone who lifts the guards', () => {
    async function tampered(
      sql: (schema: string) => string,
    ): Promise<{ store: LedgerStore; schema: string }> {
      const schema = pg.freshSchema();
      const store = await openPostgresStore(pg.url, { schema });
      await store.append(Array.from({ length: 10 }, (_, i) => readInput({ clause_id: `AUTH-${i + 1}` })));
      await pg.admin.query(`
        ALTER TABLE ${schema}.reads DISABLE TRIGGER USER;
        GRANT UPDATE, DELETE ON ${schema}.reads TO CURRENT_USER;
        ${sql(schema)};
        ALTER TABLE ${schema}.reads ENABLE TRIGGER USER;`);
      return { store, schema };
    }

    it('fails verify at the record whose column was edited', async () => {
      const { store } = await tampered((s) => `UPDATE ${s}.reads SET clause_id = 'AUTH-99' WHERE seq = 4`);
      const result = await store.verify();
      await store.close();
      expect(result).toMatchObject({ ok: false, seq: 4, records: 3 });
    });

    it('fails verify after a deleted record, naming the gap', async () => {
      const { store } = await tampered((s) => `DELETE FROM ${s}.reads WHERE seq = 6`);
      const result = await store.verify();
      await store.close();
      expect(result).toMatchObject({ ok: false, seq: 7 });
      expect(result.ok === false && result.reason).toMatch(/seq 6 is missing/);
    });

    it('fails verify when the newest records are cut off, and keeps saying so after new appends', async () => {
      const { store } = await tampered((s) => `DELETE FROM ${s}.reads WHERE seq >= 9`);
      expect(await store.verify()).toMatchObject({ ok: false, seq: 9 });
      const [next] = await store.append([readInput()]);
      expect(next?.seq).toBe(11);
      const result = await store.verify();
      await store.close();
      expect(result).toMatchObject({ ok: false, seq: 11 });
      expect(result.ok === false && result.reason).toMatch(/seqs 9\.\.10 are missing/);
    });

    it('warns at open, and in health, when the newest records were cut off', async () => {
      const { store, schema } = await tampered((s) => `DELETE FROM ${s}.reads WHERE seq >= 9`);
      await store.close();
      const logged: string[] = [];
      const reopened = await openPostgresStore(pg.url, {
        schema,
        log: (level, message) => logged.push(`${level}: ${message}`),
      });
      try {
        expect(logged).toEqual([
          expect.stringMatching(
            /^warn: the ledger at .* is damaged: the ledger head records seq 10 but the newest record is seq 8 \(records were deleted from the end\)/,
          ),
        ]);
        expect(await reopened.health()).toMatchObject({
          writable: true,
          damage: expect.stringContaining('records were deleted from the end'),
        });
      } finally {
        await reopened.close();
      }
    });

    it('fails verify when a summary is edited, which would hide a read from who-read or stale', async () => {
      const { store, schema } = await tampered(() => 'SELECT 1');
      try {
        expect(await store.verify()).toEqual({ ok: true, records: 10 });
        await pg.admin.query(`DELETE FROM ${schema}.read_groups WHERE clause_id = 'AUTH-4'`);
        expect(await store.readGroups({ spec_id: 'auth', clause_id: 'AUTH-4' })).toEqual([]);
        const result = await store.verify();
        expect(result).toMatchObject({ ok: false, seq: 4 });
        expect(result.ok === false && result.reason).toContain('read_groups summary of run run-1');
        await pg.admin.query(`UPDATE ${schema}.runs SET reads = 2`);
        expect(await store.verify()).toMatchObject({ ok: false, seq: 1 });
      } finally {
        await store.close();
      }
    });

    it('verifies a chain longer than one page and finds an edit deep inside it', async () => {
      const schema = pg.freshSchema();
      const store = await openPostgresStore(pg.url, { schema });
      try {
        const inputs = Array.from({ length: 12_000 }, (_, i) => readInput({ run_id: `run-${i % 50}` }));
        await store.append(inputs);
        expect(await store.verify()).toEqual({ ok: true, records: 12_000 });
        await pg.admin.query(`
          ALTER TABLE ${schema}.reads DISABLE TRIGGER USER;
          GRANT UPDATE ON ${schema}.reads TO CURRENT_USER;
          UPDATE ${schema}.reads SET tokens = 7 WHERE seq = 7001;`);
        expect(await store.verify()).toMatchObject({ ok: false, seq: 7001, records: 7000 });
      } finally {
        await store.close();
      }
    });
  });

  describe('when the ledger cannot be written', () => {
    it('rejects appends with LEDGER_UNAVAILABLE while another session holds the head past the busy timeout, and says so until a write succeeds', async () => {
      const schema = pg.freshSchema();
      const logged: string[] = [];
      const store = await openPostgresStore(pg.url, {
        schema,
        busyTimeoutMs: 200,
        log: (level, message) => logged.push(`${level}: ${message}`),
      });
      await store.append([readInput()]);
      const blocker = await pg.admin.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query(`SELECT * FROM ${schema}.head FOR UPDATE`);
        const outcomes = await Promise.allSettled([
          store.append([readInput()]),
          store.append([readInput({ run_id: 'r2' })]),
        ]);
        for (const outcome of outcomes) {
          expect(outcome.status).toBe('rejected');
          expect(outcome.status === 'rejected' && outcome.reason).toMatchObject({
            code: 'LEDGER_UNAVAILABLE',
            message: expect.stringMatching(/^ledger write failed: .*lock timeout/),
          });
        }
        expect(await store.reads({})).toHaveLength(1); // queries keep working
        expect(await store.health()).toMatchObject({
          writable: false,
          problem: expect.stringMatching(/^ledger write failed: .*lock timeout/),
        });
      } finally {
        await blocker.query('ROLLBACK');
        blocker.release();
      }
      const [next] = await store.append([readInput()]);
      expect(next?.seq).toBe(2);
      expect(await store.health()).toEqual({ writable: true });
      expect(logged).toEqual([
        expect.stringMatching(/^error: ledger write failed: .*lock timeout.*; reads fail until/),
        'info: ledger writes succeed again (1 batch(es) of reads failed meanwhile)',
      ]);
      expect(await store.verify()).toEqual({ ok: true, records: 2 });
      await store.close();
    });

    it('refuses to open a schema that holds a newer ledger version', async () => {
      const schema = pg.freshSchema();
      await (await openPostgresStore(pg.url, { schema })).close();
      await pg.admin.query(`UPDATE ${schema}.meta SET value = '99' WHERE key = 'schema_version'`);
      await expect(openPostgresStore(pg.url, { schema })).rejects.toMatchObject({
        code: 'LEDGER_UNAVAILABLE',
        message: expect.stringMatching(/schema version 99 is newer/),
      });
    });
  });

  describe('read-only opens (the CLI)', () => {
    it('answers queries through openLedger without being able to append', async () => {
      const url = pg.withSchema(pg.freshSchema());
      const writer = await openLedger(url);
      await writer.append([readInput(), readInput({ run_id: 'run-2' })]);
      await writer.close();
      const reader = await openLedger(url, { readonly: true });
      try {
        expect(await reader.verify()).toEqual({ ok: true, records: 2 });
        expect((await reader.runs()).map((r) => r.run_id)).toEqual(['run-1', 'run-2']);
        await expect(reader.append([readInput()])).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
        expect(await reader.health()).toMatchObject({ writable: false });
      } finally {
        await reader.close();
      }
    });

    it('reports a schema without a ledger instead of creating one', async () => {
      const schema = pg.freshSchema();
      await expect(openLedger(pg.withSchema(schema), { readonly: true })).rejects.toMatchObject({
        code: 'LEDGER_UNAVAILABLE',
        message: expect.stringContaining(`no SpecLedger ledger in schema "${schema}"`),
      });
      const exists = await pg.admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(exists.rows).toEqual([]);
    });
  });
});
