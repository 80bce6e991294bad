// Suite 7 (issue 16): retrieval quality and tokens-to-answer for ../shared/retrieval/questions.json through the real
// server, per corpus, and the size of read_root's first page on every layout the issue names.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { corporaRoot, log, repoRoot, specsExample, startStdioServer, tempDir } from '../lib/env.mjs';
import { cpuTimeMs } from '../lib/proc.mjs';
import { round } from '../lib/stats.mjs';

const questionsFile = path.resolve(repoRoot, '../shared/retrieval/questions.json');

/**
 * The one call an agent makes for a question: three ranked hits, the text of the best ones inline within 350
 * tokens. The same arguments for every corpus and question; README's "What an agent sees" shows one answer.
 */
const AGENT_SEARCH = { limit: 3, answer_tokens: 350 };

const textOf = (result) =>
  result.content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
const tokensOf = (result) => countTokens(textOf(result));

/** Folders served alone for the root-page figures: specs-example, the corpora root and each of its subfolders. */
function rootLayouts() {
  const out = [{ name: 'specs-example', dir: specsExample }];
  if (!existsSync(corporaRoot)) return out;
  out.push({ name: 'corpora', dir: corporaRoot });
  for (const e of readdirSync(corporaRoot).sort()) {
    const dir = path.join(corporaRoot, e);
    if (statSync(dir).isDirectory()) out.push({ name: e, dir });
  }
  return out;
}

/** The half a question falls in, by its order within its corpus: search was tuned on A, B is held out. */
function halves(questions) {
  const seen = new Map();
  return questions.map((q) => {
    const i = seen.get(q.corpus) ?? 0;
    seen.set(q.corpus, i + 1);
    return { ...q, half: i % 2 === 0 ? 'A' : 'B' };
  });
}

async function withServer(dir, fn, onServer = (s, f) => f(s.client)) {
  const tmp = tempDir('retrieval');
  const server = await startStdioServer([
    'dist/bundle/main.js',
    'serve',
    '--specs',
    dir,
    '--ledger',
    tmp.at('ledger.db'),
    '--no-watch',
  ]);
  try {
    return await onServer(server, fn);
  } finally {
    await server.stop();
    tmp.remove();
  }
}

/**
 * read_root's first page at the default budget: its tokens, the standing share (root document and `always` text,
 * which lint budgets), what is left for the catalog, and whether the page accounts for every spec.
 */
async function rootPage(client) {
  const page = await client.callTool('read_root', {});
  const s = page.structuredContent;
  const standing =
    countTokens(s.root.text) + (s.always ?? []).reduce((n, a) => n + (a.text ? countTokens(a.text) : 0), 0);
  const tokens = tokensOf(page);
  const listed = s.specs.length + (s.folders ?? []).reduce((n, f) => n + f.specs, 0);
  return {
    tokens,
    standing_tokens: standing,
    catalog_tokens: tokens - standing,
    total_specs: s.total_specs,
    covered_specs: listed,
    next_cursor: s.next_cursor !== undefined,
  };
}

/** Where the answer stands in the hits (1-based), or 0 when it is not among them. */
function rankOf(hits, answers) {
  const i = hits.findIndex((h) => answers.includes(h.ref));
  return i + 1;
}

async function askAll(client, dir, questions) {
  const fileTokens = new Map();
  const wholeFile = async (ref) => {
    const spec = ref.slice(0, ref.indexOf('#'));
    if (!fileTokens.has(spec)) {
      const outline = (await client.callTool('get_outline', { spec, depth: 1 })).structuredContent;
      fileTokens.set(spec, countTokens(readFileSync(path.join(dir, outline.spec.path), 'utf8')));
    }
    return fileTokens.get(spec);
  };
  const rows = [];
  for (const q of questions) {
    const started = performance.now();
    const search = await client.callTool('search_specs', { query: q.question, ...AGENT_SEARCH });
    const ms = performance.now() - started;
    const hits = search.structuredContent.hits;
    const rank = rankOf(hits, q.answers);
    const baseline = await wholeFile(q.answers[0]);
    const floor = await answerAlone(client, q.answers[0]);
    let spent = tokensOf(search);
    let follow = 'none';
    if (rank === 0) {
      // Not found: the agent falls back to reading the file that holds the answer.
      spent += baseline;
      follow = 'whole file';
    } else if (hits[rank - 1].text === undefined) {
      spent += tokensOf(await client.callTool('get_clause', { ref: hits[rank - 1].ref }));
      follow = 'get_clause';
    }
    rows.push({
      half: q.half,
      question: q.question,
      answers: q.answers,
      kind: q.kind,
      top: hits.map((h) => h.ref),
      rank,
      tokens: spent,
      follow,
      whole_file_tokens: baseline,
      answer_alone_tokens: floor,
      search_ms: round(ms, 1),
    });
  }
  return rows;
}

/**
 * The tokens of the answer clause's own text, nothing else: what an agent spends at the least, by any server, to
 * have the answer in front of it (no question, no other hit, no ref or status line). Where this is over 10% of the
 * whole file, the token target cannot be met by search, only by serving less than the clause.
 */
async function answerAlone(client, ref) {
  const clause = (await client.callTool('get_clause', { ref, allow_deprecated: true })).structuredContent;
  return countTokens(clause.text);
}

function scores(rows) {
  const n = rows.length;
  const spent = rows.reduce((s, r) => s + r.tokens, 0) / n;
  const whole = rows.reduce((s, r) => s + r.whole_file_tokens, 0) / n;
  return {
    questions: n,
    hit_at_1: round(rows.filter((r) => r.rank === 1).length / n, 3),
    hit_at_3: round(rows.filter((r) => r.rank >= 1 && r.rank <= 3).length / n, 3),
    mrr: round(rows.reduce((s, r) => s + (r.rank > 0 ? 1 / r.rank : 0), 0) / n, 3),
    mean_tokens: round(spent),
    mean_whole_file_tokens: round(whole),
    // Mean tokens per question against the mean whole-file tokens per question (the measure) …
    token_ratio: round(spent / whole, 4),
    // … and the mean of each question's own ratio, which small files weigh as much as large ones.
    mean_question_ratio: round(rows.reduce((s, r) => s + r.tokens / r.whole_file_tokens, 0) / n, 4),
    one_call_answers: rows.filter((r) => r.rank > 0 && r.follow === 'none').length,
    // The same two ratios for the answer clause's text alone (answerAlone): the floor under the token target.
    floor_ratio: round(rows.reduce((s, r) => s + r.answer_alone_tokens, 0) / n / whole, 4),
    floor_question_ratio: round(
      rows.reduce((s, r) => s + r.answer_alone_tokens / r.whole_file_tokens, 0) / n,
      4,
    ),
  };
}

/**
 * What search costs the server on the corpora root (every corpus at once, ~10k clauses), in CPU time from /proc:
 * building the index (from ready to the first answer, as the background warm-up and that search share it) against
 * loading the corpus (spawn to ready), and a question against a get_outline call (the protocol and ledger cost every
 * call pays), all in the same run. CPU ticks are 10 ms, so per-call figures are totals over every call.
 */
async function searchCost(server, questions) {
  const pid = server.child.pid;
  const atReady = cpuTimeMs(pid);
  if (atReady === null) return { skipped: 'no /proc: CPU time not measured' };
  const first = await server.client.callTool('search_specs', { query: questions[0].question, limit: 3 });
  const atIndexed = cpuTimeMs(pid);
  let n = 0;
  const rounds = 3;
  for (let r = 0; r < rounds; r++)
    for (const q of questions) {
      await server.client.callTool('search_specs', { query: q.question, ...AGENT_SEARCH });
      n++;
    }
  const afterSearch = cpuTimeMs(pid);
  const spec = first.structuredContent.hits[0]?.ref.split('#')[0];
  for (let i = 0; i < n; i++) await server.client.callTool('get_outline', { spec, depth: 1 });
  const afterOutline = cpuTimeMs(pid);
  const root = (await server.client.callTool('read_root', {})).structuredContent;
  const search = (afterSearch - atIndexed) / n;
  const outline = (afterOutline - afterSearch) / n;
  return {
    specs: root.total_specs,
    load_cpu_ms: atReady,
    index_build_cpu_ms: atIndexed - atReady,
    search_cpu_ms: round(search, 1),
    get_outline_cpu_ms: round(outline, 1),
    search_to_outline: round(search / Math.max(outline, 0.1), 1),
    calls: n,
  };
}

export async function runRetrieval() {
  if (!existsSync(questionsFile) || !existsSync(corporaRoot)) {
    return {
      skipped: `../shared/retrieval/questions.json or ../shared/corpora is missing; nothing measured`,
    };
  }
  const questions = halves(JSON.parse(readFileSync(questionsFile, 'utf8')));
  const corpora = [...new Set(questions.map((q) => q.corpus))];
  const perCorpus = {};
  const allRows = [];
  for (const name of corpora) {
    const dir = name === 'specs-example' ? specsExample : path.join(corporaRoot, name);
    const rows = await withServer(dir, (client) =>
      askAll(
        client,
        dir,
        questions.filter((q) => q.corpus === name),
      ),
    );
    perCorpus[name] = { ...scores(rows), rows };
    allRows.push(...rows);
    log(
      `retrieval ${name}: hit@1 ${perCorpus[name].hit_at_1}, hit@3 ${perCorpus[name].hit_at_3}, tokens ${perCorpus[name].token_ratio} of whole files`,
    );
  }
  const search_cost = await withServer(corporaRoot, questions, searchCost);
  log(
    `search cost on the corpora root (${search_cost.specs} specs): index build ${search_cost.index_build_cpu_ms} ms CPU, ${search_cost.search_cpu_ms} ms CPU per question`,
  );
  const roots = {};
  for (const layout of rootLayouts()) {
    roots[layout.name] = await withServer(layout.dir, rootPage);
    log(`read_root ${layout.name}: ${roots[layout.name].catalog_tokens} catalog tokens`);
  }
  return {
    what: `search_specs ${JSON.stringify(AGENT_SEARCH)} once per question of ../shared/retrieval/questions.json, each corpus served alone; tokens are o200k of the text content of that call plus get_clause of the answer when its text was not inline (plus the whole file when the answer was not among the hits), against the whole file holding answers[0]; the floor is the answer clause's own text alone (get_clause text, no other hit, no ref line) against the same file; read_root is the first page at the default budget`,
    agent_search: AGENT_SEARCH,
    overall: scores(allRows),
    halves: {
      A: scores(allRows.filter((r) => r.half === 'A')),
      B: scores(allRows.filter((r) => r.half === 'B')),
    },
    search_cost,
    corpora: perCorpus,
    roots,
  };
}
