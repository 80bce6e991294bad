// Parser and corpus problems (frontmatter schema/syntax, duplicate IDs, unreadable files) surfaced as findings.
import type { Problem } from '../../parse/types.js';
import type { Finding } from '../types.js';
import type { SnapshotRule } from './context.js';

/** The parser already says what is wrong and where; lint keeps its words and its severity. */
export const parserProblems: SnapshotRule = ({ snapshot }) => problemFindings(snapshot.problems);

/** Problems as findings, in the parser's words and at its severity, with a hint where the parser gave none. */
export const problemFindings = (problems: readonly Problem[]): Finding[] =>
  problems.map(
    (p): Finding => ({
      rule: p.rule,
      severity: p.severity,
      file: p.file,
      line: p.line,
      message: p.message,
      hint: p.hint ?? defaultHint(p.rule),
    }),
  );

function defaultHint(rule: string): string | undefined {
  switch (rule) {
    case 'binary':
      return 'remove the file from the spec root or rename it so it does not end in .md';
    case 'oversize':
      return 'split the file into several specs; an agent cannot be served one this large';
    case 'path-outside-root':
    case 'broken-link':
      return 'replace the symbolic link with the file itself, or move the target under the spec root';
    case 'unreadable':
      return 'check the file permissions';
    default:
      return undefined;
  }
}
