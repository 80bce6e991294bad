// Suite 6: tokens an agent reads to reach a named clause (read_root → get_outline → get_clause) against reading
// the whole file with server-filesystem read_text_file, for 20 clauses of the OpenAI Model Spec and of Spec Kit.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { corporaRoot, filesystemServer, log, startStdioServer, tempDir } from '../lib/env.mjs';
import { median, round } from '../lib/stats.mjs';

const CLAUSES = 20;
const MODEL_SPEC = 'openai-model_spec/model_spec.md';
const SPEC_KIT = 'github-spec-kit/real-specs-from-history';

const textOf = (result) =>
  result.content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
const tokensOf = (result) => countTokens(textOf(result));

/** Every spec.md under the Spec Kit history folder, sorted (root-relative paths). */
function specKitFiles() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name === 'spec.md') out.push(path.relative(corporaRoot, abs).split(path.sep).join('/'));
    }
  };
  walk(path.join(corporaRoot, SPEC_KIT));
  return out;
}

/**
 * What an agent reads to reach `ref`: the root (level 0, one page at the default budget, as DESIGN.md has
 * agents start), the spec's outline at the default depth, then the clause.
 */
async function agentPath(client, specId, ref) {
  const root = await client.callTool('read_root', {});
  const outline = await client.callTool('get_outline', { spec: specId });
  const clause = await client.callTool('get_clause', { ref });
  const rootTokens = tokensOf(root);
  const outlineTokens = tokensOf(outline);
  const clauseTokens = tokensOf(clause);
  return {
    root_tokens: rootTokens,
    outline_tokens: outlineTokens,
    clause_tokens: clauseTokens,
    total: rootTokens + outlineTokens + clauseTokens,
  };
}

export async function runContextEconomy() {
  if (!existsSync(path.join(corporaRoot, MODEL_SPEC)) || !existsSync(path.join(corporaRoot, SPEC_KIT))) {
    return { skipped: `the real corpora are missing (${corporaRoot}); nothing measured` };
  }
  const tmp = tempDir('context');
  const specledger = await startStdioServer([
    'dist/bundle/main.js',
    'serve',
    '--specs',
    corporaRoot,
    '--ledger',
    tmp.at('ledger.db'),
    '--no-watch',
  ]);
  const filesystem = await startStdioServer([filesystemServer, corporaRoot]);
  try {
    const sl = specledger.client;
    const fileTokens = new Map();
    const wholeFile = async (rel) => {
      if (!fileTokens.has(rel)) {
        const result = await filesystem.client.callTool('read_text_file', {
          path: path.join(corporaRoot, rel),
        });
        fileTokens.set(rel, tokensOf(result));
      }
      return fileTokens.get(rel);
    };
    const outlineOf = async (specId, depth) =>
      (await sl.callTool('get_outline', { spec: specId, ...(depth ? { depth } : {}) })).structuredContent;
    const specIdOf = (rel) => rel.replace(/\.md$/i, '');

    // The Model Spec: 20 clauses spread evenly over what its default outline lists.
    const modelSpecId = specIdOf(MODEL_SPEC);
    const modelOutline = (await outlineOf(modelSpecId)).clauses;
    const modelTargets = Array.from(
      { length: CLAUSES },
      (_, i) => modelOutline[Math.floor(((i + 0.5) * modelOutline.length) / CLAUSES)],
    ).map((c) => ({ file: MODEL_SPEC, spec: modelSpecId, ref: c.ref }));

    // Spec Kit: one named requirement (FR-…) per filled spec.md, else its first section; 20 in all. Requirements
    // are list items below the default outline depth, so they are picked from the full outline.
    const kitTargets = [];
    const files = specKitFiles();
    for (let round_ = 0; kitTargets.length < CLAUSES && round_ < 3; round_++) {
      for (const rel of files) {
        if (kitTargets.length >= CLAUSES) break;
        const spec = specIdOf(rel);
        const clauses = (await outlineOf(spec, 9)).clauses;
        const frs = clauses.filter((c) => /^FR-/.test(c.id));
        const pick =
          frs[round_] ?? (round_ === 0 ? (clauses.find((c) => c.depth === 2) ?? clauses[0]) : undefined);
        if (pick && !kitTargets.some((t) => t.ref === pick.ref))
          kitTargets.push({ file: rel, spec, ref: pick.ref });
      }
    }

    const measure = async (targets) => {
      const rows = [];
      for (const t of targets) {
        const agent = await agentPath(sl, t.spec, t.ref);
        const file = await wholeFile(t.file);
        rows.push({ ...t, ...agent, whole_file_tokens: file, ratio: round(agent.total / file, 4) });
      }
      const amortizedRoot = rows.length > 0 ? rows[0].root_tokens / rows.length : 0;
      const clausesPerSpec = new Map();
      for (const r of rows) clausesPerSpec.set(r.spec, (clausesPerSpec.get(r.spec) ?? 0) + 1);
      return {
        clauses: rows.length,
        median_ratio: round(median(rows.map((r) => r.ratio)), 4),
        median_agent_tokens: median(rows.map((r) => r.total)),
        median_whole_file_tokens: median(rows.map((r) => r.whole_file_tokens)),
        // A session reads the root once and then reaches many clauses: the same paths with the root shared by 20.
        median_ratio_root_read_once: round(
          median(rows.map((r) => (amortizedRoot + r.outline_tokens + r.clause_tokens) / r.whole_file_tokens)),
          4,
        ),
        // One agent session reaching all 20: the root read once, each spec's outline once, every clause.
        median_ratio_session: round(
          median(
            rows.map(
              (r) =>
                (amortizedRoot + r.outline_tokens / clausesPerSpec.get(r.spec) + r.clause_tokens) /
                r.whole_file_tokens,
            ),
          ),
          4,
        ),
        // An agent handed the ref (a task citing SPEC#CLAUSE) needs only get_clause.
        median_ratio_clause_only: round(median(rows.map((r) => r.clause_tokens / r.whole_file_tokens)), 4),
        rows,
      };
    };
    const result = {
      what: 'o200k tokens of the text content an agent reads: read_root (first page, default budget) → get_outline (default depth) → get_clause, against server-filesystem read_text_file of the whole file; ../shared/corpora served as one spec root',
      model_spec: await measure(modelTargets),
      spec_kit: await measure(kitTargets),
    };
    log(
      `context economy: model_spec median ratio ${result.model_spec.median_ratio}, spec_kit ${result.spec_kit.median_ratio}`,
    );
    return result;
  } finally {
    await Promise.all([specledger.stop(), filesystem.stop()]);
    tmp.remove();
  }
}
