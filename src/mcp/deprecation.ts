// The one deprecation check every read of a spec's text passes: get_clause and resources/read alike.

import type { Resolved } from '../corpus/resolve.js';
import type { Snapshot } from '../corpus/snapshot.js';
import { SpecLedgerError } from '../errors.js';

/**
 * Refuses a deprecated spec, naming its successors (and the same clause in them, when it exists) as candidates.
 * `override` says how the caller can read it anyway; null when this entry point offers no way.
 */
export function assertNotDeprecated(snapshot: Snapshot, target: Resolved, override: string | null): void {
  const { spec, clause } = target;
  if (spec.status !== 'deprecated') return;
  const by = snapshot.specs.filter((s) => s.supersedes.includes(spec.id)).map((s) => s.id);
  const successors = by.map((s) => `"${s}"`).join(', ');
  const instead =
    by.length > 0
      ? `superseded by ${successors}; read that instead${override ? `, or ${override}` : ''}`
      : `no successor is named${override ? `; ${override}` : ''}`;
  throw new SpecLedgerError('DEPRECATED', `spec "${spec.id}" is deprecated: ${instead}`, {
    candidates: by.map((id) =>
      clause && snapshot.spec(id)?.clauses.some((c) => c.id === clause.id) ? `${id}#${clause.id}` : id,
    ),
  });
}
