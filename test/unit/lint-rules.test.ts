// The snapshot rules of `specledger lint`, each passing and failing, over corpora written to temp folders.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/corpus/corpus.js';
import {
  DEFAULT_LINT_CONFIG,
  type LintConfig,
  lintSnapshot,
  normalizeLintConfig,
} from '../../src/governance/index.js';
import { authSpec, specText, type TempTree, tempTree } from '../integration/lint-fixtures.js';

let tree: TempTree;
beforeEach(() => {
  tree = tempTree();
});
afterEach(() => tree.cleanup());

function lint(config: LintConfig = DEFAULT_LINT_CONFIG) {
  return lintSnapshot(loadCorpus({ root: tree.dir }).current(), { config });
}

function configOf(raw: unknown): LintConfig {
  return normalizeLintConfig(raw, { root: tree.dir, source: null }).config;
}

const rulesOf = (findings: ReturnType<typeof lint>, rule: string) => findings.filter((f) => f.rule === rule);

/** 48 words of policy text; two specs carrying it have forked a policy. */
const POLICY =
  'Refunds are issued to the original payment method only, never to a different card or account, and a refund can never exceed the captured amount minus refunds already made on that payment. A refund that fails at the issuer is retried for three days and then reported to the merchant.';

describe('lintSnapshot: parser problems', () => {
  it('reports frontmatter schema and syntax errors with file, line and hint', () => {
    tree.write('bad-status.md', specText({ id: 'a', status: 'shipped' }, '# A\n'));
    tree.write('bad-yaml.md', '---\nid: [unclosed\n---\n# B\n');
    const findings = lint();
    const schema = rulesOf(findings, 'frontmatter-schema');
    expect(schema).toEqual([
      expect.objectContaining({
        file: 'bad-status.md',
        line: 3,
        severity: 'error',
        hint: expect.stringContaining('approved'),
      }),
    ]);
    expect(rulesOf(findings, 'frontmatter-syntax')).toEqual([
      expect.objectContaining({ file: 'bad-yaml.md', severity: 'error' }),
    ]);
  });

  it('reports duplicate clause and spec IDs', () => {
    tree.write('one.md', specText({ id: 'same' }, '# One\n\n## A {#x}\n\ntext\n\n## B {#x}\n\ntext\n'));
    tree.write('two.md', specText({ id: 'same' }, '# Two\n'));
    const findings = lint();
    expect(rulesOf(findings, 'duplicate-clause-id')).toEqual([
      expect.objectContaining({ file: 'one.md', line: 11 }),
    ]);
    expect(rulesOf(findings, 'duplicate-spec-id')).toEqual([
      expect.objectContaining({ file: 'one.md', line: 2 }),
      expect.objectContaining({ file: 'two.md', line: 2 }),
    ]);
  });

  it('passes on corpus problems (binary files, links leading outside the root) with a fix hint', () => {
    const outside = tempTree();
    try {
      outside.write('secret.md', '# Secret\n');
      tree.write('blob.md', 'abc\u0000def');
      symlinkSync(join(outside.dir, 'secret.md'), join(tree.dir, 'linked.md'));
      const findings = lint();
      expect(rulesOf(findings, 'binary')).toEqual([
        expect.objectContaining({
          file: 'blob.md',
          severity: 'error',
          hint: expect.stringContaining('remove'),
        }),
      ]);
      expect(rulesOf(findings, 'path-outside-root')).toEqual([
        expect.objectContaining({ file: 'linked.md', hint: expect.stringContaining('symbolic link') }),
      ]);
    } finally {
      outside.cleanup();
    }
  });

  it('finds nothing in a clean corpus', () => {
    tree.write('auth.md', authSpec());
    expect(lint()).toEqual([]);
  });
});

describe('lintSnapshot: missing-owners', () => {
  it('flags an approved spec without owners, on its status line', () => {
    tree.write('auth.md', authSpec({ owners: undefined }));
    expect(rulesOf(lint(), 'missing-owners')).toEqual([
      expect.objectContaining({
        file: 'auth.md',
        line: 4,
        severity: 'error',
        hint: expect.stringContaining('owners:'),
      }),
    ]);
  });

  it('accepts owned approved specs and unowned drafts', () => {
    tree.write('auth.md', authSpec());
    tree.write('draft.md', specText({ id: 'draft', status: 'draft' }, '# Draft\n'));
    expect(rulesOf(lint(), 'missing-owners')).toEqual([]);
  });
});

describe('lintSnapshot: unstable-id', () => {
  it('flags each heading-derived ID in an approved spec and suggests pinning it', () => {
    tree.write(
      'auth.md',
      authSpec({}, '\n## Failed attempts\n\nCounted per IP.\n\n### Lockout\n\nFifteen minutes.\n'),
    );
    const findings = rulesOf(lint(), 'unstable-id');
    expect(findings.map((f) => [f.line, f.ref])).toEqual([
      [19, 'auth#failed-attempts'],
      [23, 'auth#lockout'],
    ]);
    expect(findings[0]!.hint).toContain('`## Failed attempts {#failed-attempts}`');
  });

  it('leaves derived IDs in drafts alone', () => {
    tree.write(
      'notes.md',
      specText({ id: 'notes', status: 'draft' }, '# Notes\n\n## Open questions\n\nMany.\n'),
    );
    expect(rulesOf(lint(), 'unstable-id')).toEqual([]);
  });
});

describe('lintSnapshot: standing-budget', () => {
  const rules = Array.from({ length: 12 }, (_, i) => `- Rule ${i + 1}: always run the tests.`).join('\n');

  it('flags a root plus always specs over the line, instruction and token budgets', () => {
    tree.write('README.md', '# Root\n\nYou MUST read this first. Then pick a spec.\n');
    tree.write('rules.md', specText({ id: 'rules', inclusion: 'always' }, `# Rules\n\n${rules}\n`));
    const findings = rulesOf(
      lint(configOf({ budget: { lines: 10, instructions: 10, tokens: 50 } })),
      'standing-budget',
    );
    // Root: 3 lines, 1 directive sentence; rules: 14 lines, 12 list items.
    expect(findings.map((f) => f.message.split(' over ')[0]).sort()).toEqual([
      'standing instructions (root + 1 always spec) are 13 instructions,',
      expect.stringMatching(/^standing instructions \(root \+ 1 always spec\) are \d+ tokens,$/),
      'standing instructions (root + 1 always spec) are 17 lines,',
    ]);
    expect(findings.every((f) => f.file === 'rules.md' && f.line === 5)).toBe(true);
  });

  it('stays quiet within the default budget', () => {
    tree.write('README.md', '# Root\n\nYou MUST read this first.\n');
    tree.write('rules.md', specText({ id: 'rules', inclusion: 'always' }, `# Rules\n\n${rules}\n`));
    expect(rulesOf(lint(), 'standing-budget')).toEqual([]);
  });
});

describe('lintSnapshot: near-duplicate', () => {
  it('flags a clause copied into another spec, once, at the outermost copy', () => {
    tree.write('a.md', specText({ id: 'a' }, `# A\n\n## Refund rules {#refund-rules}\n\n${POLICY}\n`));
    tree.write(
      'b.md',
      specText({ id: 'b' }, `# B\n\n## Refunds {#refunds}\n\n${POLICY.replace('only', 'solely')}\n`),
    );
    const findings = rulesOf(lint(), 'near-duplicate');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: 'b.md', line: 7, ref: 'b#refunds', severity: 'warning' });
    expect(findings[0]!.message).toContain('a#refund-rules (a.md:7)');
  });

  it('ignores short clauses, copies within one spec, different text and superseded specs', () => {
    tree.write(
      'a.md',
      specText({ id: 'a' }, `# A\n\n## One {#one}\n\n${POLICY}\n\n## Two {#two}\n\n${POLICY}\n`),
    );
    tree.write(
      'b.md',
      specText({ id: 'b' }, '# B\n\n## Short {#short}\n\nRefunds go to the original card.\n'),
    );
    tree.write(
      'c.md',
      specText({ id: 'c' }, '# C\n\n## Short {#short}\n\nRefunds go to the original card.\n'),
    );
    tree.write('d.md', specText({ id: 'd', supersedes: '[a]' }, `# D\n\n## Copy {#copy}\n\n${POLICY}\n`));
    const other =
      'Payouts run daily at noon UTC for every merchant whose balance is positive, in the currency of the balance, to the bank account on file, unless the account is under review by the risk team today.';
    tree.write('e.md', specText({ id: 'e' }, `# E\n\n## Payouts {#payouts}\n\n${other}\n`));
    expect(rulesOf(lint(), 'near-duplicate')).toEqual([]);
  });

  it('compares the text of copies, not the clause IDs that open them, SC-002.a style included', () => {
    tree.write(
      'a.md',
      specText({ id: 'a' }, `# A\n\n## Outcomes {#outcomes}\n\n- **SC-002.a**: ${POLICY}\n`),
    );
    tree.write('b.md', specText({ id: 'b' }, `# B\n\n## Results {#results}\n\n- **SC-014.b**: ${POLICY}\n`));
    const findings = rulesOf(lint(configOf({ nearDuplicate: { similarity: 0.95 } })), 'near-duplicate');
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('a#outcomes');
  });

  it('follows the configured similarity threshold', () => {
    const edited = POLICY.replace('original payment method', 'card used for the payment').replace(
      'already made',
      'issued before',
    );
    tree.write('a.md', specText({ id: 'a' }, `# A\n\n## R {#r}\n\n${POLICY}\n`));
    tree.write('b.md', specText({ id: 'b' }, `# B\n\n## R {#r}\n\n${edited}\n`));
    expect(rulesOf(lint(), 'near-duplicate')).toEqual([]);
    expect(rulesOf(lint(configOf({ nearDuplicate: { similarity: 0.5 } })), 'near-duplicate')).toHaveLength(1);
  });
});

describe('lintSnapshot: broken-ref', () => {
  it('flags references to a missing spec or clause, with a suggestion', () => {
    tree.write('auth.md', authSpec());
    tree.write(
      'guide.md',
      specText(
        { id: 'guide' },
        '# Guide\n\nSee `auth#token-lifetme` and payments#capture.\nAlso auth#token-lifetime and auth#AUTH-1.\n',
      ),
    );
    const findings = rulesOf(lint(), 'broken-ref');
    expect(findings.map((f) => [f.line, f.message.split(':')[0]])).toEqual([
      [7, 'reference auth#token-lifetme does not resolve'],
      [7, 'reference payments#capture does not resolve'],
    ]);
    expect(findings[0]!.hint).toContain('replace it with auth#token-lifetime');
  });

  it('skips code blocks, URLs, file links and issue numbers', () => {
    tree.write('auth.md', authSpec());
    tree.write(
      'guide.md',
      specText(
        { id: 'guide' },
        [
          '# Guide',
          '',
          'Read https://example.com/docs#setup and [the guide](other.md#intro) and <https://x.test/a#b>.',
          'Fixed in upstream#1234 and see setup.md#install.',
          '',
          '```',
          'curl api#missing',
          '```',
          '',
        ].join('\n'),
      ),
    );
    expect(rulesOf(lint(), 'broken-ref')).toEqual([]);
  });
});

describe('lintSnapshot: config levels', () => {
  it('changes a rule severity or switches it off', () => {
    tree.write('auth.md', authSpec({ owners: undefined }));
    expect(
      rulesOf(lint(configOf({ rules: { 'missing-owners': 'info' } })), 'missing-owners')[0]?.severity,
    ).toBe('info');
    expect(rulesOf(lint(configOf({ rules: { 'missing-owners': 'off' } })), 'missing-owners')).toEqual([]);
  });
});
