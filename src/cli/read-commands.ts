// outline, show, search, paths: the server's reading tools for people at a terminal.
import type { Command } from 'commander';
import { ExitError } from '../errors.js';
import { openLedger } from '../ledger/open.js';
import { parseRef } from '../ledger/refs.js';
import { viewClause } from '../mcp/views/clause-view.js';
import { renderOutline, viewOutline } from '../mcp/views/outline-view.js';
import { statusLabel } from '../parse/labels.js';
import { type CommonOptions, defaultLedger, defaultSpecs, integerOption, resolveLedger } from './options.js';
import { printJson, printText, progressReporter } from './output.js';

/** The parser, the index and the tokenizer load here, when a reading command runs, not when any command starts. */
async function open(specs: string) {
  const [{ loadCorpus }, { createTokenCounter }] = await Promise.all([
    import('../corpus/corpus.js'),
    import('../parse/tokens.js'),
  ]);
  const tokens = createTokenCounter();
  return { snapshot: loadCorpus({ root: specs, tokens, onProgress: progressReporter() }).current(), tokens };
}

export function registerReadCommands(program: Command): void {
  program
    .command('outline')
    .description("print one spec's clause tree (refs, titles, token costs)")
    .argument('<spec>', 'spec ID, e.g. auth')
    .option('--specs <dir>', 'spec root', defaultSpecs())
    .option('--depth <n>', 'deepest level to list', integerOption(0, 100), 3)
    .option('--json', 'print JSON')
    .action(async (specId: string, opts: CommonOptions & { depth: number }) => {
      const { snapshot } = await open(opts.specs);
      const { spec } = snapshot.resolve(`${specId.split('#')[0]}#`);
      const view = viewOutline(spec, opts.depth);
      if (opts.json) printJson(view);
      else printText(renderOutline(view));
    });

  program
    .command('show')
    .description(
      'print a clause (SPEC#CLAUSE) as served now, or as recorded in the ledger (SPEC#CLAUSE@sha256:…)',
    )
    .argument('<ref>', 'SPEC#CLAUSE, a unique clause ID, or REF@DIGEST')
    .option('--specs <dir>', 'spec root', defaultSpecs())
    .option('--ledger <path>', 'ledger for REF@DIGEST', defaultLedger())
    .option('--depth <n>', 'levels of child sections to include', integerOption(0, 100), 100)
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: CommonOptions & { depth: number }) => {
      if (ref.includes('@')) {
        const parsed = parseRef(ref);
        const ledger = await openLedger(resolveLedger(opts.ledger), { readonly: true });
        try {
          const text = parsed.digest ? await ledger.servedText(parsed.digest) : null;
          if (text === null) throw new ExitError(`no text recorded for ${ref} in the ledger`);
          if (opts.json) printJson({ ref, digest: parsed.digest, text });
          else printText(text);
        } finally {
          await ledger.close();
        }
        return;
      }
      const { snapshot, tokens } = await open(opts.specs);
      const view = viewClause(
        snapshot,
        snapshot.resolve(ref),
        { depth: opts.depth, maxTokens: 1_000_000 },
        tokens,
      );
      if (opts.json) printJson(view);
      else
        printText(
          `${view.ref} — ${view.title} [${statusLabel(view.status, view.version)}, ${view.digest}]\n\n${view.text}`,
        );
    });

  program
    .command('search')
    .description('rank clauses for a query (BM25)')
    .argument('<query...>', 'words to look for')
    .option('--specs <dir>', 'spec root', defaultSpecs())
    .option('--spec <id>', 'only this spec')
    .option('--limit <n>', 'maximum hits', integerOption(1, 1000), 10)
    .option('--json', 'print JSON')
    .action(async (words: string[], opts: CommonOptions & { spec?: string; limit: number }) => {
      const { snapshot } = await open(opts.specs);
      const hits = await snapshot.search(words.join(' '), { spec: opts.spec, limit: opts.limit });
      if (opts.json) printJson({ hits });
      else
        printText(
          hits.map((h) => `${h.ref} — ${h.title} (${h.score})\n  ${h.snippet}`).join('\n') || 'no matches',
        );
    });

  program
    .command('paths')
    .description('the specs, clauses and AGENTS.md files that govern a code path')
    .argument('<path>', 'repository-relative path, e.g. src/refunds/api.ts')
    .option('--specs <dir>', 'spec root', defaultSpecs())
    .option('--json', 'print JSON')
    .action(async (codePath: string, opts: CommonOptions) => {
      const { snapshot } = await open(opts.specs);
      const match = snapshot.specsForPath(codePath);
      if (opts.json) printJson(match);
      else
        printText(
          [
            ...match.specs.map(
              (s) => `spec   ${s.id} [${statusLabel(s.status, s.version)}, ${s.tokens} tok] via ${s.matched}`,
            ),
            ...match.clauses.map((c) => `clause ${c.ref} (${c.tokens} tok)`),
            ...match.agents.map((a) => `agents ${a.path} (${a.tokens} tok)`),
          ].join('\n') || `nothing governs ${match.path}`,
        );
    });
}
