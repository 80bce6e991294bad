// Printing for people and tools: the CLI is the only part of SpecLedger that writes to stdout.

// What a terminal would act on rather than show: C0 and C1 controls, DEL, bidi and other format characters, and
// line/paragraph separators. A run ID or client name holding them could clear the screen or forge table rows.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const UNPRINTABLE_BUT_LAYOUT = /(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0) ?? 0;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * Text safe to print on a terminal: every unprintable character written as an escape (`\x1b`, `\r`, `\u{202e}`).
 * `layout` keeps newlines and tabs (free text); a table cell or a one-line message escapes them too.
 */
export function escapeControls(text: string, options: { layout?: boolean } = {}): string {
  return text.replace(options.layout ? UNPRINTABLE_BUT_LAYOUT : UNPRINTABLE, escapeChar);
}

/** JSON.stringify already writes every control character as an escape; nothing more is needed for tools. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printText(text: string): void {
  const safe = escapeControls(text, { layout: true });
  process.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

export function logErr(message: string): void {
  process.stderr.write(`${escapeControls(message, { layout: true })}\n`);
}

/** A plain aligned table; columns are as wide as their widest cell, and no cell can break its row. */
export function table(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null>>,
): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '-' : escapeControls(String(c)))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * A progress line on a terminal only, once the work has taken over a second (SPECLEDGER_PROGRESS_AFTER_MS says
 * otherwise), and never with `quiet` (--quiet): `specledger: indexing 120/400 files…`, or with
 * `{ verb: 'verifying', unit: 'records' }` for the ledger.
 */
export function progressReporter(
  options: { quiet?: boolean; verb?: string; unit?: string } = {},
  startedAt = Date.now(),
): ((done: number, total: number) => void) & { end(): void } {
  const given = Number(process.env.SPECLEDGER_PROGRESS_AFTER_MS);
  // Unset or not a number: the default second, never "at once".
  const afterMs =
    process.env.SPECLEDGER_PROGRESS_AFTER_MS !== undefined && Number.isFinite(given) ? given : 1000;
  const verb = options.verb ?? 'indexing';
  const unit = options.unit ?? 'files';
  let open = false;
  const report = (done: number, total: number): void => {
    if (options.quiet || !process.stderr.isTTY || Date.now() - startedAt < afterMs) return;
    const finished = total > 0 && done >= total;
    process.stderr.write(
      `\rspecledger: ${verb} ${done}${total > 0 ? `/${total}` : ''} ${unit}…${finished ? '\n' : ''}`,
    );
    open = !finished;
  };
  /** Ends a line left open by work that stopped short of `total` (a failure, or a count that was an estimate). */
  const end = (): void => {
    if (open) process.stderr.write('\n');
    open = false;
  };
  return Object.assign(report, { end });
}
