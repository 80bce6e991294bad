// The one definition of a root-qualified ref (`payments:auth#token-lifetime`): root names and how they prefix IDs.

/**
 * Between a root's name and a spec ID. `:` because no spec ID can hold it where it would be read as a root: a
 * declared `id:` must match SPEC_ID_PATTERN (letters, digits, `.`, `_`, `-`, `/`), root names hold none of
 * `:`, `/` or `#`, and only a prefix that names a served root is taken as one (a path-derived ID such as
 * `notes:draft` in a root served alone stays what it is). `/` would collide with path-derived IDs
 * (`payments/auth` is a spec in a folder), `#` starts the clause, `@` pins a digest in `spec://` URIs.
 */
const ROOT_SEPARATOR = ':';

/** A root's name: what refs, folders on the root page and ledger records carry. */
const ROOT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function rootNameProblem(name: string): string | null {
  if (ROOT_NAME_PATTERN.test(name)) return null;
  return 'a root name is 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. payments)';
}

/** `payments` + `auth` → `payments:auth`. */
export function qualify(root: string, id: string): string {
  return `${root}${ROOT_SEPARATOR}${id}`;
}

interface SplitId {
  /** The served root the ID names, or null for an unqualified ID. */
  root: string | null;
  /** The ID inside its root. */
  local: string;
}

/** Splits `payments:auth#x` at its root, when the part before the first `:` is one of `roots`. */
export function splitRoot(id: string, roots: ReadonlySet<string>): SplitId {
  const at = id.indexOf(ROOT_SEPARATOR);
  if (at <= 0 || roots.size === 0) return { root: null, local: id };
  const root = id.slice(0, at);
  return roots.has(root) ? { root, local: id.slice(at + 1) } : { root: null, local: id };
}
