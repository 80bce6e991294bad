// Small statistics helpers for the benchmark suite: medians, percentiles, ratios, rounding.

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an unsorted list; sorts a copy. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const xs = Float64Array.from(values).sort();
  const rank = Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1));
  return xs[rank];
}

export function round(value, digits = 0) {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function ratio(value, baseline) {
  return baseline > 0 ? round(value / baseline, 3) : null;
}
