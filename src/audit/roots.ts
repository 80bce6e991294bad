// Turns `ROOT...` arguments (a path, or `name=path`) into named, real, non-overlapping folders.
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { SpecLedgerError } from '../errors.js';

export interface NamedRoot {
  /** What reports call the root: given as `name=`, else the folder's name, made unique with `-2`, `-3`. */
  name: string;
  /** The real, absolute folder. */
  path: string;
}

const NAME_RE = /^[A-Za-z0-9][\w.-]*$/;

/**
 * The one place audit and multi-root lint read root arguments; the federation branch's root list is meant to
 * replace it. Every bad root is an error before anything is read: a missing folder, a file, a name given
 * twice, one root inside another (its specs would be counted twice).
 */
export function parseRootArgs(args: readonly string[], cwd = process.cwd()): NamedRoot[] {
  if (args.length === 0)
    throw new SpecLedgerError('INVALID_ARGUMENT', 'name at least one root, e.g. payments=../payments-api');
  const roots: NamedRoot[] = [];
  const explicit = new Set<string>();
  const parsed = args.map((arg) => {
    const eq = arg.indexOf('=');
    // `a=b` names a root only when the left side is a name; `./odd=dir` is a path.
    const named = eq > 0 && NAME_RE.test(arg.slice(0, eq));
    const name = named ? arg.slice(0, eq) : null;
    const dir = named ? arg.slice(eq + 1) : arg;
    if (dir === '')
      throw new SpecLedgerError(
        'INVALID_ARGUMENT',
        `root "${arg}" names no folder; e.g. ${name ?? 'payments'}=../payments-api`,
      );
    if (name !== null) {
      if (explicit.has(name))
        throw new SpecLedgerError('INVALID_ARGUMENT', `root name "${name}" is given twice`);
      explicit.add(name);
    }
    return { arg, name, dir: realFolder(path.resolve(cwd, dir), arg) };
  });
  const taken = new Set(explicit);
  for (const p of parsed) {
    let name = p.name;
    if (name === null) {
      const base = path.basename(p.dir) || 'root';
      name = base;
      for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
      taken.add(name);
    }
    roots.push({ name, path: p.dir });
  }
  for (const a of roots) {
    for (const b of roots) {
      if (a === b) continue;
      if (a.path === b.path)
        throw new SpecLedgerError(
          'INVALID_ARGUMENT',
          `roots ${a.name} and ${b.name} are the same folder (${a.path})`,
        );
      const rel = path.relative(a.path, b.path);
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
        throw new SpecLedgerError(
          'INVALID_ARGUMENT',
          `root ${b.name} (${b.path}) is inside root ${a.name} (${a.path}); name each folder once`,
        );
      }
    }
  }
  return roots;
}

function realFolder(abs: string, arg: string): string {
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (error) {
    throw new SpecLedgerError('INVALID_ARGUMENT', `root "${arg}" does not exist (${abs})`, { cause: error });
  }
  if (!statSync(real).isDirectory())
    throw new SpecLedgerError('INVALID_ARGUMENT', `root "${arg}" is a file, not a folder`);
  return real;
}
