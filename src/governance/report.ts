// Renders findings for people: `file:line  severity  rule  message`, a hint line, and a summary.
import type { Finding, FindingSummary } from './types.js';

interface RenderOptions {
  /** Maps a root-relative path to what the reader should see (e.g. relative to their working directory). */
  displayPath?: (file: string) => string;
  /** Spec files linted, for the summary line. */
  specs?: number;
}

export function renderFindingsText(
  findings: readonly Finding[],
  summary: FindingSummary,
  options: RenderOptions = {},
): string {
  const show = options.displayPath ?? ((f: string) => f);
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${show(f.file)}:${f.line}  ${f.severity}  ${f.rule}  ${f.message}`);
    if (f.hint) lines.push(`  hint: ${f.hint.replace(/\n/g, '\n        ')}`);
  }
  if (lines.length > 0) lines.push('');
  const of =
    options.specs === undefined ? '' : ` in ${options.specs} spec file${options.specs === 1 ? '' : 's'}`;
  lines.push(
    findings.length === 0
      ? `no findings${of}`
      : `${findings.length} finding${findings.length === 1 ? '' : 's'}${of}: ${plural(summary.error, 'error')}, ${plural(summary.warning, 'warning')}, ${summary.info} info`,
  );
  return lines.join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
