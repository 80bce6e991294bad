// One server's resource subscriptions, filed by spec: an edit costs work only for the specs it changed.

import type { Snapshot } from '../../corpus/snapshot.js';
import { SpecLedgerError } from '../../errors.js';
import { parseSpecUri, ROOT_URI, specUri } from '../uri.js';

/**
 * URIs one connection may hold. Every edit used to re-resolve every subscribed URI: 100k of them stalled the
 * server 4.3 s per edit. Now an edit looks only at the changed specs' subscriptions, and each must name a
 * clause or spec when subscribed; the cap bounds the spellings of those (case, percent-encoding) one client keeps.
 */
const MAX_SUBSCRIPTIONS = 10_000;

interface Subscriptions {
  /** Throws NOT_FOUND for a spec URI that names nothing, INVALID_ARGUMENT when the connection holds the cap. */
  add(uri: string, snapshot: Snapshot): void;
  delete(uri: string): void;
  /** The subscribed URIs whose text differs between the two snapshots. */
  changed(before: Snapshot, after: Snapshot): string[];
}

const rootDigest = (s: Snapshot): string => s.root.digest + s.catalog.map((d) => d.digest).join('');

export function createSubscriptions(): Subscriptions {
  let root = false;
  /** spec ID → clause ID ('' for the whole spec) → the URIs subscribed to it. */
  const bySpec = new Map<string, Map<string, Set<string>>>();
  /** Each URI's place in bySpec, for unsubscribe and the cap. */
  const placeOf = new Map<string, { specId: string; clauseId: string }>();

  return {
    add(uri, snapshot) {
      if (uri === ROOT_URI) {
        root = true;
        return;
      }
      if (placeOf.has(uri)) return;
      const parsed = parseSpecUri(uri);
      // A URI this server does not serve, or a pinned version, never changes: the subscription is accepted (as
      // the MCP conformance suite expects of any URI) and nothing is kept, so it costs no memory and no edit work.
      if (!parsed || parsed.digest) return;
      if (placeOf.size >= MAX_SUBSCRIPTIONS) {
        throw new SpecLedgerError(
          'INVALID_ARGUMENT',
          `this connection already holds ${MAX_SUBSCRIPTIONS} resource subscriptions; unsubscribe from some first`,
        );
      }
      const { spec, clause } = snapshot.resolve(`${parsed.specId}#${parsed.clauseId ?? ''}`);
      const place = { specId: spec.id, clauseId: clause?.id ?? '' };
      const clauses = bySpec.get(place.specId) ?? new Map<string, Set<string>>();
      bySpec.set(place.specId, clauses);
      const uris = clauses.get(place.clauseId) ?? new Set<string>();
      clauses.set(place.clauseId, uris);
      uris.add(uri);
      placeOf.set(uri, place);
    },
    delete(uri) {
      if (uri === ROOT_URI) {
        root = false;
        return;
      }
      const place = placeOf.get(uri);
      if (!place) return;
      placeOf.delete(uri);
      const clauses = bySpec.get(place.specId);
      const uris = clauses?.get(place.clauseId);
      uris?.delete(uri);
      if (uris?.size === 0) clauses?.delete(place.clauseId);
      if (clauses?.size === 0) bySpec.delete(place.specId);
    },
    changed(before, after) {
      const out: string[] = [];
      if (root && rootDigest(before) !== rootDigest(after)) out.push(ROOT_URI);
      for (const [specId, clauses] of bySpec) {
        const was = before.spec(specId);
        const now = after.spec(specId);
        // The same source text means the same clauses: most edits touch one spec, and the rest cost one compare.
        if (was?.digest === now?.digest) continue;
        const digestsOf = (spec: typeof was) => new Map(spec?.clauses.map((c) => [c.id, c.digest]) ?? []);
        const [old, fresh] = [digestsOf(was), digestsOf(now)];
        for (const [clauseId, uris] of clauses) {
          const differs = clauseId === '' || old.get(clauseId) !== fresh.get(clauseId);
          if (differs) out.push(...uris);
        }
      }
      return out;
    },
  };
}

/** Whether the catalog lists other specs (added, removed or renamed): what `resources/list_changed` announces. */
export function catalogChanged(before: Snapshot, after: Snapshot): boolean {
  const ids = (s: Snapshot) => s.catalog.map((d) => d.id).join('\n');
  return ids(before) !== ids(after);
}

/**
 * Every URI, in canonical spelling (uri.ts), whose text differs between the two snapshots: the root when the root
 * document or catalog changed, then each changed spec and its changed clauses. For 2026-07-28 listeners, whose
 * subscriptions the SDK's listen router holds and filters.
 */
export function changedUris(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  if (rootDigest(before) !== rootDigest(after)) out.push(ROOT_URI);
  const ids = new Set([...before.catalog.map((s) => s.id), ...after.catalog.map((s) => s.id)]);
  for (const id of ids) {
    const was = before.spec(id);
    const now = after.spec(id);
    if (was?.digest === now?.digest) continue;
    out.push(specUri(id));
    const old = new Map(was?.clauses.map((c) => [c.id, c.digest]) ?? []);
    for (const clause of now?.clauses ?? []) {
      if (old.get(clause.id) !== clause.digest) out.push(specUri(id, clause.id));
      old.delete(clause.id);
    }
    for (const removed of old.keys()) out.push(specUri(id, removed));
  }
  return out;
}
