// Builds dist/ once before the suite, so the end-to-end tests spawn the CLI exactly as users run it.
import { execFileSync } from 'node:child_process';
import { repoRoot } from './paths.js';

export function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
}
