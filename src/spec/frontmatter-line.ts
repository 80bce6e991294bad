// Where a frontmatter key is written, so a problem about its value points at its line.

/** The 1-based line of a top-level frontmatter key in `frontmatterText`, or `fallback` when it is not written. */
export function frontmatterLine(frontmatterText: string, key: string, fallback = 1): number {
  const lines = frontmatterText.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.startsWith(`${key}:`)) return i + 1;
  }
  return fallback;
}
