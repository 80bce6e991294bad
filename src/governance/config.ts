// Lint configuration as a pipeline: find the file → read → schema → normalize → `{ config, warnings }`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SpecLedgerError } from '../errors.js';
import { MAX_CONFIG_BYTES, readSmallFile } from '../source/read-file.js';
import { isInside, resolveInsideRoot } from '../source/safe-path.js';
import { LINT_RULES, PARSER_RULES, type RuleLevel } from './types.js';

/** Looked for, in this order, in the spec root and then in the working directory. */
const CONFIG_FILES = ['.specledger/lint.json', 'specledger.lint.json'] as const;

const level = z.enum(['off', 'info', 'warning', 'error']);
const positiveInt = z.number().int().positive();

const LintConfigSchema = z
  .object({
    $schema: z.string().optional(),
    rules: z.record(z.string(), level).optional(),
    budget: z
      .object({ lines: positiveInt, instructions: positiveInt, tokens: positiveInt })
      .partial()
      .strict()
      .optional(),
    nearDuplicate: z
      .object({
        similarity: z.number().gt(0).max(1),
        minWords: z.number().int().min(3),
        shingle: z.number().int().min(1).max(8),
      })
      .partial()
      .strict()
      .optional(),
    drift: z
      .object({ codeRoot: z.string().min(1) })
      .partial()
      .strict()
      .optional(),
  })
  .strict();

export interface LintConfig {
  /** Severity overrides by rule ID; a rule not listed keeps its default. */
  rules: Readonly<Record<string, RuleLevel>>;
  budget: { lines: number; instructions: number; tokens: number };
  nearDuplicate: { similarity: number; minWords: number; shingle: number };
  /** Absolute folder `applies_to` globs are relative to; null means the git repository's top level. */
  drift: { codeRoot: string | null };
  /** The file the settings came from; null when every setting is a default. */
  source: string | null;
}

/**
 * Defaults from practice: standing instructions beyond ~300 lines or ~150 directives are no longer
 * followed reliably, and 2500 tokens is what a root page plus rules can cost before it crowds out
 * the task. 0.85 Jaccard over 3-word shingles flags copy-edited forks but not clauses that merely
 * share boilerplate; below 25 words, short clauses ("MUST use TLS") collide by chance.
 */
export const DEFAULT_LINT_CONFIG: LintConfig = {
  rules: {},
  budget: { lines: 300, instructions: 150, tokens: 2500 },
  nearDuplicate: { similarity: 0.85, minWords: 25, shingle: 3 },
  drift: { codeRoot: null },
  source: null,
};

interface LoadedLintConfig {
  config: LintConfig;
  warnings: string[];
}

interface LoadLintConfigOptions {
  /** The real spec root. */
  root: string;
  cwd?: string;
  /** An explicit `--config` path; it must exist. */
  file?: string;
}

export function loadLintConfig(options: LoadLintConfigOptions): LoadedLintConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ? path.resolve(cwd, options.file) : findConfigFile([options.root, cwd]);
  if (!file) return { config: DEFAULT_LINT_CONFIG, warnings: [] };
  if (!existsSync(file)) throw new SpecLedgerError('CONFIG', `lint config ${file} does not exist`);
  let text: string;
  try {
    // A config found in a spec root is the root's content: it must not lead outside it (a link), nor block. The
    // check names the link; the open, which does not follow one, closes the race with a swap after the check.
    const inRoot = !options.file && isInside(options.root, file);
    if (inRoot) resolveInsideRoot(options.root, path.relative(options.root, file));
    text = readSmallFile(file, MAX_CONFIG_BYTES, inRoot ? { inside: options.root } : {});
  } catch (error) {
    throw new SpecLedgerError('CONFIG', `cannot read lint config ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SpecLedgerError(
      'CONFIG',
      `lint config ${file} is not valid JSON (${(error as Error).message}); e.g. {"rules": {"drift": "off"}, "budget": {"lines": 300}}`,
      { cause: error },
    );
  }
  return normalizeLintConfig(raw, { root: options.root, source: file });
}

/** Validates parsed JSON and fills in defaults; `root` anchors relative paths such as `drift.codeRoot`. */
export function normalizeLintConfig(
  raw: unknown,
  where: { root: string; source: string | null },
): LoadedLintConfig {
  const parsed = LintConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`)
      .join('; ');
    throw new SpecLedgerError(
      'CONFIG',
      `lint config ${where.source ?? '(inline)'}: ${issues}; e.g. {"rules": {"unstable-id": "error"}, "nearDuplicate": {"similarity": 0.9}}`,
    );
  }
  const input = parsed.data;
  const known = new Set<string>([...Object.keys(LINT_RULES), ...PARSER_RULES]);
  const warnings = Object.keys(input.rules ?? {})
    .filter((rule) => !known.has(rule))
    .map(
      (rule) =>
        `lint config ${where.source ?? '(inline)'}: unknown rule "${rule}" (known: ${[...known].join(', ')})`,
    );
  const d = DEFAULT_LINT_CONFIG;
  return {
    config: {
      rules: { ...(input.rules ?? {}) },
      budget: { ...d.budget, ...input.budget },
      nearDuplicate: { ...d.nearDuplicate, ...input.nearDuplicate },
      drift: { codeRoot: input.drift?.codeRoot ? path.resolve(where.root, input.drift.codeRoot) : null },
      source: where.source,
    },
    warnings,
  };
}

function findConfigFile(dirs: readonly string[]): string | null {
  for (const dir of dirs) {
    for (const name of CONFIG_FILES) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}
