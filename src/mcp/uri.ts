// spec:// URIs: spec IDs may hold "/", so each part is percent-encoded to keep the URI unambiguous.

export const ROOT_URI = 'spec://root';

export function specUri(specId: string, clauseId?: string | null, digest?: string | null): string {
  let uri = `spec://${encodeURIComponent(specId)}`;
  if (clauseId) uri += `/${encodeURIComponent(clauseId)}`;
  if (digest) uri += `@${digest}`;
  return uri;
}

interface ParsedUri {
  specId: string;
  clauseId: string | null;
  digest: string | null;
}

/** Parses `spec://{spec}`, `spec://{spec}/{clause}` and `spec://{spec}/{clause}@{digest}`; null for anything else. */
export function parseSpecUri(uri: string): ParsedUri | null {
  const m = /^spec:\/\/([^/@]+)(?:\/([^/@]+))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(uri);
  if (!m) return null;
  try {
    return {
      specId: decodeURIComponent(m[1]!),
      clauseId: m[2] ? decodeURIComponent(m[2]) : null,
      digest: m[3] ?? null,
    };
  } catch {
    return null;
  }
}
