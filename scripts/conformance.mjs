#!/usr/bin/env node
// Runs the official MCP conformance suite against the built server, for both requirement sets: 2025-11-25 (the
// initialize era, over a session) and 2026-07-28 (per-request envelopes). Every scenario of each set runs; the
// ones that call the suite's own fixture tools, resources and prompts (which a spec server does not have) are
// listed as not applicable with the reason, as are single checks the suite itself marks untestable. Any other
// failure fails the run. Usage: node scripts/conformance.mjs [2025-11-25|2026-07-28 ...]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REQUIREMENTS = ['2025-11-25', '2026-07-28'];
const FIXTURES = "needs the suite's fixture tools/resources/prompts (test_simple_text, test://static-text…)";
/** Scenarios that exercise the conformance suite's own test server surface, by name prefix. */
const NOT_APPLICABLE = [
  ['tools-call-', FIXTURES],
  ['resources-read-', FIXTURES],
  ['resources-templates-read', FIXTURES],
  ['prompts-get-', FIXTURES],
  ['completion-complete', `${FIXTURES}; SpecLedger offers no completions`],
  ['elicitation-', `${FIXTURES}; SpecLedger never asks the user anything`],
  ['input-required-result-', `${FIXTURES}; SpecLedger's tools never need client input`],
  ['tasks-', 'the tasks extension: SpecLedger declares no tasks capability (not scored by the suite)'],
  ['json-schema-2020-12', `${FIXTURES} (pending in the suite, not scored)`],
];
const wanted = process.argv.slice(2);
const sets = wanted.length > 0 ? wanted : REQUIREMENTS;

const tmp = mkdtempSync(path.join(tmpdir(), 'specledger-conformance-'));
const server = spawn(
  process.execPath,
  [
    path.join(root, 'dist/bundle/main.js'),
    'serve',
    '--http',
    '--port',
    '0',
    '--no-watch',
    '--specs',
    path.join(root, 'specs-example'),
    '--ledger',
    path.join(tmp, 'ledger.db'),
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
const url = await new Promise((resolve, reject) => {
  let err = '';
  server.stderr.on('data', (chunk) => {
    err += chunk;
    const m = /over (http:\/\/\S+\/mcp)/.exec(err);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${err}`)));
});

const require = createRequire(import.meta.url);
const cli = path.join(
  path.dirname(require.resolve('@modelcontextprotocol/conformance/package.json')),
  'dist/index.js',
);
const version = JSON.parse(
  readFileSync(
    path.join(
      path.dirname(require.resolve('@modelcontextprotocol/conformance/package.json')),
      'package.json',
    ),
    'utf8',
  ),
).version;

const notApplicable = (scenario) => NOT_APPLICABLE.find(([prefix]) => scenario.startsWith(prefix))?.[1];
let failed = 0;
for (const set of sets) {
  const out = path.join(tmp, set);
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      path.join(root, 'scripts/conformance/register.mjs'),
      cli,
      'server',
      '--url',
      url,
      '--requirements',
      set,
      '-o',
      out,
    ],
    { encoding: 'utf8', cwd: tmp, timeout: 600_000 },
  );
  const summary = `${run.stdout}${run.stderr}`;
  const unscored = new Set(
    [...summary.matchAll(/^\s+[✓✗] (\S+) \((extension|pending|added-after-release)\)/gm)].map((m) => m[1]),
  );
  process.stdout.write(`\n@modelcontextprotocol/conformance ${version}, requirements ${set}\n`);
  const dirs = readdirSync(out).filter((d) => d.startsWith('server-'));
  if (dirs.length === 0) {
    process.stdout.write(`  no results (exit ${run.status}):\n${summary}\n`);
    failed++;
    continue;
  }
  const counts = { pass: 0, na: 0, fail: 0 };
  for (const dir of dirs.sort()) {
    const scenario = dir.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, '');
    const checks = JSON.parse(readFileSync(path.join(out, dir, 'checks.json'), 'utf8'));
    const bad = checks.filter((c) => c.status === 'FAILURE');
    const reason = notApplicable(scenario);
    const untestable = bad.filter((c) => c.details?.untestable === true);
    const real = bad.filter((c) => c.details?.untestable !== true);
    if (real.length === 0) {
      counts.pass++;
      const note =
        untestable.length > 0
          ? ` (${untestable.length} check(s) untestable here: ${untestable.map((c) => c.id).join(', ')})`
          : '';
      process.stdout.write(`  PASS  ${scenario}${note}\n`);
    } else if (reason || unscored.has(scenario)) {
      counts.na++;
      process.stdout.write(`  n/a   ${scenario}: ${reason ?? 'not scored by the suite'}\n`);
    } else {
      counts.fail++;
      process.stdout.write(`  FAIL  ${scenario}\n`);
      for (const c of real)
        process.stdout.write(`        ${c.id}: ${c.errorMessage ?? JSON.stringify(c.details)}\n`);
    }
  }
  failed += counts.fail;
  process.stdout.write(
    `  ${counts.pass} passed, ${counts.fail} failed, ${counts.na} not applicable (${url})\n`,
  );
}
server.kill('SIGTERM');
rmSync(tmp, { recursive: true, force: true });
process.exitCode = failed > 0 ? 1 : 0;
