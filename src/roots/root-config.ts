// specledger.config.{json,yaml,yml}: the roots one server serves, as a file; one schema for the CLI and the server.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { SpecLedgerError } from '../errors.js';
import { MAX_CONFIG_BYTES, readSmallFile } from '../source/read-file.js';
import { ROOT_CONFIG_FILES } from './config-files.js';

const RootEntrySchema = z
  .object({
    /** The root's name in refs (`payments:auth#token-lifetime`); see root-refs.ts for what a name may hold. */
    name: z.string().min(1),
    /** The spec folder, relative to the config file's folder. */
    path: z.string().min(1),
  })
  .strict();

const RootsConfigSchema = z
  .object({
    $schema: z.string().optional(),
    roots: z.array(RootEntrySchema).min(1).optional(),
    /** A folder (relative to the config file) whose nested spec roots are found as `--discover` finds them. */
    discover: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => c.roots !== undefined || c.discover !== undefined, {
    message:
      'name at least one root ("roots": [{"name": "payments", "path": "../payments-api/specs"}]) or "discover"',
  });

type RootsConfig = z.output<typeof RootsConfigSchema>;

interface LoadedRootsConfig {
  config: RootsConfig;
  /** The config file, absolute. */
  file: string;
  /** Where `roots[i]` is written, for errors that point at it. */
  lineOf(index: number): number;
}

/** The config file in `cwd`, if there is one. */
export function findRootsConfig(cwd: string): string | null {
  for (const name of ROOT_CONFIG_FILES) {
    const file = path.join(cwd, name);
    if (existsSync(file)) return file;
  }
  return null;
}

const EXAMPLE = '{"roots": [{"name": "payments", "path": "../payments-api/specs"}]}';

/**
 * Reads and validates a config file. JSON is read by the YAML parser too (JSON is YAML 1.2), so both report
 * `file:line` for a bad value.
 */
export function loadRootsConfig(file: string, label = file): LoadedRootsConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readSmallFile(absolute, MAX_CONFIG_BYTES);
  } catch (error) {
    throw new SpecLedgerError('CONFIG', `cannot read ${label}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineAt = (node: Node | null | undefined): number =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? 1;
    throw new SpecLedgerError(
      'CONFIG',
      `${label}:${line}: not valid ${kindOf(file)}: ${syntax.message.split('\n')[0]}`,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // An alias bomb: yaml stops it, and the message should say where.
    throw new SpecLedgerError('CONFIG', `${label}: not usable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = RootsConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    const node = nodeAt(doc.contents as Node | null, keys);
    const where = keys.length > 0 ? ` at ${keys.join('.')}` : '';
    throw new SpecLedgerError(
      'CONFIG',
      `${label}:${lineAt(node)}: ${issue.message}${where}; e.g. ${EXAMPLE}`,
    );
  }
  const rootsNode = nodeAt(doc.contents as Node | null, ['roots']);
  return {
    config: parsed.data,
    file: absolute,
    lineOf: (index) => lineAt(nodeAt(rootsNode, [index]) ?? rootsNode),
  };
}

/** The deepest node along `keys` that exists, so an error points at the value or at least its parent. */
function nodeAt(start: Node | null, keys: ReadonlyArray<string | number>): Node | null {
  let node = start;
  for (const key of keys) {
    let next: Node | null = null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      next = (pair?.value as Node | null | undefined) ?? (pair?.key as Node | null | undefined) ?? null;
    } else if (isSeq(node) && typeof key === 'number') {
      next = (node.items[key] as Node | undefined) ?? null;
    }
    if (!next) return node;
    node = next;
  }
  return node;
}

function kindOf(file: string): string {
  return file.endsWith('.json') ? 'JSON' : 'YAML';
}
