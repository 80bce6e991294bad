#!/usr/bin/env node
// Writes a synthetic spec corpus of N clauses (fixed-seed PRNG, so every run writes the same bytes).
// Usage: node bench/gen-corpus.mjs --clauses 10000 --out DIR [--seed 42] [--per-file 100]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** mulberry32: tiny, fast, and good enough to make text that does not repeat in obvious ways. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DOMAINS = [
  'payments',
  'identity',
  'billing',
  'storage',
  'search',
  'messaging',
  'reporting',
  'platform',
  'mobile',
  'ml',
];
const NOUNS = [
  'request',
  'response',
  'token',
  'session',
  'account',
  'invoice',
  'refund',
  'payout',
  'webhook',
  'event',
  'queue',
  'record',
  'cursor',
  'page',
  'export',
  'import',
  'schema',
  'field',
  'index',
  'tenant',
  'region',
  'replica',
  'cache',
  'key',
  'secret',
  'audit log',
  'retry',
  'timeout',
  'quota',
  'rate limit',
  'batch',
  'job',
  'worker',
  'upload',
  'attachment',
  'notification',
  'subscription',
  'plan',
  'customer',
  'merchant',
  'operator',
  'dashboard',
  'report',
];
const VERBS = [
  'validate',
  'reject',
  'store',
  'encrypt',
  'log',
  'retry',
  'expire',
  'rotate',
  'paginate',
  'deduplicate',
  'sign',
  'verify',
  'redact',
  'archive',
  'emit',
  'acknowledge',
  'throttle',
  'cache',
  'index',
  'replay',
  'reconcile',
  'notify',
];
const PARTICIPLES = [
  'validated',
  'rejected',
  'stored',
  'encrypted',
  'logged',
  'retried',
  'expired',
  'rotated',
  'paginated',
  'deduplicated',
  'signed',
  'verified',
  'redacted',
  'archived',
  'emitted',
  'acknowledged',
  'throttled',
  'cached',
  'indexed',
  'replayed',
  'reconciled',
  'notified',
];
const ADJ = [
  'idempotent',
  'signed',
  'encrypted',
  'stale',
  'pending',
  'expired',
  'partial',
  'duplicate',
  'live',
  'test-mode',
  'restricted',
  'archived',
  'unverified',
  'oversized',
  'malformed',
  'concurrent',
  'regional',
  'default',
];
const MODALS = ['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY'];
const TOPICS = [
  'Overview',
  'Scope',
  'Terminology',
  'Data model',
  'Validation',
  'Error handling',
  'Retries',
  'Security',
  'Privacy',
  'Observability',
  'Limits',
  'Versioning',
  'Migration',
  'Rollout',
  'Testing',
  'Operations',
  'Compatibility',
  'Performance',
  'Storage',
  'Access control',
  'Auditing',
  'Failure modes',
  'Pagination',
  'Caching',
];

function makeWriter(rand) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const slug = (s) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
  const sentence = () => {
    const forms = [
      () =>
        `The service ${pick(MODALS)} ${pick(VERBS)} every ${pick(ADJ)} ${pick(NOUNS)} before it is ${pick(PARTICIPLES)}.`,
      () =>
        `A ${pick(NOUNS)} that is ${pick(ADJ)} is answered with \`${pick([400, 403, 404, 409, 422, 429, 503])}\` and code \`${slug(pick(ADJ))}_${slug(pick(NOUNS)).replace(/-/g, '_')}\`.`,
      () =>
        `Clients ${pick(MODALS)} ${pick(VERBS)} the ${pick(NOUNS)} within ${int(1, 90)} ${pick(['seconds', 'minutes', 'days'])} of the ${pick(NOUNS)}.`,
      () =>
        `When a ${pick(NOUNS)} is ${pick(ADJ)}, the ${pick(NOUNS)} ${pick(MODALS)} be ${pick(PARTICIPLES)} and the ${pick(NOUNS)} kept for ${int(7, 400)} days.`,
      () =>
        `See \`${pick(DOMAINS)}#${slug(pick(TOPICS))}\` for how the ${pick(NOUNS)} relates to the ${pick(ADJ)} ${pick(NOUNS)}.`,
      () =>
        `At most ${int(2, 5000)} ${pick(NOUNS)}s per ${pick(NOUNS)} are accepted; the ${int(2, 5000) + 1}th is ${pick(PARTICIPLES)} with a clear error.`,
    ];
    return pick(forms)();
  };
  const paragraph = (n) => Array.from({ length: n }, sentence).join(' ');
  return { pick, int, slug, sentence, paragraph };
}

/** One spec file with exactly `clauses` clauses: anchored headings plus bold-ID requirement items. */
function specFile(index, clauses, w, domain) {
  const id = `${domain}/spec-${String(index).padStart(5, '0')}`;
  const prefix = `${domain.slice(0, 3).toUpperCase()}${index}`;
  const adjective = w.pick(ADJ);
  const title = `${adjective[0].toUpperCase()}${adjective.slice(1)} ${w.pick(NOUNS)} handling ${index}`;
  const out = [
    '---',
    `id: ${id}`,
    `title: "${title}"`,
    `summary: ${w.sentence().replace(/[`:#]/g, '')}`,
    `version: ${w.int(0, 3)}.${w.int(0, 20)}.${w.int(0, 9)}`,
    `status: ${w.pick(['approved', 'approved', 'approved', 'proposed', 'draft'])}`,
    `owners: [${domain}-team]`,
    `reviewers: [${w.pick(['alice', 'bob', 'carol', 'dan'])}]`,
    `applies_to: ["src/${domain}/**"]`,
    `tags: [${domain}, ${w.slug(w.pick(NOUNS))}]`,
    '---',
    '',
    `# ${title}`,
    '',
    w.paragraph(3),
    '',
  ];
  let made = 0;
  let item = 0;
  const usedAnchors = new Set();
  const anchor = (text) => {
    let a = w.slug(text);
    for (let n = 2; usedAnchors.has(a); n++) a = `${w.slug(text)}-${n}`;
    usedAnchors.add(a);
    return a;
  };
  while (made < clauses) {
    const h2 = w.pick(TOPICS);
    out.push(`## ${h2} {#${anchor(h2)}}`, '', w.paragraph(w.int(1, 3)), '');
    made++;
    const subsections = w.int(2, 4);
    for (let s = 0; s < subsections && made < clauses; s++) {
      const h3 = `${w.pick(ADJ)} ${w.pick(NOUNS)}`;
      out.push(`### ${h3[0].toUpperCase()}${h3.slice(1)} {#${anchor(h3)}}`, '', w.paragraph(w.int(1, 2)), '');
      made++;
      const items = w.int(2, 5);
      for (let i = 0; i < items && made < clauses; i++) {
        item++;
        const lines = [`- **${prefix}-${item}**: ${w.sentence()}`];
        if (w.int(0, 2) > 0) lines.push(`  ${w.sentence()}`);
        out.push(...lines);
        made++;
      }
      out.push('');
      const extra = w.int(0, 9);
      if (extra === 0) {
        out.push('| field | type | rule |', '|---|---|---|');
        for (let r = 0; r < 3; r++)
          out.push(
            `| \`${w.slug(w.pick(NOUNS))}\` | ${w.pick(['string', 'integer', 'timestamp'])} | ${w.sentence()} |`,
          );
        out.push('');
      } else if (extra === 1) {
        out.push(
          '```json',
          `{ "${w.slug(w.pick(NOUNS))}": "${w.pick(ADJ)}", "limit": ${w.int(1, 100)} }`,
          '```',
          '',
        );
      }
    }
  }
  return { id, text: `${out.join('\n').trimEnd()}\n` };
}

/** Writes the corpus; returns what was written. `perFile` clauses per file (about 100, like real large specs). */
export function generateCorpus({ clauses, out, seed = 42, perFile = 100 }) {
  const rand = prng(seed);
  const w = makeWriter(rand);
  const files = Math.ceil(clauses / perFile);
  let bytes = 0;
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'README.md'),
    `# Synthetic specs\n\n${files} generated specs (${clauses} clauses, seed ${seed}) for SpecLedger's benchmarks.\n`,
  );
  for (let i = 0; i < files; i++) {
    const domain = DOMAINS[i % DOMAINS.length];
    const n = Math.min(perFile, clauses - i * perFile);
    const { text } = specFile(i, n, w, domain);
    const dir = path.join(out, 'specs', domain, `group-${String(Math.floor(i / 100)).padStart(3, '0')}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `spec-${String(i).padStart(5, '0')}.md`), text);
    bytes += Buffer.byteLength(text);
  }
  return { files: files + 1, clauses, bytes, seed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const out = arg('out');
  if (!out) {
    console.error('usage: node bench/gen-corpus.mjs --clauses N --out DIR [--seed 42] [--per-file 100]');
    process.exit(2);
  }
  const result = generateCorpus({
    clauses: Number(arg('clauses', '1000')),
    out,
    seed: Number(arg('seed', '42')),
    perFile: Number(arg('per-file', '100')),
  });
  console.log(JSON.stringify(result));
}
