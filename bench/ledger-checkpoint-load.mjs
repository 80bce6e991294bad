// Issue 18: serving throughput with `--checkpoint-every 1s` against the same server without it, same run, same
// machine: get_clause over Streamable HTTP (2026-07-28, stateless), 32 connections, the runs interleaved.
//
// Run after a build: npx tsc -p tsconfig.build.json && node bench/ledger-checkpoint-load.mjs
// Options: --runs N (default 9: 3 runs each swung the ratio from 0.78 to 1.1 here), --seconds S (default 5), --out FILE (default bench/results/ledger-checkpoint-load.json).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { specsExample, startHttpServer, tempDir } from './lib/env.mjs';
import { httpLoad } from './lib/http-load.mjs';
import { median, round } from './lib/stats.mjs';
import { ERAS } from './suites/http.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { generateNoteKey } = await import(path.join(here, '..', 'dist', 'ledger', 'checkpoint.js'));
const { openSqliteStore } = await import(path.join(here, '..', 'dist', 'ledger', 'sqlite-store.js'));
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    seconds: { type: 'string', default: '5' },
    out: { type: 'string', default: path.join(here, 'results', 'ledger-checkpoint-load.json') },
  },
});
const runs = Number(args.runs);
const seconds = Number(args.seconds);
const tmp = tempDir('checkpoint-load');
const key = tmp.at('log');
writeFileSync(key, `${generateNoteKey('bench.example/load').signer}\n`, { mode: 0o600 });

const start = (ledger, extra) =>
  startHttpServer(
    [
      'dist/bundle/main.js',
      'serve',
      '--http',
      '--stateless',
      '--port',
      '0',
      '--no-watch',
      '--specs',
      specsExample,
      '--ledger',
      ledger,
      ...extra,
    ],
    { stream: 'stderr', pattern: /over http:\/\/127\.0\.0\.1:(\d+)\/mcp/ },
  );
const { body, headers } = ERAS.modern;
const result = {
  what: `get_clause over HTTP (2026-07-28, stateless), 32 connections, ${seconds} s × ${runs} runs each, interleaved`,
};
try {
  const plain = await start(tmp.at('plain.db'), []);
  const signed = await start(tmp.at('signed.db'), ['--checkpoint-every', '1s', '--checkpoint-key', key]);
  const rates = { plain: [], signed: [] };
  try {
    for (let r = 0; r < runs; r++) {
      for (const [name, server] of r % 2 === 0
        ? [
            ['plain', plain],
            ['signed', signed],
          ]
        : [
            ['signed', signed],
            ['plain', plain],
          ]) {
        const load = await httpLoad({
          url: server.url,
          body,
          headers,
          connections: 32,
          durationSeconds: seconds,
        });
        rates[name].push(load.calls_per_s);
      }
    }
  } finally {
    await plain.stop();
    await signed.stop();
  }
  // What the checkpointing server signed: its last checkpoint covers (nearly) every read it recorded.
  const store = openSqliteStore(tmp.at('signed.db'), { readonly: true });
  const note = await store.treeMeta('checkpoint');
  const recorded = (await store.recordsAfter(0, 1)).length > 0 ? await lastSeq(store) : 0;
  await store.close();
  Object.assign(result, {
    plain_calls_per_s: round(median(rates.plain)),
    checkpointing_calls_per_s: round(median(rates.signed)),
    ratio: round(median(rates.signed) / median(rates.plain), 3),
    runs: rates,
    last_checkpoint_size: note ? Number(note.split('\n')[1]) : null,
    records: recorded,
  });
} finally {
  tmp.remove();
}

async function lastSeq(store) {
  let after = 0;
  for (;;) {
    const page = await store.recordsAfter(after, 50_000);
    if (page.length === 0) return after;
    after = page.at(-1).seq;
  }
}
writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result));
