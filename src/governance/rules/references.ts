// broken-ref: `SPEC#CLAUSE` references in spec text that name no spec or no clause.
import { SpecLedgerError } from '../../errors.js';
import type { Finding } from '../types.js';
import type { SnapshotRule } from './context.js';

/** `spec#clause`, not preceded by anything that would make it part of a longer token (a path, a URL, an email). */
const REF_RE = /(?<![\w./#@:%~+=-])([a-z0-9][\w./-]*)#([\w.-]+)/g;
/** URLs, `<autolinks>` and Markdown link targets name files and web pages, not clauses. */
const LINK_RE =
  /<[^>\s]+>|\b[a-z][a-z0-9+.-]*:\/\/[^\s)>\]`]*|\bwww\.[^\s)>\]`]+|\]\([^)]*\)|^\s*\[[^\]]+\]:\s*\S+/gi;
/** A spec part ending like a file name is a relative link with a heading anchor (`guide.md#setup`). */
const FILE_LIKE_RE = /\.(md|markdown|mdx|html?|txt|rst|adoc|json|ya?ml|[jt]sx?|py|go|rs|java|rb|sh)$/i;

export const brokenRefs: SnapshotRule = ({ snapshot, prose }) => {
  const findings: Finding[] = [];
  const verdicts = new Map<string, RefError | null>();
  const check = (ref: string): RefError | null => {
    let verdict = verdicts.get(ref);
    if (verdict === undefined) {
      verdict = resolveError(snapshot.resolve, ref);
      verdicts.set(ref, verdict);
    }
    return verdict;
  };
  for (const spec of snapshot.specs) {
    if (!spec.body.includes('#')) continue;
    const lines = spec.body.split('\n');
    // markdown-it runs only on files with a candidate, to find which of them sit in code blocks.
    let code: Set<number> | undefined;
    lines.forEach((raw, i) => {
      if (!raw.includes('#')) return;
      const line = raw.replace(LINK_RE, (m) => ' '.repeat(m.length));
      for (const m of line.matchAll(REF_RE)) {
        const specPart = m[1]!;
        const clausePart = m[2]!.replace(/[.-]+$/, '');
        if (clausePart === '' || FILE_LIKE_RE.test(specPart)) continue;
        code ??= prose.codeLines(spec.body);
        if (code.has(i)) return;
        const ref = `${specPart}#${clausePart}`;
        const error = check(ref);
        if (error === null || (error.specMissing && /^\d+$/.test(clausePart))) continue;
        findings.push({
          rule: 'broken-ref',
          severity: 'error',
          file: spec.path,
          line: spec.bodyLine + i,
          message: `reference ${ref} does not resolve: ${error.message}`,
          hint:
            error.candidates.length > 0
              ? `replace it with ${error.candidates[0]}, or give the target clause this ID with an anchor {#id}`
              : 'point it at an existing SPEC#CLAUSE, or give the target clause this ID with an anchor {#id}',
        });
      }
    });
  }
  return findings;
};

interface RefError {
  message: string;
  candidates: readonly string[];
  /** The part before `#` names no spec: `word#123` is then an issue number, not a clause reference. */
  specMissing: boolean;
}

function resolveError(resolve: (ref: string) => unknown, ref: string): RefError | null {
  try {
    resolve(ref);
    return null;
  } catch (error) {
    if (!(error instanceof SpecLedgerError)) throw error;
    return {
      message: error.message,
      candidates: error.candidates,
      specMissing: !resolves(resolve, `${ref.slice(0, ref.indexOf('#'))}#`),
    };
  }
}

function resolves(resolve: (ref: string) => unknown, ref: string): boolean {
  try {
    resolve(ref);
    return true;
  } catch {
    return false;
  }
}
