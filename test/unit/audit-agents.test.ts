// AGENTS.md variants compared across roots: what is reported, why it was paired, and what is left alone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentsFindings } from '../../src/audit/agents.js';
import { forkedClauses } from '../../src/audit/forks.js';
import { loadRoot } from '../../src/audit/root-audit.js';
import { DEFAULT_LINT_CONFIG } from '../../src/governance/config.js';
import { createProseScanner } from '../../src/governance/prose.js';
import { createTokenCounter } from '../../src/parse/tokens.js';
import { makeTempDir, type TempDir, writeTree } from '../helpers/temp.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('specledger-audit-agents-');
});
afterEach(() => tmp.remove());

const prose = createProseScanner();
const tokens = createTokenCounter();

/** Each entry a root (not a git repository: drift is not what these tests are about). */
async function roots(files: Record<string, Record<string, string>>) {
  const loaded = [];
  for (const [name, tree] of Object.entries(files)) {
    writeTree(tmp.at(name), tree);
    loaded.push(await loadRoot({ name, path: tmp.at(name) }, { tokens, prose, cwd: tmp.dir }));
  }
  return loaded;
}

const agents = (...items: string[]) => ({
  'AGENTS.md': `# Rules\n\n${items.map((i) => `- ${i}`).join('\n')}\n`,
});

describe('agentsFindings', () => {
  it('pairs opposite modality on one subject, and reports the side fewer variants take', async () => {
    const loaded = await roots({
      a: agents('Always commit the lockfile.', 'Keep functions small.'),
      b: agents('Always commit the lockfile.', 'Keep functions small.'),
      c: agents('Never commit the lockfile.', 'Keep functions small.'),
    });
    const findings = agentsFindings(loaded, prose);
    expect(findings).toEqual([
      expect.objectContaining({
        kind: 'contradicting-instruction',
        root: 'c',
        file: 'AGENTS.md',
        line: 3,
        why: expect.stringMatching(/same subject \(commit, lockfile\), opposite modality/),
      }),
    ]);
    expect(findings[0]!.related.map((r) => r.root)).toEqual(['a', 'b']);
  });

  it('reads "X, never Y" as a pick of X, so it agrees with variants that pick X', async () => {
    const loaded = await roots({
      a: agents('MUST use pnpm, never npm or yarn.'),
      b: agents('Use pnpm for every install.'),
      c: agents('Install with yarn.'),
    });
    const findings = agentsFindings(loaded, prose);
    expect(findings.map((f) => `${f.kind} ${f.root}`)).toEqual(['contradicting-instruction c']);
    expect(findings[0]!.why).toBe(
      'yarn and pnpm are both package managers: different alternatives from one set',
    );
  });

  it('reports an instruction only a minority has as nothing, and one a majority has as missing', async () => {
    const loaded = await roots({
      a: agents('Write a test for every bug fix.', 'Tag releases from main only.'),
      b: agents('Write a test for every bug fix.'),
      c: agents('Prefer small pull requests.'),
    });
    const findings = agentsFindings(loaded, prose);
    expect(findings.map((f) => `${f.kind} ${f.root}`)).toEqual(['missing-instruction c']);
    expect(findings[0]!.message).toContain('2 of 3 variants');
  });

  it('leaves a CLAUDE.md that only points at AGENTS.md out of the comparison', async () => {
    const loaded = await roots({
      a: agents('Write a test for every bug fix.'),
      b: agents('Write a test for every bug fix.'),
      c: { 'CLAUDE.md': 'See AGENTS.md in the parent folder.\n' },
    });
    expect(agentsFindings(loaded, prose)).toEqual([]);
  });
});

describe('forkedClauses', () => {
  const policy = (days: number) =>
    `---\nid: refunds\nversion: 1.0.0\nstatus: approved\nowners: [pay]\n---\n\n# Refunds\n\n## Window {#window}\n\nRefunds are issued to the original payment method only, never to a different card or account, and a refund request is accepted for ${days} days after capture. A refund that fails at the issuer is retried for three days and then reported to the merchant by email.\n`;

  it('reports a copy that changed, with the words that differ, and not a copy word for word', async () => {
    const loaded = await roots({
      a: { 'refunds.md': policy(30) },
      b: { 'refunds.md': policy(30) },
      c: { 'refunds.md': policy(90) },
    });
    const findings = forkedClauses(loaded, DEFAULT_LINT_CONFIG);
    expect(findings.map((f) => `${f.root}:${f.file}:${f.line}`)).toEqual(['c:refunds.md:10']);
    expect(findings[0]!.message).toMatch(/says "90" where (a|b) says "30"/);
  });
});
