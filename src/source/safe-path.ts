// Path safety: nothing outside the spec root is ever read, whether by `..`, absolute paths, NUL bytes or symlinks.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { SpecLedgerError } from '../errors.js';

/** True when `child` is `parent` or lies beneath it (both absolute, normalized). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolves a root-relative path the way the filesystem server does: resolve → normalize → reject NUL →
 * check containment → realpath → check again. Returns the real absolute path.
 */
export function resolveInsideRoot(realRoot: string, relative: string): string {
  if (relative.includes('\0')) {
    throw new SpecLedgerError('PATH_OUTSIDE_ROOT', `path ${JSON.stringify(relative)} contains a NUL byte`);
  }
  const resolved = path.resolve(realRoot, path.normalize(relative));
  if (!isInside(realRoot, resolved)) {
    throw new SpecLedgerError('PATH_OUTSIDE_ROOT', `path "${relative}" leads outside the spec root`);
  }
  let real: string;
  try {
    real = realpathSync(resolved);
  } catch (error) {
    throw new SpecLedgerError('NOT_FOUND', `path "${relative}" does not exist under the spec root`, {
      cause: error,
    });
  }
  if (!isInside(realRoot, real)) {
    throw new SpecLedgerError(
      'PATH_OUTSIDE_ROOT',
      `path "${relative}" is a link that leads outside the spec root`,
    );
  }
  return real;
}

/** POSIX-style path relative to the root, as used in spec IDs and problem reports. */
export function toRelative(realRoot: string, absolute: string): string {
  return path.relative(realRoot, absolute).split(path.sep).join('/');
}
