// Builds dist/ and its bundle once before the suite, so the end-to-end tests spawn the CLI exactly as users run it.
import { execFileSync } from 'node:child_process';
import { repoRoot } from './paths.js';

export function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
}
