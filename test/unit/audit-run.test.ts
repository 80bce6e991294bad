// runAudit: a root that cannot be audited fails alone, with a note, and the others are still compared.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/index.js';
import { makeTempDir, type TempDir, writeTree } from '../helpers/temp.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('specledger-audit-run-');
});
afterEach(() => tmp.remove());

const spec = (owners: string) =>
  `---\nid: refunds\nversion: 1.0.0\nstatus: approved\n${owners}---\n\n# Refunds\n`;

describe('runAudit', () => {
  it('reports a root whose lint config is broken as not audited, and audits the rest', async () => {
    writeTree(tmp.at('good'), { 'refunds.md': spec('') });
    writeTree(tmp.at('broken'), {
      'refunds.md': spec('owners: [pay]\n'),
      '.specledger/lint.json': '{ not json',
    });
    const report = await runAudit({
      roots: [
        { name: 'good', path: tmp.at('good') },
        { name: 'broken', path: tmp.at('broken') },
      ],
      cwd: tmp.dir,
    });
    expect(report.roots.map((r) => r.name)).toEqual(['good']);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^broken: not audited: lint config .* is not valid JSON/),
      ]),
    );
    expect(report.findings.map((f) => `${f.kind} ${f.root}`)).toEqual(['missing-owners good']);
  });
});
