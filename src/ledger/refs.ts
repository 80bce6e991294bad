// How the ledger writes and parses refs, digests and client names, so every query and store spells them the same way.
import { SpecLedgerError } from '../errors.js';

interface ParsedRef {
  spec_id: string;
  clause_id: string | null;
  digest: string | null;
}

const DIGEST_RE = /^(?:sha256:)?[0-9a-f]{64}$/i;

/** `spec#clause`, or the spec id alone when the read was not of one clause; null when no spec was involved. */
export function formatRef(specId: string | null, clauseId: string | null): string | null {
  if (specId === null) return null;
  return clauseId === null ? specId : `${specId}#${clauseId}`;
}

/** `name/version` (user-agent style), the name alone, or null when the client did not say. */
export function formatClient(name: string | null, version: string | null): string | null {
  if (name === null) return null;
  return version === null ? name : `${name}/${version}`;
}

/** Accepts `sha256:<hex>` or a bare 64-hex digest (what people paste) and returns `sha256:<hex>`. */
export function normalizeDigest(digest: string): string {
  const trimmed = digest.trim();
  if (!DIGEST_RE.test(trimmed)) {
    throw new SpecLedgerError(
      'INVALID_ARGUMENT',
      `invalid digest "${digest}": expected sha256:<64 hex digits>, e.g. sha256:${'0'.repeat(64)}`,
    );
  }
  return `sha256:${trimmed.replace(/^sha256:/i, '').toLowerCase()}`;
}

/** The hex part of `sha256:<hex>`, as in-toto digest sets want it. */
export function digestHex(digest: string): string {
  return digest.replace(/^sha256:/i, '');
}

/**
 * Parses `SPEC[#CLAUSE][@DIGEST]`. The `@` suffix is only taken as a digest when it looks like one,
 * so a spec id that itself contains `@` still parses.
 */
export function parseRef(input: string): ParsedRef {
  let rest = input.trim();
  let digest: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at > 0 && DIGEST_RE.test(rest.slice(at + 1))) {
    digest = normalizeDigest(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  const hash = rest.indexOf('#');
  const specId = hash === -1 ? rest : rest.slice(0, hash);
  const clauseId = hash === -1 ? null : rest.slice(hash + 1);
  if (specId === '' || clauseId === '') {
    throw new SpecLedgerError(
      'INVALID_ARGUMENT',
      `invalid ref "${input}": expected SPEC, SPEC#CLAUSE or SPEC#CLAUSE@sha256:<hex>, e.g. auth#AUTH-3`,
    );
  }
  return { spec_id: specId, clause_id: clauseId, digest };
}
