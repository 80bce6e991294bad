// `specledger lint --format sarif|github`: a SARIF log that validates against the vendored SARIF 2.1.0 schemas, and
// workflow-command lines that carry file, line and rule.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authSpec, specText, type TempTree, tempTree } from './lint-fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const SCHEMAS = fileURLToPath(new URL('../fixtures/schemas/', import.meta.url));
// ajv-formats is CommonJS; under ESM its default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

function lint(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, MAIN, 'lint', ...args], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function schema(name: string): object {
  return JSON.parse(readFileSync(join(SCHEMAS, name), 'utf8')) as object;
}

/** Both vendored SARIF 2.1.0 schemas (see test/fixtures/schemas/README.md): a log must satisfy each. */
function sarifValidators() {
  const draft7 = new Ajv({ strict: false, allErrors: true });
  addFormats(draft7);
  const draft2020 = new Ajv2020({ strict: false, allErrors: true });
  addFormats(draft2020);
  return [
    { name: 'sarif-schema-2.1.0.json', validate: draft7.compile(schema('sarif-schema-2.1.0.json')) },
    { name: 'sarif-2.1.0.sarif-sdk.json', validate: draft2020.compile(schema('sarif-2.1.0.sarif-sdk.json')) },
  ];
}

describe('specledger lint CI formats', { timeout: 120_000 }, () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree();
    tree.write(
      'specs/auth.md',
      authSpec({ owners: undefined }, '\n## Failed attempts\n\nSee auth#rotations.\n'),
    );
    tree.write('specs/ok.md', specText({ id: 'ok' }, '# OK, 100% fine: really\n'));
  });
  afterEach(() => tree.cleanup());

  it('writes a SARIF 2.1.0 log that validates against the schemas and names each finding', async () => {
    const run = await lint(['--specs', 'specs', '--format', 'sarif', '--output', 'lint.sarif'], tree.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const log = JSON.parse(readFileSync(join(tree.dir, 'lint.sarif'), 'utf8'));
    for (const { name, validate } of sarifValidators()) {
      expect({ name, valid: validate(log), errors: validate.errors ?? null }).toEqual({
        name,
        valid: true,
        errors: null,
      });
    }
    const results = log.runs[0].results as Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: Array<{
        physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
      }>;
    }>;
    const rules = log.runs[0].tool.driver.rules as Array<{ id: string }>;
    const owners = results.find((r) => r.ruleId === 'missing-owners');
    expect(owners).toMatchObject({ level: 'error' });
    expect(owners!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'specs/auth.md', uriBaseId: '%SRCROOT%' },
      region: { startLine: 4 },
    });
    expect(results.find((r) => r.ruleId === 'broken-ref')).toMatchObject({ level: 'error' });
    expect(results.find((r) => r.ruleId === 'unstable-id')).toMatchObject({ level: 'warning' });
    for (const r of results) expect(rules[r.ruleIndex]!.id).toBe(r.ruleId);
  });

  it('rejects an invalid log, so the schema check can fail', () => {
    for (const { validate } of sarifValidators()) {
      expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
    }
  });

  it('writes a valid, empty SARIF log when nothing is found', async () => {
    tree.remove('specs/auth.md');
    const run = await lint(['--specs', 'specs', '--format', 'sarif'], tree.dir);
    expect(run.code).toBe(0);
    const log = JSON.parse(run.stdout);
    expect(log.runs[0].results).toEqual([]);
    for (const { validate } of sarifValidators()) expect(validate(log)).toBe(true);
  });

  it('writes one GitHub workflow command per finding with file, line and rule', async () => {
    const run = await lint(['--specs', 'specs', '--format', 'github'], tree.dir);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.find((l) => l.includes('missing-owners'))).toMatch(
      /^::error file=specs\/auth\.md,line=4,title=missing-owners::approved spec "auth" has no owners%0Ahint: /,
    );
    expect(lines.find((l) => l.includes('title=broken-ref'))).toMatch(
      /^::error file=specs\/auth\.md,line=\d+,title=broken-ref::reference auth#rotations does not resolve/,
    );
    expect(lines.find((l) => l.includes('unstable-id'))).toMatch(/^::warning file=specs\/auth\.md,line=\d+,/);
    // Every finding is one line: no raw newline can end a command early.
    for (const line of lines)
      expect(line).toMatch(/^::(error|warning|notice) file=[^,]+,line=\d+,title=[^:]+::/);
  });
});
