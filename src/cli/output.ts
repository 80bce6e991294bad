// Printing for people and tools: the CLI is the only part of SpecLedger that writes to stdout.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function logErr(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A plain aligned table; columns are as wide as their widest cell. */
export function table(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null>>,
): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
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

/** A progress line on a terminal only, once loading has taken over a second. */
export function progressReporter(startedAt = Date.now()): (done: number, total: number) => void {
  return (done, total) => {
    if (!process.stderr.isTTY || Date.now() - startedAt < 1000) return;
    process.stderr.write(`\rspecledger: indexing ${done}/${total} files…${done >= total ? '\n' : ''}`);
  };
}
