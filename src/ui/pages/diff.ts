// The text a run read against the text now, side by side (or as one column, the one thing that needs JavaScript).
import { diffLines } from 'diff';
import { html } from 'hono/html';
import { formatRef, normalizeDigest, parseRef } from '../../ledger/refs.js';
import { type Html, href, type PageContext, page, shortDigest } from '../layout.js';
import { type ConsoleSources, currentClause } from '../sources.js';

interface Row {
  old: { n: number; text: string } | null;
  new: { n: number; text: string } | null;
  kind: 'same' | 'changed';
}

function linesOf(value: string): string[] {
  const lines = value.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Rows of a side-by-side diff: removed lines paired with the added lines that replace them. */
function sideBySide(before: string, after: string): Row[] {
  const rows: Row[] = [];
  let o = 0;
  let n = 0;
  const parts = diffLines(before, after);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as (typeof parts)[number];
    if (!part.added && !part.removed) {
      for (const text of linesOf(part.value))
        rows.push({ old: { n: ++o, text }, new: { n: ++n, text }, kind: 'same' });
      continue;
    }
    const next = parts[i + 1];
    const removed = part.removed ? linesOf(part.value) : [];
    const added = part.added ? linesOf(part.value) : next?.added ? linesOf(next.value) : [];
    if (part.removed && next?.added) i++;
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const r = removed[k];
      const a = added[k];
      rows.push({
        old: r === undefined ? null : { n: ++o, text: r },
        new: a === undefined ? null : { n: ++n, text: a },
        kind: 'changed',
      });
    }
  }
  return rows;
}

const cell = (side: Row['old'], cls: string) =>
  side === null
    ? html`<td class="ln"></td><td></td>`
    : html`<td class="ln">${side.n}</td><td class="${cls}">${side.text}</td>`;

export async function diffView(
  ctx: PageContext,
  sources: ConsoleSources,
  refText: string,
  digestText: string,
  runId: string | undefined,
): Promise<Html> {
  const parsed = parseRef(refText);
  const ref = formatRef(parsed.spec_id, parsed.clause_id) as string;
  const digest = normalizeDigest(digestText);
  const asRead = await sources.store.servedText(digest);
  const now = currentClause(sources.corpus?.current() ?? null, parsed.spec_id, parsed.clause_id);
  const back = html`<p>${runId === undefined ? '' : html`<a href="${href(ctx, '/run', { id: runId })}">Back to run <span class="mono">${runId}</span></a> · `}<a href="${href(ctx, '/clause', { ref })}">All versions of <span class="mono">${ref}</span></a></p>`;
  let content: Html;
  if (asRead === null) {
    content = html`<p class="bad">The ledger holds no text for ${shortDigest(digest)} of this ref.</p>`;
  } else if (now === null) {
    content = html`<p><span class="state-removed">removed</span>: the clause is not in the specs served now. The text as read:</p><pre class="text">${asRead}</pre>`;
  } else if (now.digest === digest) {
    content = html`<p><span class="state-unchanged">unchanged</span>: this is the text served now.</p><pre class="text">${asRead}</pre>`;
  } else {
    const rows = sideBySide(asRead, now.text);
    const split = rows.map(
      (r) =>
        html`<tr>${cell(r.old, r.kind === 'changed' ? 'del' : '')}${cell(r.new, r.kind === 'changed' ? 'ins' : '')}</tr>`,
    );
    const unified = rows.flatMap((r) =>
      r.kind === 'same'
        ? [
            html`<tr><td class="ln">${r.old?.n}</td><td class="ln">${r.new?.n}</td><td>  ${r.old?.text}</td></tr>`,
          ]
        : [
            r.old
              ? html`<tr><td class="ln">${r.old.n}</td><td class="ln"></td><td class="del">- ${r.old.text}</td></tr>`
              : '',
            r.new
              ? html`<tr><td class="ln"></td><td class="ln">${r.new.n}</td><td class="ins">+ ${r.new.text}</td></tr>`
              : '',
          ],
    );
    content = html`<p><span class="state-changed">changed</span>: as read (<span class="mono">${shortDigest(digest)}</span>) against now (<span class="mono">${shortDigest(now.digest)}</span>, spec version ${now.version}). Removed lines on the left, added lines on the right.</p>
<button type="button" data-diff-toggle aria-controls="diff-view" aria-pressed="false" hidden>Show as one column</button>
<div id="diff-view" class="diff-view">
<table class="diff diff-split"><caption class="sr-only">Side by side</caption><colgroup><col class="ln"><col><col class="ln"><col></colgroup><thead><tr><th scope="col" colspan="2">As read</th><th scope="col" colspan="2">Now</th></tr></thead><tbody>${split}</tbody></table>
<table class="diff diff-unified"><caption class="sr-only">One column</caption><colgroup><col class="ln"><col class="ln"><col></colgroup><thead><tr><th scope="col">Old</th><th scope="col">New</th><th scope="col">Line</th></tr></thead><tbody>${unified}</tbody></table>
</div>`;
  }
  const body = html`<h1>Diff of <span class="mono">${ref}</span></h1>${back}${content}`;
  return page(ctx, { title: `Diff of ${ref}`, section: 'runs', scripts: ['diff-toggle.js'], body });
}
