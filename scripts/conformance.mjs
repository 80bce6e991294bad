#!/usr/bin/env node
// Runs the official MCP conformance suite's server scenarios that need no test fixtures against the built server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'resources-list',
  'prompts-list',
  'logging-set-level',
  'resources-subscribe',
  'resources-unsubscribe',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];
const wanted = process.argv.slice(2);
const scenarios = wanted.length > 0 ? wanted : SCENARIOS;

const tmp = mkdtempSync(path.join(tmpdir(), 'specledger-conformance-'));
const server = spawn(
  process.execPath,
  [
    path.join(root, 'dist/cli/main.js'),
    'serve',
    '--http',
    '--port',
    '0',
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
const failures = [];
for (const scenario of scenarios) {
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      path.join(root, 'scripts/conformance/register.mjs'),
      cli,
      'server',
      '--url',
      url,
      '--scenario',
      scenario,
    ],
    {
      encoding: 'utf8',
      cwd: tmp,
      timeout: 120_000,
    },
  );
  const out = `${run.stdout}${run.stderr}`;
  const ok = run.status === 0 && !/\bFAIL(ED|URE)?\b/.test(out.replace(/0 failed|Failed: 0/gi, ''));
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${scenario}\n`);
  if (!ok) {
    failures.push(scenario);
    process.stdout.write(
      `${out
        .split('\n')
        .map((l) => `      ${l}`)
        .join('\n')}\n`,
    );
  }
}
server.kill('SIGTERM');
rmSync(tmp, { recursive: true, force: true });
process.stdout.write(
  `\n${scenarios.length - failures.length}/${scenarios.length} conformance scenarios passed (${url})\n`,
);
process.exitCode = failures.length > 0 ? 1 : 0;
