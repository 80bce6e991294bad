// Throwaway PostgreSQL databases for tests, from SPECLEDGER_TEST_PG or a server on 127.0.0.1:5432, or the reason to skip.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Pool } from 'pg';

/** What CI exports after `eval "$(bash scripts/ci-postgres.sh)"`; used when a local server answers but the variable is unset. */
const DEFAULT_TEST_PG = 'postgres://specledger:specledger@127.0.0.1:5432/specledger_test';

const SETUP_HINT = 'run: eval "$(sudo bash scripts/ci-postgres.sh)"';

export interface TestPostgres {
  /** A database created for this test file, dropped by `drop()`. */
  url: string;
  /** A connection to that database as the test role, for what a person with database access would do. */
  admin: Pool;
  /** A schema name no other test uses; stores create it on first open. */
  freshSchema(): string;
  /** `url` (or another database URL) with `?schema=NAME`, the way openLedger takes it. */
  withSchema(schema: string, url?: string): string;
  /** Another new, empty database (dropped with the rest), for tests that need a truly empty one. */
  createDatabase(): Promise<string>;
  /** Drops every database this helper created, closing its own connections first. */
  drop(): Promise<void>;
}

export type TestPostgresResult = { ok: true; pg: TestPostgres } | { ok: false; reason: string };

function answersOnLoopback(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/**
 * The PostgreSQL to test against. Skips (ok: false) only when SPECLEDGER_TEST_PG is unset and
 * nothing listens on 127.0.0.1:5432; in CI (CI set) a missing variable is an error, so the
 * PostgreSQL suite cannot silently stop running there.
 */
export async function openTestPostgres(): Promise<TestPostgresResult> {
  let base = process.env.SPECLEDGER_TEST_PG?.trim() || undefined;
  if (base === undefined) {
    if (process.env.CI) {
      throw new Error(
        `SPECLEDGER_TEST_PG is not set in CI, so the PostgreSQL ledger tests cannot run (${SETUP_HINT})`,
      );
    }
    if (!(await answersOnLoopback(5432, 500))) {
      return {
        ok: false,
        reason: `SPECLEDGER_TEST_PG is unset and no PostgreSQL answers on 127.0.0.1:5432 (${SETUP_HINT})`,
      };
    }
    base = DEFAULT_TEST_PG;
  }

  const root = new Pool({ connectionString: base, max: 1 });
  const created: string[] = [];
  const createDatabase = async (): Promise<string> => {
    const name = uniqueName('specledger_t');
    try {
      await root.query(`CREATE DATABASE ${name}`);
    } catch (error) {
      throw new Error(
        `cannot create a test database through ${base?.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message} (${SETUP_HINT}, or point SPECLEDGER_TEST_PG at a role with CREATEDB)`,
        { cause: error },
      );
    }
    created.push(name);
    return databaseUrl(base as string, name);
  };

  let url: string;
  try {
    url = await createDatabase();
  } catch (error) {
    await root.end();
    throw error;
  }
  const admin = new Pool({ connectionString: url, max: 2 });
  admin.on('error', () => {}); // dropped at the end with FORCE; idle connections may see that first

  return {
    ok: true,
    pg: {
      url,
      admin,
      createDatabase,
      freshSchema: () => uniqueName('t'),
      withSchema: (schema, target = url) => `${target}${target.includes('?') ? '&' : '?'}schema=${schema}`,
      async drop() {
        await admin.end();
        // FORCE (PostgreSQL 13+) closes connections a failed test may have left open.
        for (const name of created) await root.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await root.end();
      },
    },
  };
}
