// Word-set similarity for audit's pairings (titles, instruction subjects); clause text uses lint's shingle join.

/** |a ∩ b| / |a ∪ b|; 0 for two empty sets. */
export function setJaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let common = 0;
  for (const w of a) if (b.has(w)) common++;
  const union = a.size + b.size - common;
  return union === 0 ? 0 : common / union;
}
