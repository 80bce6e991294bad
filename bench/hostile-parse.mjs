#!/usr/bin/env node
// Hostile spec files (issue 13, items 3 and 4): parse + first read of each, against a benign file of the same size.
//
// Usage: node bench/hostile-parse.mjs [--dist DIR] [--before DIR] [--only case,case] [--timeout SECONDS]
//   --dist    the build to measure (default: dist/)
//   --before  an older build to compare with (e.g. a copy of dist/ made before a change); prints before/after
//
// Each case runs in a fresh child process (a bomb that takes gigabytes must not skew the next case) with a
// timeout. "parse" is parseSpec; "read" is what the first get_clause of the file adds (the spec's token counts,
// computed on first use). "excess" is hostile − benign: the wait a hostile file adds beyond a file of its size
// (the bar of issue 13 is 100 ms). Not a test: machines differ, so nothing here asserts a time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { prng } from './gen-corpus.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function letters(n, seed = 1) {
  const rnd = prng(seed);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + Math.floor(rnd() * 26));
  return s;
}

function cjk(n, seed = 2, stopEvery = 0) {
  const rnd = prng(seed);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += String.fromCharCode(0x4e00 + Math.floor(rnd() * 2000));
    if (stopEvery > 0 && i % stopEvery === stopEvery - 1) s += '。';
  }
  return s;
}

/** Prose of about n characters: words of 2–9 letters and spaces. */
function prose(n, seed = 3) {
  const rnd = prng(seed);
  let s = '';
  while (s.length < n) s += `${letters(2 + Math.floor(rnd() * 8), Math.floor(rnd() * 1e9))} `;
  return s.slice(0, n);
}

const BOMB_ANCHORS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
/** The billion-laughs shape: nine anchors, each a list of nine aliases of the one before (9^9 leaves). */
function aliasBomb() {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < BOMB_ANCHORS.length; i++) {
    const prev = `*${BOMB_ANCHORS[i - 1]}`;
    lines.push(`${BOMB_ANCHORS[i]}: &${BOMB_ANCHORS[i]} [${Array(9).fill(prev).join(',')}]`);
  }
  return lines.join('\n');
}
/** Frontmatter of the same size with no aliases. */
function plainYaml(size) {
  const lines = [];
  let n = 0;
  while (lines.join('\n').length < size) lines.push(`k${n++}: ["lol","lol","lol","lol","lol","lol"]`);
  return lines.join('\n');
}
const body = '# Bomb\n\n## Part {#part}\n\nText.\n';

const CASES = {
  'alias-bomb title': () => ({
    path: 'bomb.md',
    hostile: `---\n${aliasBomb()}\ntitle: *i\n---\n${body}`,
    benign: `---\n${plainYaml(aliasBomb().length)}\ntitle: Bomb\n---\n${body}`,
  }),
  'alias-bomb tags': () => ({
    path: 'bomb.md',
    hostile: `---\n${aliasBomb()}\ntags: *i\n---\n${body}`,
    benign: `---\n${plainYaml(aliasBomb().length)}\ntags: [a]\n---\n${body}`,
  }),
  'alias-bomb kiro fileMatchPattern': () => ({
    path: '.kiro/steering/bomb.md',
    hostile: `---\n${aliasBomb()}\ninclusion: fileMatch\nfileMatchPattern: *i\n---\n${body}`,
    benign: `---\n${plainYaml(aliasBomb().length)}\ninclusion: fileMatch\nfileMatchPattern: "src/**"\n---\n${body}`,
  }),
  'one 200k-char word': () => ({
    path: 'word.md',
    hostile: `# W\n\n## Word {#w}\n\n${letters(200_000)}\n`,
    benign: `# W\n\n## Word {#w}\n\n${prose(200_000)}\n`,
  }),
  'one 1M-char word': () => ({
    path: 'word.md',
    hostile: `# W\n\n## Word {#w}\n\n${letters(1_000_000)}\n`,
    benign: `# W\n\n## Word {#w}\n\n${prose(1_000_000)}\n`,
  }),
  '80k CJK chars, no stops': () => ({
    path: 'cjk.md',
    hostile: `# C\n\n## 中文 {#c}\n\n${cjk(80_000)}\n`,
    benign: `# C\n\n## 中文 {#c}\n\n${cjk(80_000, 2, 30)}\n`,
  }),
  '20k "## Example" headings': () => ({
    path: 'dup.md',
    hostile: `# D\n\n${'## Example\n\ntext\n\n'.repeat(20_000)}`,
    benign: `# D\n\n${Array.from({ length: 20_000 }, (_, i) => `## Example ${i}\n\ntext\n\n`).join('')}`,
  }),
  '20k {#dup} anchors': () => ({
    path: 'dup.md',
    hostile: `# D\n\n${'## Part {#dup}\n\ntext\n\n'.repeat(20_000)}`,
    benign: `# D\n\n${Array.from({ length: 20_000 }, (_, i) => `## Part {#dup-${i}}\n\ntext\n\n`).join('')}`,
  }),
  '1,200-level nested list': () => ({
    path: 'deep.md',
    hostile: `# L\n\n${Array.from({ length: 1200 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n')}\n`,
    // The same bytes, flat: the indentation moved to the end of each item's text.
    benign: `# L\n\n${Array.from({ length: 1200 }, (_, i) => `- item ${i}${' x'.repeat(i)}`).join('\n')}\n`,
  }),
  '1,200-level nested list of requirements': () => ({
    path: 'deep.md',
    hostile: `# L\n\n${Array.from({ length: 1200 }, (_, i) => `${'  '.repeat(i)}- **R-${i}**: item ${i}`).join('\n')}\n`,
    benign: `# L\n\n${Array.from({ length: 1200 }, (_, i) => `- **R-${i}**: item ${i}${' x'.repeat(i)}`).join('\n')}\n`,
  }),
  'heading with 200k blanks before its {#id}': () => ({
    path: 'line.md',
    hostile: `# L\n\n## Spaced${' '.repeat(200_000)}{#spaced}\n`,
    benign: `# L\n\n## Spaced${' x'.repeat(100_000)} {#spaced}\n`,
  }),
  'bold run of 200k digits': () => ({
    path: 'line.md',
    hostile: `# L\n\n**A${'1'.repeat(200_000)}X** text\n`,
    benign: `# L\n\n**A1** ${'1 '.repeat(100_000)}\n`,
  }),
  'heading of 60k "[]("': () => ({
    path: 'line.md',
    hostile: `# L\n\n## ${'[]('.repeat(60_000)}\n`,
    benign: `# L\n\n## ${'[] ('.repeat(45_000)}\n`,
  }),
  'clause with 500k blank lines inside': () => ({
    path: 'blank.md',
    hostile: `# L\n\n## Gap {#gap}\n\na${'\n'.repeat(500_000)}b\n`,
    benign: `# L\n\n## Gap {#gap}\n\na${'\nx'.repeat(250_000)}b\n`,
  }),
  'frontmatter with 100k blank lines': () => ({
    path: 'fm.md',
    hostile: `---\nid: fm${'\n'.repeat(100_000)}title: FM\n---\n# FM\n`,
    benign: `---\nid: fm\n${'#\n'.repeat(50_000)}title: FM\n---\n# FM\n`,
  }),
};

async function child(caseName, dist) {
  // The parser lives in dist/parse/ since the layout review; older builds (--before) have it in dist/spec/.
  const folder = existsSync(path.join(dist, 'parse/parse-spec.js')) ? 'parse' : 'spec';
  const imp = (rel) => import(pathToFileURL(path.join(dist, folder, rel)).href);
  const { parseSpec, createParseContext } = await imp('parse-spec.js');
  const { createMarkdownScanner } = await imp('markdown.js');
  const { createTokenCounter } = await imp('tokens.js');
  const input = CASES[caseName]();
  const measure = (text) => {
    // A fresh counter per run: its memo would otherwise answer the second run.
    const ctx = createParseContext
      ? createParseContext(createTokenCounter())
      : { scanner: createMarkdownScanner(), tokens: createTokenCounter() };
    const t0 = performance.now();
    let doc = null;
    let problems = [];
    let error = null;
    try {
      ({ doc, problems } = parseSpec(input.path, text, ctx));
    } catch (e) {
      error = String(e?.message ?? e).slice(0, 120);
    }
    const t1 = performance.now();
    try {
      if (doc) {
        void doc.clauses[0]?.tokens;
        void doc.tokens;
      }
    } catch (e) {
      error ??= String(e?.message ?? e).slice(0, 120);
    }
    const t2 = performance.now();
    const ids = doc ? doc.clauses.map((c) => c.id) : [];
    return {
      parseMs: t1 - t0,
      readMs: t2 - t1,
      served: doc !== null,
      clauses: ids.length,
      uniqueIds: new Set(ids).size === ids.length,
      problems: problems.length,
      firstError: problems.find((p) => p.severity === 'error')?.message.slice(0, 100) ?? null,
      error,
    };
  };
  // Benign first: warms the JIT and the tokenizer's tables for the hostile run, not the other way round.
  const benign = measure(input.benign);
  const hostile = measure(input.hostile);
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify({ bytes: input.hostile.length, benign, hostile, rssMb }));
}

function runCase(caseName, dist, timeoutS) {
  const r = spawnSync(
    process.execPath,
    ['--max-old-space-size=4096', fileURLToPath(import.meta.url), '--child', caseName, '--dist', dist],
    { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 20 },
  );
  if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGTERM') return { timeout: timeoutS };
  if (r.status !== 0)
    return { crashed: (r.stderr.match(/(RangeError|Error)[^\n]*/)?.[0] ?? r.stderr).slice(0, 100) };
  return JSON.parse(r.stdout);
}

const total = (m) => m.parseMs + m.readMs;
const ms = (n) => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(n < 10 ? 1 : 0)} ms`);
function describe(r) {
  if (r.timeout) return `> ${r.timeout} s (killed)`;
  if (r.crashed) return `crashed: ${r.crashed}`;
  const h = r.hostile;
  const outcome = h.error
    ? `threw: ${h.error}`
    : h.served
      ? `served, ${h.clauses} clauses`
      : `refused: ${h.firstError}`;
  return `${ms(total(h))} (parse ${ms(h.parseMs)}, read ${ms(h.readMs)}), ${r.rssMb} MB RSS; ${outcome}`;
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (opt('--child')) return child(opt('--child'), path.resolve(opt('--dist')));
  const dist = path.resolve(opt('--dist') ?? path.join(HERE, '..', 'dist'));
  const before = opt('--before') ? path.resolve(opt('--before')) : null;
  const timeoutS = Number(opt('--timeout') ?? 120);
  const only = opt('--only')?.split(',');
  for (const name of Object.keys(CASES)) {
    if (only && !only.some((o) => name.includes(o))) continue;
    const after = runCase(name, dist, timeoutS);
    console.log(`\n${name} (${after.bytes ?? '?'} chars)`);
    if (before) {
      const old = runCase(name, before, timeoutS);
      console.log(`  before: ${describe(old)}`);
      console.log(`  after:  ${describe(after)}`);
      if (old.hostile && after.hostile)
        console.log(`  ratio:  ${(total(old.hostile) / total(after.hostile)).toFixed(0)}× faster`);
      else if (old.timeout && after.hostile)
        console.log(`  ratio:  > ${((old.timeout * 1000) / total(after.hostile)).toFixed(0)}× faster`);
    } else console.log(`  ${describe(after)}`);
    if (after.benign && after.hostile) {
      const excess = total(after.hostile) - total(after.benign);
      console.log(
        `  benign file of the same size: ${ms(total(after.benign))}; hostile excess: ${ms(excess)}`,
      );
    }
  }
}

await main();
