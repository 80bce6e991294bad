// The root list (src/roots): --specs NAME=DIR, config files, discovery, and every start-up check.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpecLedgerError } from '../../src/errors.js';
import { discoverRoots } from '../../src/roots/discover.js';
import {
  nameFromPath,
  parseSpecsValue,
  type RootListInput,
  resolveRootList,
} from '../../src/roots/root-list.js';
import { makeTempDir, type TempDir, writeTree } from '../helpers/temp.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('specledger-roots-');
  writeTree(tmp.dir, {
    'payments-api/specs/auth.md': '# Auth\n',
    'ledger-svc/docs/ledger.md': '# Ledger\n',
    'notes.md': '# Notes\n',
  });
});
afterEach(() => tmp.remove());

const list = (input: Partial<RootListInput>) =>
  resolveRootList({ specs: [], cwd: tmp.dir, fallback: 'specs', ...input });

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SpecLedgerError);
    return (error as Error).message;
  }
  throw new Error('expected a start-up error');
}

describe('--specs values', () => {
  it('keeps a single plain path a single root, served without root names', () => {
    const roots = list({ specs: ['payments-api/specs'] });
    expect(roots.federated).toBe(false);
    expect(roots.roots.map((r) => r.real)).toEqual([tmp.at('payments-api/specs')]);
  });

  it('reads NAME=DIR, and a path with "=" after a slash as a path', () => {
    expect(parseSpecsValue('payments=../p/specs', '/w')).toMatchObject({
      name: 'payments',
      path: '/p/specs',
      named: true,
    });
    expect(parseSpecsValue('./a=b', '/w')).toMatchObject({ path: '/w/a=b', named: false });
  });

  it('names an unnamed root from its path, skipping folder names that only say "specs"', () => {
    expect(nameFromPath('/w/payments-api/specs')).toBe('payments-api-specs');
    expect(nameFromPath('/w/ledger-svc')).toBe('ledger-svc');
  });

  it('serves several named roots, in the order named', () => {
    const roots = list({ specs: ['payments=payments-api/specs', 'ledger=ledger-svc/docs'] });
    expect(roots.federated).toBe(true);
    expect(roots.roots.map((r) => r.name)).toEqual(['payments', 'ledger']);
  });
});

describe('start-up checks', () => {
  it('refuses two roots with the same name, whatever the case', () => {
    const message = failure(() =>
      list({ specs: ['payments=payments-api/specs', 'Payments=ledger-svc/docs'] }),
    );
    expect(message).toMatch(/root name "Payments" is also used by --specs payments=payments-api\/specs/);
  });

  it('refuses a root inside another root', () => {
    const message = failure(() => list({ specs: ['api=payments-api', 'specs=payments-api/specs'] }));
    expect(message).toMatch(/root "specs" .* is inside root "api"/);
    // `/` as the outer root: a prefix test of "//" once let every folder through.
    expect(failure(() => list({ specs: ['all=/', 'api=payments-api'] }))).toMatch(
      /root "api" .* is inside root "all"/,
    );
  });

  it('refuses the same folder named twice', () => {
    expect(failure(() => list({ specs: ['a=payments-api/specs', 'b=payments-api/./specs'] }))).toMatch(
      /same folder/,
    );
  });

  it('refuses a root that is a file', () => {
    expect(failure(() => list({ specs: ['a=notes.md', 'b=ledger-svc/docs'] }))).toMatch(
      /notes\.md" is a file, not a folder/,
    );
  });

  it('refuses a symlinked root that points outside the folder it was named in', () => {
    const outside = makeTempDir('specledger-outside-');
    try {
      mkdirSync(tmp.at('links'));
      symlinkSync(outside.dir, tmp.at('links/elsewhere'));
      symlinkSync(tmp.at('links/inner'), tmp.at('links/inside'));
      mkdirSync(tmp.at('links/inner'));
      const message = failure(() => list({ specs: ['a=links/elsewhere', 'b=ledger-svc/docs'] }));
      expect(message).toMatch(/symbolic link to .* outside the folder it was named in/);
      expect(list({ specs: ['a=links/inside', 'b=ledger-svc/docs'] }).roots[0]!.real).toBe(
        tmp.at('links/inner'),
      );
    } finally {
      outside.remove();
    }
  });

  it('refuses an invalid root name, saying what a name may hold', () => {
    expect(failure(() => list({ specs: ['pay ments=payments-api/specs'] }))).toMatch(
      /not a usable root name: a root name is/,
    );
  });

  it('lets a missing root fail alone among several, and fails when no root is left', () => {
    const roots = list({ specs: ['gone=missing/specs', 'ledger=ledger-svc/docs'] });
    expect(roots.roots.map((r) => r.name)).toEqual(['ledger']);
    expect(roots.failed).toEqual([
      expect.objectContaining({ name: 'gone', reason: expect.stringMatching(/does not exist/) }),
    ]);
    expect(roots.federated).toBe(true);
    expect(failure(() => list({ specs: ['a=missing/a', 'b=missing/b'] }))).toMatch(
      /no spec root can be served/,
    );
  });

  it('keeps a single missing root the whole server’s error, as before', () => {
    expect(failure(() => list({ specs: ['missing'] }))).toMatch(/does not exist .*; pass --specs DIR/);
  });
});

describe('specledger.config.*', () => {
  it('reads roots from JSON in the working directory, relative to the file', () => {
    writeFileSync(
      tmp.at('specledger.config.json'),
      JSON.stringify({
        roots: [
          { name: 'payments', path: 'payments-api/specs' },
          { name: 'ledger', path: 'ledger-svc/docs' },
        ],
      }),
    );
    const roots = list({});
    expect(roots.source).toBe('specledger.config.json');
    expect(roots.roots.map((r) => [r.name, r.real])).toEqual([
      ['payments', tmp.at('payments-api/specs')],
      ['ledger', tmp.at('ledger-svc/docs')],
    ]);
  });

  it('reads YAML given with --config, and --specs takes precedence over any file', () => {
    mkdirSync(tmp.at('conf'));
    writeFileSync(tmp.at('conf/roots.yaml'), 'roots:\n  - name: payments\n    path: ../payments-api/specs\n');
    expect(list({ config: 'conf/roots.yaml' }).roots.map((r) => r.name)).toEqual(['payments']);
    writeFileSync(tmp.at('specledger.config.yaml'), 'roots:\n  - name: x\n    path: nowhere\n');
    expect(list({ specs: ['ledger-svc/docs'] }).roots.map((r) => r.real)).toEqual([
      tmp.at('ledger-svc/docs'),
    ]);
  });

  it('reports a bad entry at its file:line, with an example', () => {
    writeFileSync(
      tmp.at('specledger.config.yaml'),
      'roots:\n  - name: payments\n    path: payments-api/specs\n  - name: ledger\n    dir: ledger-svc/docs\n',
    );
    expect(failure(() => list({}))).toMatch(/^specledger\.config\.yaml:4: .*; e\.g\. \{"roots"/);
  });

  it('adds the roots a config file asks to discover to the ones it names', () => {
    writeTree(tmp.at('mono'), { 'packages/web/.kiro/steering/tech.md': '# Tech\n' });
    writeFileSync(
      tmp.at('specledger.config.json'),
      JSON.stringify({ roots: [{ name: 'ledger', path: 'ledger-svc/docs' }], discover: 'mono' }),
    );
    expect(list({}).roots.map((r) => r.name)).toEqual(['ledger', 'packages-web-kiro']);
  });

  it('points a duplicate name at the config line that repeats it', () => {
    writeFileSync(
      tmp.at('specledger.config.json'),
      '{\n  "roots": [\n    {"name": "a", "path": "payments-api/specs"},\n    {"name": "a", "path": "ledger-svc/docs"}\n  ]\n}\n',
    );
    expect(failure(() => list({}))).toMatch(
      /^specledger\.config\.json:4: the root name "a" is also used by specledger\.config\.json:3/,
    );
  });
});

describe('--discover', () => {
  it('finds .kiro, OpenSpec, Spec Kit and AGENTS.md roots in a monorepo, named from their paths', () => {
    const mono = tmp.at('mono');
    writeTree(mono, {
      'AGENTS.md': '# Top\n',
      'packages/web/.kiro/steering/tech.md': '# Tech\n',
      'packages/api/openspec/specs/auth/spec.md': '# Auth\n',
      'packages/billing/specs/001-refunds/spec.md': '# Refunds\n',
      'packages/billing/AGENTS.md': '# Billing\n',
      'tools/lint/AGENTS.md': '# Lint\n',
      'packages/empty/specs/.gitkeep': '',
      'node_modules/x/specs/a.md': '# vendored\n',
    });
    const found = discoverRoots(mono);
    expect(found.map((r) => [r.name, path.relative(mono, r.path)])).toEqual([
      ['packages-api-openspec', 'packages/api/openspec'],
      ['packages-billing-specs', 'packages/billing/specs'],
      ['packages-web-kiro', 'packages/web/.kiro'],
      ['tools-lint', 'tools/lint'],
    ]);
    const roots = list({ discover: 'mono' });
    expect(roots.federated).toBe(true);
    expect(roots.source).toBe('--discover');
    expect(roots.roots).toHaveLength(4);
  });

  it('numbers roots whose paths make the same name, and serves them all', () => {
    const mono = tmp.at('mono');
    const long = 'x'.repeat(70);
    writeTree(mono, {
      'a b/.kiro/steering/one.md': '# One\n',
      'a-b/.kiro/steering/two.md': '# Two\n',
      [`${long}1/specs/a.md`]: '# A\n',
      [`${long}2/specs/b.md`]: '# B\n',
    });
    const found = discoverRoots(mono);
    expect(found.map((r) => [r.name, path.relative(mono, r.path)])).toEqual([
      ['a-b-kiro', 'a b/.kiro'],
      ['a-b-kiro-2', 'a-b/.kiro'],
      ['x'.repeat(63), `${long}1/specs`],
      [`${'x'.repeat(61)}-2`, `${long}2/specs`],
    ]);
    const roots = list({ discover: 'mono' });
    expect(roots.roots.map((r) => r.name)).toEqual(found.map((r) => r.name));
    // A name the user gave another root is taken too, whatever its case.
    writeTree(tmp.dir, { 'own/a.md': '# Own\n' });
    const both = list({ specs: ['A-B-KIRO=own'], discover: 'mono' });
    expect(both.roots.map((r) => r.name).slice(0, 3)).toEqual(['A-B-KIRO', 'a-b-kiro-2', 'a-b-kiro-3']);
  });
});
