// A live-reload harness: a temp project served by the real app, a real chokidar watcher and a real SDK client.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { type App, createApp } from '../../src/app.js';
import type { ReloadResult } from '../../src/corpus/corpus.js';
import type { Snapshot } from '../../src/corpus/snapshot.js';
import { type CorpusWatcher, watchCorpus } from '../../src/source/watcher.js';

export const AUTH = (lifetime: string, extra = ''): string => `---
id: auth
title: Authentication
summary: API keys and access tokens.
version: 1.0.0
status: approved
owners: [security-team]
---

# Authentication

## API keys {#api-keys}

Secret keys never leave the merchant's servers.

## Token lifetime {#token-lifetime}

${lifetime}

## Rotation {#rotation}

Keys rotate at least once a year.${extra}
`;

export const PAYMENTS = (refunds: string): string => `---
id: payments
title: Payments
summary: Charges and refunds.
version: 2.0.0
status: approved
owners: [payments-team]
---

# Payments

## Refunds {#refunds}

${refunds}
`;

export const OLD_LIFETIME = 'Access tokens expire after 60 minutes.';
export const TOKEN_LIFETIME = 'auth#token-lifetime';
export const TOKEN_LIFETIME_URI = 'spec://auth/token-lifetime';
/** Generous: a loaded CI machine, not the watcher, sets this bound; the benchmark measures the real latency. */
const WAIT_MS = 10_000;

export interface ClauseRead {
  text: string;
  digest: string;
}

export interface Harness {
  root: string;
  file(rel: string): string;
  app: App;
  client: Client;
  /** Every reload announced, in order, with the snapshot it swapped in. */
  reloads: ReloadResult[];
  updated: string[];
  listChanged: { count: number };
  logs: string[];
  stderr: string[];
  /** Resolves once `check` holds, re-checked after every reload and notification; no polling. */
  until(what: string, check: () => boolean): Promise<void>;
  clause(ref: string, runId?: string): Promise<ClauseRead>;
  snapshot(): Snapshot;
  close(): Promise<void>;
}

/** A served temp project (README, auth, payments, notes, area/policy) with a live watcher and a connected client. */
export async function startLiveReload(options: { poll?: boolean } = {}): Promise<Harness> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'specledger-reload-'));
  const root = path.join(tmp, 'project');
  mkdirSync(path.join(root, 'specs', 'area'), { recursive: true });
  mkdirSync(path.join(root, '.specledger'), { recursive: true });
  writeFileSync(path.join(root, 'README.md'), '# Specs\n\nRead the root first.\n');
  writeFileSync(path.join(root, 'specs', 'auth.md'), AUTH(OLD_LIFETIME));
  writeFileSync(
    path.join(root, 'specs', 'payments.md'),
    PAYMENTS('Refunds are issued to the original payment method.'),
  );
  writeFileSync(path.join(root, 'specs', 'notes.md'), '# Notes\n\n## Glossary\n\nA merchant sells things.\n');
  writeFileSync(
    path.join(root, 'specs', 'area', 'policy.md'),
    '---\nid: area-policy\ntitle: Area policy\n---\n\n## Scope {#scope}\n\nEverything in the area.\n',
  );

  const waiters = new Set<{ check: () => boolean; resolve: () => void }>();
  const wake = (): void => {
    for (const w of waiters) {
      if (w.check()) {
        waiters.delete(w);
        w.resolve();
      }
    }
  };
  const stderr: string[] = [];
  // The ledger lives inside the watched root, as it does when serving from a project folder: its writes must be ignored.
  const app = await createApp({
    specs: root,
    ledger: path.join(root, '.specledger', 'ledger.db'),
    transport: 'memory',
    log: (m) => stderr.push(m),
  });
  const client = new Client({ name: 'reload-test', version: '0.0.0' });
  const updated: string[] = [];
  const listChanged = { count: 0 };
  const logs: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => {
    updated.push(n.params.uri);
    wake();
  });
  client.setNotificationHandler('notifications/resources/list_changed', () => {
    listChanged.count++;
    wake();
  });
  client.setNotificationHandler('notifications/message', (n) => {
    logs.push(String(n.params.data));
    wake();
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const spec = app.createServer(app.surface({ witnessed: true }));
  await spec.server.connect(serverTransport);
  await client.connect(clientTransport);

  const reloads: ReloadResult[] = [];
  const watcher: CorpusWatcher = await watchCorpus(app.corpus, {
    poll: options.poll,
    pollIntervalMs: 50,
    log: (m) => stderr.push(m),
    onReload: async (result) => {
      await app.applyReload(result);
      reloads.push(result);
      wake();
    },
  });
  return {
    async close() {
      await watcher.close();
      await client.close();
      await app.close();
      rmSync(tmp, { recursive: true, force: true });
    },
    root,
    file: (rel) => path.join(root, rel),
    app,
    client,
    reloads,
    updated,
    listChanged,
    logs,
    stderr,
    snapshot: () => app.corpus.current(),
    until(what, check) {
      if (check()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          check,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`timed out after ${WAIT_MS} ms waiting for ${what}; reloads seen: ${reloads.length}`),
          );
        }, WAIT_MS);
        waiters.add(waiter);
      });
    },
    async clause(ref, runId) {
      const result = await client.callTool({
        name: 'get_clause',
        arguments: { ref, ...(runId ? { run_id: runId } : {}) },
      });
      if (result.isError) throw new Error(`get_clause ${ref} failed: ${JSON.stringify(result.content)}`);
      const s = result.structuredContent as { text: string; digest: string };
      return { text: s.text, digest: s.digest };
    },
  };
}

export function clauseText(snapshot: Snapshot, ref: string): string | undefined {
  try {
    return snapshot.resolve(ref).clause?.text;
  } catch {
    return undefined;
  }
}

export function serves(h: Harness, ref: string, needle: string): () => boolean {
  return () => clauseText(h.snapshot(), ref)?.includes(needle) === true;
}
