// Progress on long work: a line on stderr when it is a terminal (a real pty, through util-linux `script`), and
// nothing when it is not, or with --quiet.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { readInput } from '../fixtures/ledger-records.js';
import { builtCli, specsExample } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

const RECORDS = 25_000;
// The line waits a second by default, so that quick commands stay quiet; here it may show at once.
const env = { ...process.env, SPECLEDGER_PROGRESS_AFTER_MS: '0', NO_COLOR: '1' };
const hasScript = spawnSync('script', ['--version']).status === 0;

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/** Runs the CLI with stdin, stdout and stderr on a pseudo-terminal; returns what the terminal showed. */
function onTerminal(args: string[]): string {
  const command = [process.execPath, builtCli, ...args].map(quote).join(' ');
  const run = spawnSync('script', ['-qec', command, '/dev/null'], { env, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe.skipIf(!hasScript)('progress lines (skipped without util-linux script)', () => {
  let tmp: TempDir;
  let ledger: string;

  beforeAll(async () => {
    tmp = makeTempDir();
    ledger = tmp.at('ledger.db');
    const store = await openLedger(ledger);
    for (let i = 0; i < RECORDS; i += 1000)
      await store.append(
        Array.from({ length: 1000 }, (_, j) =>
          readInput({ clause_id: `AUTH-${i + j}`, text: `text ${i + j}` }),
        ),
      );
    await store.close();
  }, 120_000);

  afterAll(() => tmp.remove());

  it('verify shows how many records it has checked of how many, then its verdict', () => {
    const shown = onTerminal(['verify', '--ledger', ledger]);
    expect(shown).toContain(`verifying 10000/${RECORDS} records`);
    expect(shown).toContain(`verifying 20000/${RECORDS} records`);
    expect(shown).toContain(`ok: ${RECORDS} records, chain intact`);
  });

  it('lint shows the files it indexes', () => {
    expect(onTerminal(['lint', '--specs', specsExample, '--fail-on', 'error'])).toMatch(
      /indexing \d+\/\d+ files/,
    );
  });

  it('shows nothing with --quiet, or when stderr is not a terminal', () => {
    const quiet = onTerminal(['verify', '--ledger', ledger, '--quiet']);
    expect(quiet).toContain(`ok: ${RECORDS} records, chain intact`);
    expect(quiet).not.toContain('verifying');
    const piped = spawnSync(process.execPath, [builtCli, 'verify', '--ledger', ledger], {
      env,
      encoding: 'utf8',
    });
    expect(piped.stdout).toContain(`ok: ${RECORDS} records`);
    expect(piped.stderr).not.toContain('verifying');
  });
});
