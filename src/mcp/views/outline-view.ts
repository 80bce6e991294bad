// get_outline's view: a spec's clause tree to a depth, with token costs and no bodies.
import { shownVersion, statusLabel } from '../../parse/labels.js';
import type { SpecDoc } from '../../parse/types.js';

interface OutlineView {
  spec: {
    id: string;
    title: string;
    version: string;
    status: string;
    summary: string;
    tokens: number;
    path: string;
  };
  clauses: Array<{ ref: string; id: string; title: string; depth: number; tokens: number }>;
  /** Clauses deeper than `depth`, not listed. */
  hidden: number;
}

export function viewOutline(spec: SpecDoc, depth: number): OutlineView {
  const shown = spec.clauses.filter((c) => c.depth <= depth);
  return {
    spec: {
      id: spec.id,
      title: spec.title,
      version: shownVersion(spec),
      status: spec.role,
      summary: spec.summary,
      tokens: spec.tokens,
      path: spec.path,
    },
    clauses: shown.map((c) => ({ ref: c.ref, id: c.id, title: c.title, depth: c.depth, tokens: c.tokens })),
    hidden: spec.clauses.length - shown.length,
  };
}

/** Item titles (the first line of a requirement) are cut here in outlines: enough to choose, cheap to list. */
const OUTLINE_TITLE_CHARS = 72;

/**
 * `relative` writes each clause as `id: title` under one header naming the spec, instead of repeating
 * the full SPEC#CLAUSE on every line: on long path-derived spec IDs that halves an outline's tokens.
 */
export function renderOutline(view: OutlineView, options: { relative?: boolean } = {}): string {
  const s = view.spec;
  // Relative outlines name the ref pattern once, in the header: `spec#<id>`.
  const head = `${options.relative ? `${s.id}#<id>` : s.id} — ${s.title} [${statusLabel(s.status, s.version)}, ${s.tokens} tokens]`;
  const lines = view.clauses.map((c) => {
    const title =
      c.title.length > OUTLINE_TITLE_CHARS ? `${c.title.slice(0, OUTLINE_TITLE_CHARS - 1)}…` : c.title;
    const name = options.relative ? `${c.id}:` : `${c.ref} —`;
    return `${'  '.repeat(c.depth - 1)}- ${name} ${title} (${c.tokens})`;
  });
  const more = view.hidden > 0 ? [`(${view.hidden} deeper clauses; raise depth to list them)`] : [];
  return [head, ...lines, ...more].join('\n');
}
