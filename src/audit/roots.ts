// Audit's and multi-root lint's ROOT arguments: the root list `serve` uses (src/roots/root-list.ts), checked before anything is read.
import { SpecLedgerError } from '../errors.js';
import { resolveRootList } from '../roots/root-list.js';

export interface NamedRoot {
  /** What reports call the root: given as `name=`, else derived from its path as `serve` derives it. */
  name: string;
  /** The real, absolute folder. */
  path: string;
}

/**
 * Every bad root is an error before anything is read, by the same rules `serve --specs` applies: a name given twice,
 * one root inside another (its specs would be counted twice), a file, a link leading outside the folder it was named
 * in. A root that cannot be found is an error too: a command's argument, unlike a served repository that may come
 * back, names what the user wants read now. A root that exists but cannot be audited fails alone (runAudit).
 */
export function parseRootArgs(args: readonly string[], cwd = process.cwd()): NamedRoot[] {
  if (args.length === 0)
    throw new SpecLedgerError('INVALID_ARGUMENT', 'name at least one root, e.g. payments=../payments-api');
  const list = resolveRootList({ specs: args, cwd, fallback: 'specs' });
  const failed = list.failed[0];
  if (failed) throw new SpecLedgerError('INVALID_ARGUMENT', `${failed.from}: ${failed.reason}`);
  return list.roots.map((r) => ({ name: r.name, path: r.real }));
}
