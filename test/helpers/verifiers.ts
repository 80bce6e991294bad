// The independent verifiers: Go's sumdb/note and sumdb/tlog (built once per test file), OpenSSL and securesystemslib.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './paths.js';

const GOPATH = '/usr/share/gocode';
const GO_ENV = { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '' };

function missing(probe: () => void, what: string): string | null {
  try {
    probe();
    return null;
  } catch (error) {
    const reason = `${what} (${(error as Error).message.split('\n')[0]})`;
    // CI installs them (scripts/ci-verifiers.sh): there a missing verifier is a failure, never a skip.
    if (process.env.CI) throw new Error(`CI must have ${reason}: scripts/ci-verifiers.sh installs it`);
    return reason;
  }
}

/** Why the Go verifier cannot be built here, or null when it can. */
export function goMissing(): string | null {
  return missing(() => {
    execFileSync('go', ['version'], { stdio: 'ignore', env: GO_ENV });
    execFileSync('test', ['-d', path.join(GOPATH, 'src/golang.org/x/mod/sumdb/note')]);
  }, 'Go or golang-golang-x-mod-dev is not installed: apt-get install golang-go golang-golang-x-mod-dev');
}

export function opensslMissing(): string | null {
  return missing(() => execFileSync('openssl', ['version'], { stdio: 'ignore' }), 'openssl is not installed');
}

/** Debian's python3 (where python3-securesystemslib installs), not whichever a version manager puts first on PATH. */
export const systemPython = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export function securesystemslibMissing(): string | null {
  return missing(
    () => execFileSync(systemPython, ['-c', 'import securesystemslib.ed25519_keys'], { stdio: 'ignore' }),
    'python3-securesystemslib is not installed: apt-get install python3-securesystemslib',
  );
}

/** Builds test/verifiers/tlog-verify against Debian's Go sources and returns a runner for it. */
export function buildGoVerifier(): (
  args: string[],
  input?: string,
) => { code: number; stdout: string; stderr: string } {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'specledger-tlog-verify-')), 'tlog-verify');
  execFileSync('go', ['build', '-o', out, '.'], {
    cwd: path.join(repoRoot, 'test/verifiers/tlog-verify'),
    env: GO_ENV,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return (args, input) => {
    const r = spawnSync(out, args, { input: input ?? '', encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
}
