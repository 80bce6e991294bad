// Text for a terminal (trace) and Markdown for a pull-request comment (report).
import type { NoteRun } from './note.js';
import type { Report } from './report.js';
import type { TraceAnswer } from './trace.js';
import { SHORT_DIGEST_LENGTH } from './trailers.js';

/** `auth#token-lifetime@1a2b3c4d`: a clause version as the trailers cite it. */
export function shortVersion(ref: string, digest: string | null): string {
  return digest === null ? ref : `${ref}@${digest.replace(/^sha256:/, '').slice(0, SHORT_DIGEST_LENGTH)}`;
}

function runText(r: NoteRun): string {
  const how =
    r.via === 'ledger-guess'
      ? 'guessed from ledger activity, not declared'
      : r.via === 'env'
        ? 'declared in the environment'
        : r.via === 'trailer'
          ? 'named by a commit trailer'
          : 'linked with specledger link';
  const extra = [
    r.client,
    r.omitted > 0 ? `${r.omitted} clause reads not listed (note size limit)` : null,
  ].filter(Boolean);
  return `run ${r.run} (${how}${extra.length > 0 ? `; ${extra.join('; ')}` : ''})`;
}

export function renderTrace(answer: TraceAnswer): string {
  const out: string[] = [];
  for (const w of answer.warnings) out.push(`warning: ${w}`);
  if (answer.lines && answer.lines.length > 0) {
    const first = answer.lines[0]!.line;
    const last = answer.lines[answer.lines.length - 1]!.line;
    out.push(
      `lines ${first}${last !== first ? `-${last}` : ''}: last changed by ${answer.commits.map((c) => c.commit.slice(0, 12)).join(', ')}`,
    );
  }
  for (const c of answer.commits) {
    out.push('', `commit ${c.commit.slice(0, 12)} ${c.subject}`);
    if (c.message) {
      out.push(`  ${c.message}`);
      if (c.provenance === 'none') continue;
    }
    for (const r of c.runs) out.push(`  ${runText(r)}`);
    for (const p of c.problems) out.push(`  note: ${p}`);
    if (c.clauses.length === 0) {
      out.push('  no clause reads recorded for this commit');
      continue;
    }
    out.push(`  clauses relied on (state at ${answer.at.ref}, ${answer.at.commit.slice(0, 12)}):`);
    for (const cl of c.clauses) {
      const now =
        cl.state === 'changed'
          ? `changed (now ${shortVersion(cl.ref, cl.current_digest).split('@')[1]})`
          : cl.state === 'removed' || cl.state === 'unknown'
            ? `${cl.state}${cl.reason ? `: ${cl.reason}` : ''}`
            : 'unchanged';
      const version = [cl.version ? `v${cl.version}` : null, cl.status].filter(Boolean).join(' ');
      out.push(`    ${shortVersion(cl.ref, cl.digest)}  ${version}  ${now}`);
      if (cl.diff !== undefined) {
        out.push(`      text as read: ${cl.read_from}`);
        if (cl.diff) out.push(...cl.diff.split('\n').map((l) => `      ${l}`));
      }
    }
  }
  return out.join('\n').replace(/^\n/, '');
}

/** Text inside a Markdown code span; a backtick in it would end the span, so runs of them are widened around. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/** Plain text in Markdown: characters that would format, link or inject HTML are escaped. */
function plain(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~-]/g, '\\$&').replace(/\r?\n/g, ' ');
}

export function renderReportMarkdown(report: Report): string {
  const out: string[] = [];
  const { range } = report;
  out.push(`## SpecLedger provenance: ${code(`${range.base}..${range.head}`)}`, '');
  const stale = report.stale.length;
  out.push(
    `${report.commits.length} commit${report.commits.length === 1 ? '' : 's'}: **${report.linked} with provenance**, ${report.unlinked} without · ${report.runs.length} run${report.runs.length === 1 ? '' : 's'} · ${report.specs.reduce((n, s) => n + s.clauses.length, 0)} clause versions relied on · **${stale} stale**`,
    '',
  );
  for (const w of report.warnings) out.push(`> ⚠️ ${plain(w)}`, '');
  for (const p of report.problems) out.push(`> ❌ ${plain(p)}`, '');

  out.push('### Commits', '', '| commit | subject | runs | clauses |', '|---|---|---|---|');
  for (const c of report.commits) {
    const runs =
      c.provenance === 'none'
        ? c.error
          ? 'unreadable note'
          : c.merge
            ? '_merge_'
            : '_no provenance_'
        : c.runs.map(code).join(', ');
    out.push(
      `| ${code(c.commit.slice(0, 12))} | ${plain(c.subject)} | ${runs} | ${c.provenance === 'none' ? '' : c.clauses} |`,
    );
  }
  out.push('');

  if (report.runs.length > 0) {
    out.push('### Runs', '');
    for (const r of report.runs) {
      const how = r.via === 'ledger-guess' ? 'guessed from ledger activity' : `declared (${r.via})`;
      out.push(
        `- ${code(r.run)}: ${how}${r.client ? `, ${plain(r.client)}` : ''}; ${r.commits.length} commit${r.commits.length === 1 ? '' : 's'}`,
      );
    }
    out.push('');
  }

  if (report.specs.length > 0) {
    out.push('### Clauses relied on', '');
    for (const s of report.specs) {
      out.push(`<details><summary><b>${plain(s.spec)}</b> (${s.clauses.length})</summary>`, '');
      out.push('| clause | version | status | now |', '|---|---|---|---|');
      for (const c of s.clauses)
        out.push(
          `| ${code(shortVersion(c.ref, c.digest))} | ${plain(c.version ?? '')} | ${plain(c.status ?? '')} | ${c.state} |`,
        );
      out.push('', '</details>', '');
    }
  }

  if (stale > 0) {
    out.push('### Stale: changed after they were read', '');
    for (const s of report.stale) {
      out.push(
        `- ${code(shortVersion(s.ref, s.digest))} is **${s.state}**${s.current_digest ? ` (now ${code(shortVersion(s.ref, s.current_digest).split('@')[1] as string)})` : ''}${s.reason ? `: ${plain(s.reason)}` : ''}`,
      );
      if (s.diff)
        out.push(
          '',
          '  ```diff',
          ...s.diff.split('\n').map((l) => `  ${l.replace(/```/g, '`\u200b``')}`),
          '  ```',
          '',
        );
    }
    out.push('');
  }

  out.push('### Specs changed in this range', '');
  if (report.specs_changed.length === 0) out.push('None.', '');
  else out.push(...report.specs_changed.map((c) => `- ${c.status} ${code(c.path)}`), '');

  if (report.lint.length > 0) {
    out.push('### Lint findings on those specs', '');
    for (const f of report.lint)
      out.push(`- **${f.severity}** ${code(`${f.file}:${f.line}`)} ${plain(f.rule)}: ${plain(f.message)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
