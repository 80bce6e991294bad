// The roots a command works on: `--specs [name=]path` (repeatable), a config file or discovery, validated once.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { SpecLedgerError } from '../errors.js';
import { rootNameProblem } from '../parse/root-refs.js';
import { isInside } from '../source/safe-path.js';
import { discoverRoots } from './discover.js';
import { findRootsConfig, loadRootsConfig } from './root-config.js';

/** One root as named, before it is checked. */
export interface NamedRoot {
  name: string;
  /** Absolute, as named (symlinks not resolved). */
  path: string;
  /** Where it was named, for errors: `--specs`, `specledger.config.json:4`, `--discover`. */
  from: string;
  /** Whether the user chose the name (`name=path`, a config entry) rather than it being derived from the path. */
  named: boolean;
}

export interface SpecRoot extends NamedRoot {
  /** The real, absolute folder. */
  real: string;
}

export interface FailedRoot extends NamedRoot {
  reason: string;
}

export interface RootList {
  /** The roots that can be served, in the order named. */
  roots: SpecRoot[];
  /** Roots that exist as named but cannot be read now: each fails alone, the others are served. */
  failed: FailedRoot[];
  /**
   * Whether refs carry root names: when more than one root was named (failed ones included, so a ref never
   * changes because a sibling repository is missing today). A single root is served exactly as before.
   */
  federated: boolean;
  /** What decided the list, for the banner: `--specs`, the config file, discovery or the default. */
  source: string;
}

export interface RootListInput {
  /** `--specs` values in order: `path` or `name=path`. Empty when not given. */
  specs: readonly string[];
  /** `--config FILE`. */
  config?: string;
  /** `--discover [DIR]`: true for the working directory. */
  discover?: string | boolean;
  cwd: string;
  /** Used when nothing else names a root (SPECLEDGER_SPECS, else `specs`). */
  fallback: string;
}

/** The names of `roots`, which discovery must not give again. */
const names = (roots: readonly NamedRoot[]): string[] => roots.map((r) => r.name);

/**
 * Precedence, first that applies: `--specs`, `--config FILE`, `--discover` alone, `specledger.config.{json,yaml,yml}`
 * in the working directory, then the fallback (SPECLEDGER_SPECS, else `./specs`); `--discover` adds its roots to
 * `--specs` or `--config`. Every rule is checked before anything is served; a root that cannot be read is the one
 * failure that does not stop start-up while another root can be served.
 */
export function resolveRootList(input: RootListInput): RootList {
  const named: NamedRoot[] = [];
  let source: string;
  const discoverDir =
    input.discover === undefined || input.discover === false
      ? null
      : path.resolve(input.cwd, input.discover === true ? '.' : input.discover);
  if (input.specs.length > 0) {
    named.push(...input.specs.map((value) => parseSpecsValue(value, input.cwd)));
    source = '--specs';
  } else {
    const file = input.config
      ? path.resolve(input.cwd, input.config)
      : discoverDir
        ? null
        : findRootsConfig(input.cwd);
    if (file) {
      const label = path.relative(input.cwd, file) || file;
      const loaded = loadRootsConfig(file, label);
      const base = path.dirname(loaded.file);
      (loaded.config.roots ?? []).forEach((r, i) => {
        named.push({
          name: r.name,
          path: path.resolve(base, r.path),
          from: `${label}:${loaded.lineOf(i)}`,
          named: true,
        });
      });
      if (loaded.config.discover)
        named.push(...discoverRoots(path.resolve(base, loaded.config.discover), names(named)));
      source = label;
    } else if (discoverDir) {
      source = '--discover';
    } else {
      named.push({
        name: nameFromPath(input.fallback),
        path: path.resolve(input.cwd, input.fallback),
        from: 'the default',
        named: false,
      });
      source = 'the default';
    }
  }
  if (discoverDir) {
    const found = discoverRoots(discoverDir, names(named));
    if (found.length === 0 && named.length === 0) {
      throw new SpecLedgerError(
        'CONFIG',
        `--discover found no spec root under ${discoverDir} (looked for .kiro/, openspec/, specs/ and AGENTS.md folders)`,
      );
    }
    named.push(...found);
  }
  return checkRoots(named, source);
}

/** `payments=../payments-api/specs` or a plain path. A part before `=` with no `/` or `\` is a name. */
export function parseSpecsValue(value: string, cwd: string): NamedRoot {
  const bare = /^([^=/\\]+)=$/.exec(value);
  if (bare)
    throw new SpecLedgerError(
      'CONFIG',
      `--specs ${value} names no folder; e.g. --specs ${bare[1]}=../payments-api/specs`,
    );
  const m = /^([^=/\\]+)=(.+)$/.exec(value);
  if (!m)
    return {
      name: nameFromPath(value),
      path: path.resolve(cwd, value),
      from: `--specs ${value}`,
      named: false,
    };
  const name = m[1]!.trim();
  const problem = rootNameProblem(name);
  if (problem)
    throw new SpecLedgerError('CONFIG', `--specs ${value}: "${name}" is not a usable root name: ${problem}`);
  return { name, path: path.resolve(cwd, m[2]!), from: `--specs ${value}`, named: true };
}

/** A root's name from its path: `../payments-api/specs` → `payments-api`, `packages/web/.kiro` → `web-kiro`. */
export function nameFromPath(p: string): string {
  const parts = path
    .resolve(p)
    .split(path.sep)
    .filter((s) => s !== '');
  const last = parts.at(-1) ?? 'root';
  // A folder named for its role says less than the one holding it.
  const generic = /^\.?(specs?|docs|openspec|kiro)$/i.test(last) && parts.length > 1;
  const words = generic ? [parts.at(-2)!, last.replace(/^\./, '')] : [last];
  const name = words
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63);
  return name === '' ? 'root' : name;
}

function checkRoots(named: NamedRoot[], source: string): RootList {
  const federated = named.length > 1;
  const names = new Map<string, NamedRoot>();
  for (const r of named) {
    const problem = rootNameProblem(r.name);
    if (problem)
      throw new SpecLedgerError('CONFIG', `${r.from}: "${r.name}" is not a usable root name: ${problem}`);
    const key = r.name.toLowerCase();
    const twin = names.get(key);
    if (twin) {
      throw new SpecLedgerError(
        'CONFIG',
        `${r.from}: the root name "${r.name}" is also used by ${twin.from}; refs name roots, so each needs its own name (e.g. --specs ${r.name}-2=${r.path})`,
      );
    }
    names.set(key, r);
  }
  const roots: SpecRoot[] = [];
  const failed: FailedRoot[] = [];
  for (const r of named) {
    const checked = checkOne(r, federated);
    if ('reason' in checked) failed.push(checked);
    else roots.push(checked);
  }
  for (const a of roots) {
    for (const b of roots) {
      if (a === b) continue;
      if (a.real === b.real) {
        if (roots.indexOf(a) < roots.indexOf(b))
          throw new SpecLedgerError(
            'CONFIG',
            `${b.from}: root "${b.name}" is the same folder as root "${a.name}" (${a.real}); serve it once`,
          );
      } else if (isInside(a.real, b.real)) {
        throw new SpecLedgerError(
          'CONFIG',
          `${b.from}: root "${b.name}" (${b.real}) is inside root "${a.name}" (${a.real}); its specs would be served twice. Name only the outer root, or move one of them`,
        );
      }
    }
  }
  if (roots.length === 0) {
    const why = failed.map((f) => `${f.from}: ${f.reason}`).join('; ');
    throw new SpecLedgerError('CONFIG', `no spec root can be served: ${why}`);
  }
  return { roots, failed, federated, source };
}

/** The checks of one root: it is a folder, a link stays where it was named, and it can be listed. */
function checkOne(r: NamedRoot, federated: boolean): SpecRoot | FailedRoot {
  let real: string;
  try {
    real = realpathSync(r.path);
  } catch (error) {
    const reason = `spec root "${r.path}" does not exist (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`;
    // Served alone, a missing root is the whole server's problem, as it always was.
    if (!federated)
      throw new SpecLedgerError('CONFIG', `${reason}; pass --specs DIR (e.g. --specs specs-example)`, {
        cause: error,
      });
    return { ...r, reason };
  }
  if (!statSync(real).isDirectory()) {
    throw new SpecLedgerError(
      'CONFIG',
      `${r.from}: spec root "${r.path}" is a file, not a folder; name the folder that holds the specs`,
    );
  }
  const holder = realOrSelf(path.dirname(r.path));
  // Served alone, a linked root is served as it always was; among several, a link must not reach elsewhere.
  if (federated && real !== path.join(holder, path.basename(r.path)) && !isInside(holder, real)) {
    throw new SpecLedgerError(
      'CONFIG',
      `${r.from}: spec root "${r.path}" is a symbolic link to ${real}, outside the folder it was named in (${holder}); name the real folder instead`,
    );
  }
  try {
    readdirSync(real);
  } catch (error) {
    const reason = `spec root "${r.path}" cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`;
    if (!federated) throw new SpecLedgerError('CONFIG', reason, { cause: error });
    return { ...r, reason };
  }
  return { ...r, real };
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
