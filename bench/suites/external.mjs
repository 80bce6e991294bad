// Suites written by other engineers (reload latency, ledger stores): run as they are when present, their last
// JSON line taken as the result, else the JSON file they were told to write with --out. Missing scripts are
// reported as skipped, not failed.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, LOAD_CORE, log, repoRoot } from '../lib/env.mjs';
import { pinnedArgv } from '../lib/proc.mjs';

export function runExternal(script, args = [], { timeoutMs = 240_000, core = LOAD_CORE } = {}) {
  const file = path.join(benchDir, script);
  if (!existsSync(file)) return Promise.resolve({ skipped: `bench/${script} is not in this tree yet` });
  const [cmd, ...rest] = pinnedArgv(core, ['node', file, ...args]);
  log(`running bench/${script} ${args.join(' ')}`);
  return new Promise((resolve) => {
    execFile(
      cmd,
      rest,
      { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const last = stdout
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .pop();
        if (error && !last) {
          resolve({ failed: `bench/${script} failed: ${error.message}`, stderr: stderr.slice(-2000) });
          return;
        }
        const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
        try {
          resolve(JSON.parse(last ?? readFileSync(out ?? '', 'utf8')));
        } catch {
          resolve({ failed: `bench/${script} printed no JSON result`, stdout: stdout.slice(-2000) });
        }
      },
    );
  });
}
