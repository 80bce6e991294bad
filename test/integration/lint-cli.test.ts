// `specledger lint` as a subprocess: output formats and the exit codes a CI relies on.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authSpec, specText, type TempTree, tempTree } from './lint-fixtures.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** tsx's loader by URL, so the CLI can run with any working directory. */
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source (tsx), so the test does not depend on a fresh `dist/`. */
function cli(args: string[], cwd = REPO): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, MAIN, 'lint', ...args], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('specledger lint on specs-example', { timeout: 120_000 }, () => {
  it('finds nothing and exits 0, even failing on info', async () => {
    const run = await cli(['--specs', 'specs-example', '--format', 'json', '--fail-on', 'info']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.summary).toEqual({ error: 0, warning: 0, info: 0 });
    expect(out.findings).toEqual([]);
  });
});

// Each run starts a TypeScript CLI from source; on a loaded machine that takes seconds.
describe('specledger lint exit codes and formats', { timeout: 120_000 }, () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree();
  });
  afterEach(() => tree.cleanup());

  it('prints file:line, severity, rule, message and hint, and exits 1 on an error', async () => {
    tree.write('specs/auth.md', authSpec({ owners: undefined }));
    const run = await cli(['--specs', 'specs'], tree.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'specs/auth.md:4  error  missing-owners  approved spec "auth" has no owners\n  hint: ',
    );
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      '1 finding in 1 spec file: 1 error, 0 warnings, 0 info',
    );
    expect(run.stderr).toContain('not a git repository');
  });

  it('writes JSON findings with paths relative to the working directory', async () => {
    tree.write('specs/auth.md', authSpec({ owners: undefined }));
    const run = await cli(['--specs', 'specs', '--format', 'json'], tree.dir);
    const out = JSON.parse(run.stdout);
    expect(out.summary).toEqual({ error: 1, warning: 0, info: 0 });
    expect(out.findings[0]).toMatchObject({
      rule: 'missing-owners',
      severity: 'error',
      file: 'specs/auth.md',
      line: 4,
    });
  });

  it('fails on warnings only when --fail-on warning asks, and honours config severities', async () => {
    tree.write('specs/auth.md', authSpec({}, '\n## Failed attempts\n\nCounted per IP.\n'));
    expect((await cli(['--specs', 'specs'], tree.dir)).code).toBe(0);
    expect((await cli(['--specs', 'specs', '--fail-on', 'warning'], tree.dir)).code).toBe(1);
    tree.write('lint.json', JSON.stringify({ rules: { 'unstable-id': 'error' } }));
    const run = await cli(['--specs', 'specs', '--config', 'lint.json'], tree.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('error  unstable-id');
  });

  it('reports a YAML alias bomb at its file:line and lints the other specs', async () => {
    // The "billion laughs" of issue 13: nine anchors, each nine aliases of the one before (9^9 strings).
    const anchors = ['a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]'];
    for (const [i, name] of [...'bcdefghi'].entries())
      anchors.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`)}]`);
    tree.write('specs/bomb.md', `---\n${anchors.join('\n')}\ntitle: *i\n---\n# Bomb\n`);
    tree.write('specs/auth.md', authSpec({ owners: undefined }));
    const run = await cli(['--specs', 'specs'], tree.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('specs/bomb.md:5  error  frontmatter-syntax  invalid YAML in frontmatter: ');
    expect(run.stdout).toContain('specs/auth.md:4  error  missing-owners');
    expect(run.stdout.length).toBeLessThan(2000);
  });

  it('exits 2 on usage errors', async () => {
    tree.write('specs/ok.md', specText({ id: 'ok' }, '# OK\n'));
    tree.write('bad.json', '{"budget": {"lines": "many"}}');
    const runs = await Promise.all([
      cli(['--specs', 'specs', '--format', 'xml'], tree.dir),
      cli(['--specs', 'specs', '--fail-on', 'fatal'], tree.dir),
      cli(['--specs', 'missing'], tree.dir),
      cli(['--specs', 'specs', '--config', 'bad.json'], tree.dir),
      cli(['--specs', 'specs', '--base', 'main'], tree.dir),
      cli(['--specs', 'specs', '--no-such-flag'], tree.dir),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(runs[3]!.stderr).toContain('budget.lines');
    expect(runs[4]!.stderr).toContain('not in a git repository');
  });
});
