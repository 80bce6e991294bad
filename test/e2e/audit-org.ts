// A generated organisation of nine git repositories with planted problems, for the audit tests and the README.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const REPOS = [
  'payments',
  'identity',
  'billing',
  'storage',
  'search',
  'messaging',
  'reporting',
  'platform',
  'mobile',
] as const;
export type Repo = (typeof REPOS)[number];

const WORDS =
  'ledger refund invoice webhook cursor tenant region replica cache export import schema field index queue batch retry timeout payload quota shard snapshot archive audit partner merchant settlement payout dispute chargeback ticket release rollout canary metric alert dashboard report latency budget backlog migration cutover vendor contract policy review approval threshold window'.split(
    ' ',
  );
const VERBS =
  'records validates rejects stores forwards retries reconciles publishes signs verifies expires rotates aggregates exports deduplicates throttles'.split(
    ' ',
  );

/** Fixed-seed prose: sentences that share words but not three-word runs, so unrelated specs never look forked. */
function prose(seed: number, sentences: number): string {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const out: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const words = [`The ${pick(WORDS)} service`, pick(VERBS)];
    for (let w = 0; w < 10; w++) words.push(w % 3 === 2 ? pick(VERBS) : pick(WORDS));
    out.push(`${words.join(' ')}.`);
  }
  return out.join(' ');
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function spec(fields: Record<string, string>, body: string): string {
  const head = Object.entries(fields).map(([k, v]) => `${k}: ${v}`);
  return `---\n${head.join('\n')}\n---\n\n${body}`;
}

/** A repository's own approved, owned spec: nothing in it is wrong. */
function ownSpec(repo: Repo, i: number): string {
  return spec(
    { id: `${repo}-rules`, version: '1.2.0', status: 'approved', owners: `[${repo}-team]` },
    `# ${cap(repo)} service rules\n\n## Intake {#intake}\n\n${prose(i * 101 + 1, 4)}\n\n## Retention {#retention}\n\n${prose(i * 101 + 2, 4)}\n`,
  );
}

/** The planted fork: the same token-lifetime clause in two repositories, 15 minutes in one and 60 in the other. */
function tokenSpec(repo: Repo, minutes: number, seed: number): string {
  return spec(
    { id: 'session-tokens', version: '2.0.0', status: 'approved', owners: `[${repo}-team]` },
    `# Session tokens\n\n## Token lifetime {#token-lifetime}\n\nAccess tokens issued to browser sessions MUST expire ${minutes} minutes after they are issued, and a refresh token MUST be bound to the device that first presented it. A refresh MUST rotate the refresh token and revoke the one it replaced, and reusing a revoked refresh token MUST revoke the whole session at once.\n\n## Local storage {#local-storage}\n\n${prose(seed, 6)}\n`,
  );
}

const COMMON = [
  'MUST use pnpm to install dependencies.',
  'Never commit generated files under dist/.',
  'Write a regression test for every bug fix.',
  'Keep each pull request to one change and say why it is needed.',
  'Ask the owning team before adding a new runtime dependency.',
];
const OWN: Readonly<Record<Repo, string>> = {
  payments: 'Amounts are integers in minor units; floats are refused in review.',
  identity: 'Log user identifiers only in hashed form.',
  billing: 'Invoice numbers come from the sequence service, never from a counter in code.',
  storage: 'Object keys carry the tenant as their first path segment.',
  search: 'Reindex jobs run behind the feature flag until the cutover.',
  messaging: 'Consumers acknowledge a message only after its side effects are durable.',
  reporting: 'Report queries run against the read replica.',
  platform: 'Terraform changes go through the plan bot.',
  mobile: 'Screens load in under a second on the slowest supported phone.',
};

/** Who differs: search says npm, mobile lacks the regression-test rule, platform is bloated past the budget. */
function agentsMd(repo: Repo): string {
  const items = COMMON.map((c) =>
    repo === 'search' && c.includes('pnpm') ? 'Use npm to install dependencies.' : c,
  ).filter((c) => !(repo === 'mobile' && c.startsWith('Write a regression test')));
  items.push(OWN[repo]);
  if (repo === 'platform')
    for (let i = 1; i <= 320; i++)
      items.push(`Module m${i} registers its handler h${i} in registry r${i} with owner o${i}.`);
  return `# Agent instructions for ${repo}\n\n${items.map((i) => `- ${i}`).join('\n')}\n`;
}

export interface Org {
  dir: string;
  /** Line numbers of what was planted, computed from the text written. */
  lines: { tokenLifetime: number; ownersLine: number; appliesTo: number; npm: number };
}

/** Writes and commits the nine repositories under `dir`. */
export function writeOrg(dir: string): Org {
  const git = (repo: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd: path.join(dir, repo),
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const write = (repo: string, rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, repo, rel)), { recursive: true });
    writeFileSync(path.join(dir, repo, rel), text);
  };
  REPOS.forEach((repo, i) => {
    mkdirSync(path.join(dir, repo), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.email', `${repo}@example.test`);
    git(repo, 'config', 'user.name', `${cap(repo)} Dev`);
    git(repo, 'config', 'commit.gpgsign', 'false');
    write(repo, 'AGENTS.md', agentsMd(repo));
    write(repo, `specs/${repo}-rules.md`, ownSpec(repo, i));
  });
  write('payments', 'specs/session-tokens.md', tokenSpec('payments', 15, 7001));
  write('identity', 'specs/session-tokens.md', tokenSpec('identity', 60, 7002));
  // The unowned approved spec.
  write(
    'billing',
    'specs/invoices.md',
    spec(
      { id: 'invoices', version: '1.0.0', status: 'approved' },
      `# Invoices\n\n## Numbering {#numbering}\n\n${prose(8001, 3)}\n`,
    ),
  );
  // The spec whose code moves on without it.
  write(
    'storage',
    'specs/blobs.md',
    spec(
      {
        id: 'blobs',
        version: '1.0.0',
        status: 'approved',
        owners: '[storage-team]',
        applies_to: '[src/blobs/**]',
      },
      `# Blob store\n\n## Uploads {#uploads}\n\n${prose(8002, 3)}\n`,
    ),
  );
  write('storage', 'src/blobs/store.ts', 'export const CHUNK = 4 * 1024 * 1024;\n');
  // Retired and supporting material that is not wrong: a deprecated spec, a Spec Kit feature, a CLAUDE.md pointer.
  write(
    'messaging',
    'specs/queue-delivery.md',
    spec(
      { id: 'queue-delivery', version: '3.1.0', status: 'approved', owners: '[messaging-team]' },
      `# Queue delivery\n\n## Retries {#retries}\n\n${prose(8003, 3)}\n\n## Ordering {#ordering}\n\n${prose(8004, 3)}\n\n## Dead letters {#dead-letters}\n\n${prose(8005, 3)}\n`,
    ),
  );
  write(
    'messaging',
    'specs/legacy-queue.md',
    spec(
      { id: 'legacy-queue', version: '1.4.0', status: 'deprecated', owners: '[messaging-team]' },
      `# Legacy queue\n\n## Polling {#polling}\n\n${prose(8006, 3)}\n`,
    ),
  );
  write(
    'reporting',
    'specs/001-monthly-export/spec.md',
    `# Feature Specification: Monthly export\n\n## Requirements\n\n- **FR-001**: ${prose(8007, 1)}\n- **FR-002**: ${prose(8008, 1)}\n`,
  );
  write('reporting', 'CLAUDE.md', 'See AGENTS.md.\n');
  for (const repo of REPOS) {
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `${repo}: specs and agent instructions`);
  }
  write('storage', 'src/blobs/store.ts', 'export const CHUNK = 8 * 1024 * 1024;\n');
  git('storage', 'commit', '-q', '-am', 'storage: bigger upload chunks');

  const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  return {
    dir,
    lines: {
      tokenLifetime: lineOf(tokenSpec('identity', 60, 7002), '## Token lifetime'),
      ownersLine: 4,
      appliesTo: 6,
      npm: lineOf(agentsMd('search'), 'Use npm'),
    },
  };
}
