// A served or linted repository whose .git/config and .gitattributes name commands: none of them may run.
import { chmodSync, existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runLint } from '../../src/governance/index.js';
import { connect, structured } from '../helpers/mcp.js';
import { authSpec, type TempRepo, tempRepo } from './lint-fixtures.js';

let repo: TempRepo;
let markers: string;

/** A shell command that leaves `name` in the markers folder, so a test sees that git ran it. */
const leave = (name: string) => `touch '${path.join(markers, name)}'`;

beforeEach(() => {
  repo = tempRepo();
  markers = path.join(repo.dir, '.markers');
  repo.write('.markers/.keep', '');
  repo.write('.gitattributes', '*.md filter=evil diff=evil\n');
  repo.write('specs/auth.md', authSpec());
  repo.write('src/app.ts', 'export const app = 1;\n');
  repo.commit('auth 1.0.0');
  // Set after the commit: the repository's owner (or an agent writing into it) configured these.
  repo.git('config', 'core.fsmonitor', `${leave('fsmonitor')}; false`);
  repo.git('config', 'filter.evil.clean', `${leave('filter-clean')}; cat`);
  repo.git('config', 'filter.evil.smudge', `${leave('filter-smudge')}; cat`);
  repo.git('config', 'filter.evil.required', 'true');
  repo.git('config', 'diff.evil.textconv', `${leave('textconv')}; cat`);
  repo.git('config', 'core.pager', `${leave('pager')}; cat`);
  repo.git('config', 'log.showSignature', 'true');
  repo.git('config', 'gpg.program', path.join(markers, 'gpg.sh'));
  writeFileSync(path.join(markers, 'gpg.sh'), `#!/bin/sh\n${leave('gpg')}\n`);
  chmodSync(path.join(markers, 'gpg.sh'), 0o755);
  const hook = path.join(repo.dir, '.git/hooks/post-index-change');
  writeFileSync(hook, `#!/bin/sh\n${leave('hook')}\n`);
  chmodSync(hook, 0o755);
  // A newer mtime makes git look at the file's content, which is when it would run the clean filter.
  const later = new Date(Date.now() + 60_000);
  utimesSync(path.join(repo.dir, 'specs/auth.md'), later, later);
  utimesSync(path.join(repo.dir, 'src/app.ts'), later, later);
});
afterEach(() => repo.cleanup());

const ran = () => readdirSync(markers).filter((name) => name !== '.keep' && name !== 'gpg.sh');

describe('git on a hostile repository', () => {
  it('records the spec file commit of a read without running anything the repository configured', async () => {
    const head = repo.git('rev-parse', 'HEAD');
    const mcp = await connect(path.join(repo.dir, 'specs'));
    try {
      structured(await mcp.call('get_clause', { ref: 'auth#token-lifetime' }));
      const [read] = await mcp.app.ledger.reads({});
      expect(read?.git_commit).toBe(head);
    } finally {
      await mcp.close();
    }
    expect(ran()).toEqual([]);
  });

  it('lints with the git rules (base ref, drift, dirty files) without running anything', async () => {
    repo.write('specs/auth.md', authSpec().replace('15 minutes', '30 minutes'));
    const report = await runLint({ specs: path.join(repo.dir, 'specs'), base: 'HEAD', cwd: repo.dir });
    expect(report.findings.map((f) => f.rule)).toContain('version-not-bumped');
    expect(ran()).toEqual([]);
    expect(existsSync(path.join(markers, 'fsmonitor'))).toBe(false);
  });
});
