// The console's stylesheet and its one script, served as files so the Content-Security-Policy needs no inline code.
import { createHash } from 'node:crypto';

export interface Asset {
  type: string;
  body: string;
  /** Content hash, in the URL so a browser may cache the file for good. */
  version: string;
}

const CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #57606a; --line: #d0d7de;
  --accent: #0550ae; --del: #ffebe9; --ins: #dafbe1; --warn: #9a6700; --bad: #a40e26; --good: #116329; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d;
  --accent: #6cb6ff; --del: #4b1d1d; --ins: #133d24; --warn: #e3b341; --bad: #ff7b72; --good: #56d364; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .25rem .5rem; z-index: 1; }
header { border-bottom: 1px solid var(--line); padding: .5rem 1rem; display: flex; gap: 1.5rem; align-items: center;
  flex-wrap: wrap; }
header .brand { font-weight: 700; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; gap: 1rem; flex-wrap: wrap; }
nav a[aria-current="page"] { font-weight: 700; }
main { padding: 1rem; max-width: 90rem; }
h1 { font-size: 1.4rem; margin: .25rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, monospace; font-size: .9em; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.state-changed, .state-removed, .bad { color: var(--bad); font-weight: 600; }
.state-unchanged, .good { color: var(--good); }
.warn { color: var(--warn); }
form.filters { display: flex; gap: .75rem; flex-wrap: wrap; align-items: end; margin-bottom: 1rem; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; }
input, select, button { font: inherit; padding: .25rem .4rem; color: var(--fg); background: var(--bg);
  border: 1px solid var(--muted); border-radius: 4px; }
button { cursor: pointer; }
.pager { display: flex; gap: 1rem; margin: 1rem 0; align-items: center; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.diff { width: 100%; table-layout: fixed; font-family: ui-monospace, monospace; font-size: .85rem; }
.diff td { white-space: pre-wrap; overflow-wrap: anywhere; border: 0; padding: 0 .5rem; }
.diff col.ln { width: 3.5rem; }
.diff td.ln { text-align: right; color: var(--muted); user-select: none; }
.diff .del { background: var(--del); }
.diff .ins { background: var(--ins); }
.diff-unified { display: none; }
.diff-view.unified .diff-split { display: none; }
.diff-view.unified .diff-unified { display: table; }
pre.text { white-space: pre-wrap; border: 1px solid var(--line); padding: .5rem; }
`;

// The diff toggle: the one thing that needs JavaScript. Without it the side-by-side view is shown.
const DIFF_TOGGLE = `
for (const button of document.querySelectorAll('button[data-diff-toggle]')) {
  const view = document.getElementById(button.getAttribute('aria-controls'));
  if (!view) continue;
  button.hidden = false;
  button.addEventListener('click', () => {
    const unified = view.classList.toggle('unified');
    button.setAttribute('aria-pressed', String(unified));
    button.textContent = unified ? 'Show side by side' : 'Show as one column';
  });
}
`;

function asset(type: string, body: string): Asset {
  return { type, body, version: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

/** The console's files by name; one set per app, built once. */
export function consoleAssets(): ReadonlyMap<string, Asset> {
  return new Map([
    ['console.css', asset('text/css; charset=utf-8', CSS)],
    ['diff-toggle.js', asset('text/javascript; charset=utf-8', DIFF_TOGGLE)],
  ]);
}
