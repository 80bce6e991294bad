// Where tests find the repository, the example corpus, the real corpora and the built CLI.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const specsExample = path.join(repoRoot, 'specs-example');
export const corporaRoot = path.resolve(repoRoot, '../shared/corpora');
export const corporaExist = existsSync(corporaRoot);
/** Use as the describe.skipIf reason so a skipped run says why. */
export const corporaMissing = `the real corpora folder is missing (${corporaRoot})`;
/** The `specledger` command as installed: the bundle of dist/ (scripts/bundle.mjs), built by global-setup.ts. */
export const builtCli = path.join(repoRoot, 'dist/bundle/main.js');
