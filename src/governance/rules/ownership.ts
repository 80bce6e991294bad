// Ownership and ID stability of approved specs: missing-owners and unstable-id.
import type { Finding } from '../types.js';
import { frontmatterLine, isApproved, type SnapshotRule } from './context.js';

/** An approved spec steers agents; someone has to answer for changes to it. */
export const missingOwners: SnapshotRule = ({ snapshot }) => {
  const findings: Finding[] = [];
  for (const spec of snapshot.specs) {
    if (!isApproved(spec) || spec.owners.length > 0) continue;
    findings.push({
      rule: 'missing-owners',
      severity: 'error',
      file: spec.path,
      line: frontmatterLine(spec, 'owners', frontmatterLine(spec, 'status')),
      message: `approved spec "${spec.id}" has no owners`,
      hint: 'name who reviews changes to it in the frontmatter, e.g. owners: [payments-team]',
    });
  }
  return findings;
};

/**
 * A derived (slug) ID changes when its heading is reworded, silently breaking every reference and
 * ledger query that used it. Pinning the ID it has today keeps existing references working.
 */
export const unstableIds: SnapshotRule = ({ snapshot }) => {
  const findings: Finding[] = [];
  for (const spec of snapshot.specs) {
    if (!isApproved(spec)) continue;
    for (const clause of spec.clauses) {
      if (clause.idSource !== 'slug') continue;
      const heading = (clause.text.split('\n')[0] ?? '').trimEnd();
      findings.push({
        rule: 'unstable-id',
        severity: 'warning',
        file: spec.path,
        line: clause.line,
        ref: clause.ref,
        message: `clause "${clause.title}" has an ID derived from its heading (${clause.ref}); rewording the heading breaks references to it`,
        hint: `pin the ID it has now with an anchor: \`${heading} {#${clause.id}}\``,
      });
    }
  }
  return findings;
};
