// Lint configuration, semver comparison, the instruction heuristic and the text report.
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLintConfig } from '../../src/governance/config.js';
import { renderFindingsText, summarize } from '../../src/governance/index.js';
import { createProseScanner } from '../../src/governance/prose.js';
import { bumpSemver, compareSemver } from '../../src/governance/semver.js';
import { readSmallFile } from '../../src/source/read-file.js';
import { type TempTree, tempTree } from '../integration/lint-fixtures.js';

describe('loadLintConfig', () => {
  let root: TempTree;
  let cwd: TempTree;
  beforeEach(() => {
    root = tempTree();
    cwd = tempTree();
  });
  afterEach(() => {
    root.cleanup();
    cwd.cleanup();
  });

  it('uses the defaults when no file exists', () => {
    const { config, warnings } = loadLintConfig({ root: root.dir, cwd: cwd.dir });
    expect(config.budget).toEqual({ lines: 300, instructions: 150, tokens: 2500 });
    expect(config.nearDuplicate).toEqual({ similarity: 0.85, minWords: 25, shingle: 3 });
    expect(config.source).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('refuses a config in the spec root that is a FIFO, or a link out of the root, without reading it', () => {
    // A FIFO once blocked spec_status, and with it every client; a link to /dev/zero aborted the server.
    execFileSync('mkfifo', [join(root.dir, 'specledger.lint.json')]);
    expect(() => loadLintConfig({ root: root.dir, cwd: cwd.dir })).toThrow(/not a regular file/);
    root.remove('specledger.lint.json');
    cwd.write('outside.json', JSON.stringify({ budget: { lines: 1 } }));
    symlinkSync(join(cwd.dir, 'outside.json'), join(root.dir, 'specledger.lint.json'));
    expect(() => loadLintConfig({ root: root.dir, cwd: cwd.dir })).toThrow(/leads outside the spec root/);
  });

  it('reads a file that must stay in a folder only where the open file really is in it', () => {
    // What loadLintConfig's open does after its check: a folder on the way swapped for a link to outside between
    // the check and the open (here it is a link from the start) must not lead the read out of the root.
    cwd.write('elsewhere/specledger.lint.json', '{"budget":{"lines":1}}');
    symlinkSync(join(cwd.dir, 'elsewhere'), join(root.dir, '.specledger'));
    const through = join(root.dir, '.specledger/specledger.lint.json');
    expect(readSmallFile(through)).toContain('lines');
    expect(() => readSmallFile(through, 1024, { inside: root.dir })).toThrow(/leads outside/);
    symlinkSync(join(cwd.dir, 'elsewhere/specledger.lint.json'), join(root.dir, 'last-link.json'));
    expect(() => readSmallFile(join(root.dir, 'last-link.json'), 1024, { inside: root.dir })).toThrow(
      /ELOOP|link/,
    );
    root.write('plain.json', '{}');
    expect(readSmallFile(join(root.dir, 'plain.json'), 1024, { inside: root.dir })).toBe('{}');
  });

  it('finds .specledger/lint.json in the spec root before specledger.lint.json in the working directory', () => {
    root.write('.specledger/lint.json', JSON.stringify({ budget: { lines: 100 } }));
    cwd.write('specledger.lint.json', JSON.stringify({ budget: { lines: 200 } }));
    const { config } = loadLintConfig({ root: root.dir, cwd: cwd.dir });
    expect(config.budget.lines).toBe(100);
    expect(config.budget.instructions).toBe(150);
    expect(config.source).toBe(join(root.dir, '.specledger/lint.json'));
    root.remove('.specledger/lint.json');
    expect(loadLintConfig({ root: root.dir, cwd: cwd.dir }).config.budget.lines).toBe(200);
  });

  it('reads an explicit --config file and resolves drift.codeRoot against the spec root', () => {
    cwd.write('ci/lint.json', JSON.stringify({ rules: { drift: 'error' }, drift: { codeRoot: '..' } }));
    const { config } = loadLintConfig({ root: join(root.dir, 'specs'), cwd: cwd.dir, file: 'ci/lint.json' });
    expect(config.rules).toEqual({ drift: 'error' });
    expect(config.drift.codeRoot).toBe(root.dir);
  });

  it('rejects a missing explicit file, invalid JSON and invalid values with the path of the problem', () => {
    expect(() => loadLintConfig({ root: root.dir, cwd: cwd.dir, file: 'nope.json' })).toThrow(
      /does not exist/,
    );
    cwd.write('bad.json', '{ "rules": ');
    expect(() => loadLintConfig({ root: root.dir, cwd: cwd.dir, file: 'bad.json' })).toThrow(
      /not valid JSON.*e\.g\./,
    );
    cwd.write('bad.json', JSON.stringify({ rules: { drift: 'fatal' }, budget: { lines: -1 }, typo: 1 }));
    try {
      loadLintConfig({ root: root.dir, cwd: cwd.dir, file: 'bad.json' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'CONFIG' });
      const message = (error as Error).message;
      expect(message).toContain('rules.drift');
      expect(message).toContain('budget.lines');
      expect(message).toContain('typo');
    }
  });

  it('warns about rule IDs it does not know', () => {
    cwd.write('specledger.lint.json', JSON.stringify({ rules: { 'unstable-ids': 'off' } }));
    const { warnings } = loadLintConfig({ root: root.dir, cwd: cwd.dir });
    expect(warnings).toEqual([expect.stringContaining('unknown rule "unstable-ids"')]);
  });
});

describe('compareSemver', () => {
  it('orders versions by semver precedence', () => {
    expect(compareSemver('1.4.1', '1.4.0')).toBe(1);
    expect(compareSemver('1.10.0', '1.9.9')).toBe(1);
    expect(compareSemver('2.0.0', '2.0.0')).toBe(0);
    expect(compareSemver('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareSemver('1.0.0-rc.10', '1.0.0-rc.9')).toBe(1);
    expect(compareSemver('1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1);
    expect(compareSemver('v1.2.3', '1.2.3+build.5')).toBe(0);
    expect(compareSemver('1.2', '1.2.0')).toBeNull();
  });

  it('is antisymmetric, and every suggested bump compares higher', () => {
    const version = fc
      .tuple(
        fc.nat(20),
        fc.nat(20),
        fc.nat(20),
        fc.option(fc.constantFrom('alpha', 'rc.1', 'rc.10', '0'), { nil: undefined }),
      )
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}`);
    fc.assert(
      fc.property(version, version, fc.constantFrom('major', 'minor', 'patch' as const), (a, b, level) => {
        expect(compareSemver(a, b)).toBe(-compareSemver(b, a)! || 0);
        expect(compareSemver(bumpSemver(a, level), a)).toBe(1);
      }),
    );
  });

  it('suggests the next version for a change', () => {
    expect(bumpSemver('1.4.2', 'patch')).toBe('1.4.3');
    expect(bumpSemver('1.4.2', 'minor')).toBe('1.5.0');
    expect(bumpSemver('1.4.2', 'major')).toBe('2.0.0');
  });
});

describe('instruction count', () => {
  it('counts list items and directive sentences, not headings, tables or code', () => {
    const text = [
      '# Rules',
      '',
      'Read this first. You MUST run the tests. Never push to main. The sky is blue.',
      '',
      '- one',
      '- two',
      '  - nested',
      '',
      '| col | must |',
      '|---|---|',
      '| a | b |',
      '',
      '```',
      'you must not count this',
      '```',
    ].join('\n');
    expect(createProseScanner().instructions(text)).toBe(5);
  });
});

describe('renderFindingsText', () => {
  it('prints file:line, severity, rule, message, an indented hint and a summary', () => {
    const findings = [
      {
        rule: 'missing-owners',
        severity: 'error' as const,
        file: 'auth.md',
        line: 4,
        message: 'no owners',
        hint: 'add owners',
      },
      { rule: 'drift', severity: 'warning' as const, file: 'pay.md', line: 9, message: 'code changed' },
    ];
    const text = renderFindingsText(findings, summarize(findings), {
      displayPath: (f) => `specs/${f}`,
      specs: 2,
    });
    expect(text.split('\n')).toEqual([
      'specs/auth.md:4  error  missing-owners  no owners',
      '  hint: add owners',
      'specs/pay.md:9  warning  drift  code changed',
      '',
      '2 findings in 2 spec files: 1 error, 1 warning, 0 info',
    ]);
    expect(renderFindingsText([], summarize([]), { specs: 3 })).toBe('no findings in 3 spec files');
  });
});
