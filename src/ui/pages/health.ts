// Ledger health: the hash chain's verify result, the head record, whether the store takes writes, the latest checkpoint.
import { html } from 'hono/html';
import { noteText, parseCheckpoint } from '../../ledger/checkpoint.js';
import type { LedgerHealth } from '../../ledger/types.js';
import { type Html, type PageContext, page, when } from '../layout.js';
import type { ConsoleSources } from '../sources.js';

function checkpointFacts(note: string | null): Html {
  if (note === null)
    return html`<p>No signed checkpoint yet: <code>serve --checkpoint-every</code> with <code>--checkpoint-key</code> signs them.</p>`;
  try {
    const checkpoint = parseCheckpoint(noteText(note));
    const signatures = note.split('\n').filter((l) => l.startsWith('— ')).length;
    return html`<dl class="facts"><dt>Log</dt><dd>${checkpoint.origin}</dd>
<dt>Tree size</dt><dd>${checkpoint.size} records</dd>
<dt>Root hash</dt><dd class="mono">${checkpoint.root.toString('base64')}</dd>
<dt>Signatures</dt><dd>${signatures}</dd></dl>
<details><summary>Signed note</summary><pre class="text">${note}</pre></details>`;
  } catch (error) {
    return html`<p class="bad">The stored checkpoint does not parse: ${(error as Error).message}</p>`;
  }
}

function storeFacts(health: LedgerHealth): Html {
  return html`<h2>Store</h2>
<p>${health.writable ? 'Takes writes (this console only reads).' : `Not writable: ${health.problem ?? 'unknown'}`}</p>
${health.damage ? html`<p class="bad">Damage found at open: ${health.damage}</p>` : ''}`;
}

export async function healthView(ctx: PageContext, sources: ConsoleSources): Promise<Html> {
  const { store } = sources;
  const [verified, health, note] = await Promise.all([
    sources.walkChain ? store.verify() : Promise.resolve(null),
    store.health(),
    store.treeMeta('checkpoint'),
  ]);
  if (verified === null) {
    const body = html`<h1>Ledger health</h1>
<h2>Hash chain</h2>
<p>Not walked from the server's console: a walk reads every record and would hold the server while it runs. Run
<code>specledger verify</code>, or <code>specledger verify --from-checkpoint --key LOG.pub</code> to check only the
records after the last signed checkpoint; <code>specledger ui</code> walks it on each visit.</p>
${storeFacts(health)}
<h2>Latest signed checkpoint</h2>
${checkpointFacts(note)}`;
    return page(ctx, { title: 'Ledger health', section: 'health', body });
  }
  const head = verified.records > 0 ? (await store.recordsAfter(verified.records - 1, 1))[0] : undefined;
  const body = html`<h1>Ledger health</h1>
<h2>Hash chain</h2>
${
  verified.ok
    ? html`<p class="good">Verified: ${verified.records} records, chain intact.</p>`
    : html`<p class="bad">Verification failed at seq ${verified.seq}: ${verified.reason} (${verified.records} records checked).</p>`
}
<h2>Head</h2>
${
  head
    ? html`<dl class="facts"><dt>Seq</dt><dd>${head.seq}</dd><dt>Time</dt><dd>${when(head.ts)}</dd>
<dt>Hash</dt><dd class="mono">${head.hash}</dd><dt>Run</dt><dd class="mono">${head.run_id}</dd></dl>`
    : html`<p>The ledger is empty.</p>`
}
${storeFacts(health)}
<h2>Latest signed checkpoint</h2>
${checkpointFacts(note)}`;
  return page(ctx, { title: 'Ledger health', section: 'health', body });
}
