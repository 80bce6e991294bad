// Lint over the shared real-world corpora (~850 files): it completes, and its findings make sense.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/corpus/corpus.js';
import { runLint } from '../../src/governance/index.js';

const CORPORA = fileURLToPath(new URL('../../../shared/corpora', import.meta.url));

describe.skipIf(!existsSync(CORPORA))(
  'specledger lint on ../shared/corpora (skipped when the corpora are absent)',
  () => {
    it('completes with findings only where the rules apply', async () => {
      const report = await runLint({ specs: CORPORA, cwd: CORPORA });
      const specs = loadCorpus({ root: CORPORA }).current().specs;
      const statusOf = new Map(specs.map((s) => [s.path, s.status]));
      const byRule = (rule: string) => report.findings.filter((f) => f.rule === rule);

      // The corpora carry no `status: approved` frontmatter, so governance rules on approved specs stay quiet.
      for (const f of [...byRule('unstable-id'), ...byRule('missing-owners')])
        expect(statusOf.get(f.file)).toBe('approved');
      // Spec Kit templates copied into feature specs are real forks.
      const dups = byRule('near-duplicate');
      expect(dups.length).toBeGreaterThan(0);
      for (const f of dups) {
        const other = /\(([^()]+\.md):\d+\)/.exec(f.message)?.[1];
        expect(other).toBeDefined();
        expect(other).not.toBe(f.file);
      }
      expect(report.notes).toContain('not a git repository: drift not checked');
      expect(report.summary.error + report.summary.warning + report.summary.info).toBe(
        report.findings.length,
      );
    });
  },
);
