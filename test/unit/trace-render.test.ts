// The pull-request comment: what a reviewer reads, and what a hostile commit subject or run ID cannot do to it.
import { describe, expect, it } from 'vitest';
import { renderReportMarkdown } from '../../src/trace/render.js';
import type { Report } from '../../src/trace/report.js';

const sha = (c: string) => c.repeat(40);

function report(overrides: Partial<Report> = {}): Report {
  return {
    range: { base: 'main', head: 'HEAD', base_commit: sha('0'), head_commit: sha('2') },
    commits: [
      {
        commit: sha('1'),
        subject: 'token lifetime',
        merge: false,
        provenance: 'note',
        runs: ['run-1'],
        clauses: 1,
      },
      { commit: sha('2'), subject: 'by hand', merge: false, provenance: 'none', runs: [], clauses: 0 },
    ],
    linked: 1,
    unlinked: 1,
    runs: [{ run: 'run-1', via: 'env', source: 'env', client: 'claude-code/2.1.0', commits: [sha('1')] }],
    specs: [
      {
        spec: 'auth',
        clauses: [
          {
            ref: 'auth#token-lifetime',
            digest: `sha256:${'a'.repeat(64)}`,
            version: '1.4.0',
            status: 'approved',
            state: 'changed',
            current_digest: `sha256:${'b'.repeat(64)}`,
            runs: ['run-1'],
            commits: [sha('1')],
          },
        ],
      },
    ],
    stale: [],
    specs_changed: [{ path: 'specs/auth.md', status: 'M' }],
    lint: [],
    warnings: [],
    problems: [],
    ...overrides,
  };
}

describe('renderReportMarkdown', () => {
  it('sums up the range, lists each commit with or without provenance, and each clause at its short version', () => {
    const md = renderReportMarkdown(report());
    expect(md).toContain(
      '2 commits: **1 with provenance**, 1 without · 1 run · 1 clause versions relied on · **0 stale**',
    );
    expect(md).toContain(`| \`${sha('1').slice(0, 12)}\` | token lifetime | \`run-1\` | 1 |`);
    expect(md).toContain(`| \`${sha('2').slice(0, 12)}\` | by hand | _no provenance_ |  |`);
    expect(md).toContain('| `auth#token-lifetime@aaaaaaaa` | 1.4.0 | approved | changed |');
    expect(md).toContain('- M `specs/auth.md`');
  });

  it('keeps a hostile subject or run ID from breaking the table, opening HTML or closing a code span', () => {
    const md = renderReportMarkdown(
      report({
        commits: [
          {
            commit: sha('1'),
            subject: 'x | y <img src=x onerror=alert(1)> [z](http://e)',
            merge: false,
            provenance: 'note',
            runs: ['a`b'],
            clauses: 0,
          },
        ],
      }),
    );
    const row = md.split('\n').find((l) => l.includes(sha('1').slice(0, 12))) as string;
    expect(row.split(/(?<!\\)\|/).length).toBe(6);
    expect(row).toContain('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(row).toContain('\\[z\\]\\(http://e\\)');
    expect(row).toContain('`` a`b ``');
  });

  it('shows a stale clause with its diff in a diff block, and every warning', () => {
    const md = renderReportMarkdown(
      report({
        stale: [
          {
            ...(report().specs[0]?.clauses[0] as Report['specs'][number]['clauses'][number]),
            state: 'changed',
            diff: '@@ -1 +1 @@\n-15 minutes\n+10 minutes',
          },
        ],
        warnings: ['this clone has no refs/notes/specledger'],
      }),
    );
    expect(md).toContain('- `auth#token-lifetime@aaaaaaaa` is **changed** (now `bbbbbbbb`)');
    expect(md).toContain('  ```diff\n  @@ -1 +1 @@\n  -15 minutes\n  +10 minutes\n  ```');
    expect(md).toContain('> ⚠️ this clone has no refs/notes/specledger');
  });
});
