// How long a hostile input makes another client wait: one client keeps calling get_clause while each input lands.
//
//   node bench/hostile-stall.mjs [--out bench/results/hostile-stall.json] [--window-ms 3000]
//
// One `serve --http --stateless` (live reload on, SQLite ledger) on a copy of specs-example. A victim keeps one
// get_clause in flight at a time and records every latency. For each case the attacker writes its file into the
// spec root (live reload parses it) and/or sends its request, and the victim's worst latency over the window that
// follows is the case's stall. The baseline is the victim's worst latency over a quiet window of the same length,
// measured in the same run; the bar (issue 13) is 100 ms.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, log, specsExample, startHttpServer } from './lib/env.mjs';
import { MCP_HEADERS } from './lib/http-load.mjs';
import { round } from './lib/stats.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const WINDOW_MS = Number(flag('--window-ms', '3000'));
const OUT = flag('--out', null);
const BAR_MS = 100;

const spec = (id, body, fields = '') =>
  `---\nid: ${id}\nstatus: approved\nversion: 1.0.0\n${fields}---\n\n${body}\n`;

/** The cases of issue 13, items 2–4: what lands in the root, then what the attacker asks for. */
const CASES = [
  {
    name: 'one 200k-character word, then read',
    file: ['long-word.md', spec('long-word', `## Word {#word}\n\n${'x'.repeat(200_000)}`)],
    call: ['get_clause', { ref: 'long-word#word' }],
  },
  {
    name: 'one 1 MB word, then read',
    file: ['mega-word.md', spec('mega-word', `## Word {#word}\n\n${'y'.repeat(1_000_000)}`)],
    call: ['get_clause', { ref: 'mega-word#word' }],
  },
  {
    name: '80k CJK characters, then read',
    file: ['cjk.md', spec('cjk', `## 文 {#cjk}\n\n${'漢字仮名交じり文'.repeat(10_000)}`)],
    call: ['get_clause', { ref: 'cjk#cjk' }],
  },
  {
    name: '20k repeated "## Example" headings',
    file: ['examples.md', spec('examples', '## Example\n\nText.\n\n'.repeat(20_000))],
  },
  {
    name: '20k {#dup} anchors',
    file: ['dups.md', spec('dups', '## Dup {#dup}\n\nText.\n\n'.repeat(20_000))],
  },
  {
    name: '1,200-level indented list',
    file: [
      'deep-list.md',
      spec('deep-list', Array.from({ length: 1200 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n')),
    ],
  },
  {
    name: 'YAML alias bomb in frontmatter',
    file: [
      'bomb.md',
      `---\nid: bomb\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\ntitle: *i\ntags: *i\n---\n\n## Boom {#boom}\n\nText.\n`,
    ],
  },
  {
    name: 'glob ReDoS in applies_to, then specs_for_path',
    file: ['redos.md', spec('redos', '## Rule {#rule}\n\nText.', 'applies_to: ["@(a*)*(a*)*(a*)*(a*)b"]\n')],
    call: ['specs_for_path', { path: 'a'.repeat(26) }],
  },
  {
    name: 'star-heavy glob, then specs_for_path on a long path',
    file: ['stars.md', spec('stars', '## Rule {#rule}\n\nText.', 'applies_to: ["*a*a*a*a*a*b"]\n')],
    call: ['specs_for_path', { path: 'a'.repeat(255) }],
  },
  {
    name: 'a FIFO swapped in for a spec file',
    special: (root) => {
      const file = path.join(root, 'fifo.md');
      writeFileSync(file, spec('fifo', '## F {#f}\n\nText.'));
      return sleep(300).then(() => {
        unlinkSync(file);
        execFileSync('mkfifo', [file]);
      });
    },
  },
];

let nextId = 1;
async function call(url, name, args) {
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: nextId++,
      method: 'tools/call',
      params: { name, arguments: args },
    }),
  });
  await res.text();
  return { ms: performance.now() - started, ok: res.ok };
}

/** The victim: get_clause after get_clause until stopped; every latency, with its start time. */
function victim(url) {
  const samples = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const at = performance.now();
      const r = await call(url, 'get_clause', { ref: 'engineering-rules#ENG-1' });
      samples.push({ at, ms: r.ms, ok: r.ok });
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await done;
    },
  };
}

const worstSince = (samples, from, to) =>
  samples.filter((s) => s.at + s.ms >= from && s.at <= to).reduce((m, s) => Math.max(m, s.ms), 0);

async function main() {
  const tmp = mkdtempSync(path.join(tmpdir(), 'specledger-bench-stall-'));
  const root = path.join(tmp, 'specs');
  cpSync(specsExample, root, { recursive: true });
  const server = await startHttpServer(
    [
      cli,
      'serve',
      '--http',
      '--stateless',
      '--port',
      '0',
      '--specs',
      root,
      '--ledger',
      path.join(tmp, 'ledger.db'),
    ],
    { stream: 'stderr', pattern: /127\.0\.0\.1:(\d+)\/mcp/ },
  );
  const results = [];
  try {
    const v = victim(server.url);
    await sleep(1000);
    const quietFrom = performance.now();
    await sleep(WINDOW_MS);
    const baseline = worstSince(v.samples, quietFrom, performance.now());
    log(`baseline: worst get_clause over a quiet ${WINDOW_MS} ms window ${round(baseline, 1)} ms`);
    for (const c of CASES) {
      const from = performance.now();
      if (c.file) writeFileSync(path.join(root, c.file[0]), c.file[1]);
      if (c.special) await c.special(root);
      // Let live reload pick the file up before the request that reads it.
      if (c.call) {
        await sleep(300);
        const r = await call(server.url, ...c.call);
        log(`  ${c.name}: attacker's own call took ${round(r.ms, 1)} ms`);
      }
      await sleep(WINDOW_MS);
      const worst = worstSince(v.samples, from, performance.now());
      const row = {
        case: c.name,
        worst_stall_ms: round(worst, 1),
        ratio_to_quiet: round(worst / baseline, 2),
        met: worst <= BAR_MS,
      };
      results.push(row);
      log(
        `${c.name}: worst stall ${row.worst_stall_ms} ms (${row.ratio_to_quiet}× quiet) ${row.met ? 'met' : 'MISSED'}`,
      );
    }
    await v.stop();
    const failed = v.samples.filter((s) => !s.ok).length;
    const summary = {
      bar_ms: BAR_MS,
      window_ms: WINDOW_MS,
      quiet_worst_ms: round(baseline, 1),
      victim_calls: v.samples.length,
      victim_failures: failed,
      cases: results,
    };
    // One line on stdout (what bench/run.mjs reads), the readable form in --out.
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (OUT) writeFileSync(OUT, `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
