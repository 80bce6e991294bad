// Lint findings for CI: a SARIF 2.1.0 log (code scanning uploads it) and GitHub workflow commands (PR annotations).
import type { Finding, Severity } from './types.js';
import { LINT_RULES, PARSER_RULES } from './types.js';

export interface CiFormatOptions {
  /** Maps a root-relative finding path to the path CI sees (relative to the checkout, POSIX separators). */
  displayPath: (file: string) => string;
  /** The tool's own version, recorded in the SARIF log's driver. */
  toolVersion: string;
}

const SARIF_SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** SARIF's `level` for each severity: SARIF has no "info", its lowest actionable level is `note`. */
const SARIF_LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

/** GitHub's workflow-command names for each severity (`::notice` is its lowest). */
const GITHUB_COMMAND: Readonly<Record<Severity, 'error' | 'warning' | 'notice'>> = {
  error: 'error',
  warning: 'warning',
  info: 'notice',
};

/**
 * A SARIF 2.1.0 log with one run. Every rule lint knows is listed in the driver (so a code-scanning view can name
 * rules that found nothing this time), plus any rule a finding carries that the list lacks. Locations are relative
 * to `%SRCROOT%`, the checkout, which is what GitHub code scanning resolves them against.
 */
export function findingsToSarif(findings: readonly Finding[], options: CiFormatOptions): object {
  const ruleIds = [...Object.keys(LINT_RULES), ...PARSER_RULES];
  for (const f of findings) if (!ruleIds.includes(f.rule)) ruleIds.push(f.rule);
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'specledger',
            version: options.toolVersion,
            rules: ruleIds.map((id) => ({
              id,
              shortDescription: { text: ruleDescription(id) },
              ...(id in LINT_RULES
                ? { defaultConfiguration: { level: SARIF_LEVEL[LINT_RULES[id as keyof typeof LINT_RULES]] } }
                : {}),
            })),
          },
        },
        columnKind: 'unicodeCodePoints',
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule),
          level: SARIF_LEVEL[f.severity],
          message: { text: f.hint ? `${f.message}\nhint: ${f.hint}` : f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeUriPath(options.displayPath(f.file)), uriBaseId: '%SRCROOT%' },
                region: { startLine: Math.max(1, f.line) },
              },
              ...(f.ref === undefined ? {} : { logicalLocations: [{ fullyQualifiedName: f.ref }] }),
            },
          ],
        })),
      },
    ],
  };
}

/**
 * One `::error file=F,line=N,title=RULE::message` line per finding, GitHub Actions' workflow-command syntax. Values
 * are escaped as the Actions toolkit does (`%`, CR, LF everywhere; `:` and `,` in properties too), so a message
 * cannot end the command early or inject another.
 */
export function findingsToGithub(findings: readonly Finding[], options: CiFormatOptions): string {
  return findings
    .map((f) => {
      const props = [
        `file=${escapeProperty(options.displayPath(f.file))}`,
        `line=${Math.max(1, f.line)}`,
        `title=${escapeProperty(f.ref === undefined ? f.rule : `${f.rule} (${f.ref})`)}`,
      ].join(',');
      const text = f.hint ? `${f.message}\nhint: ${f.hint}` : f.message;
      return `::${GITHUB_COMMAND[f.severity]} ${props}::${escapeData(text)}`;
    })
    .join('\n');
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** A relative path as a URI reference: each segment percent-encoded, the separators kept. */
function encodeUriPath(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  'missing-owners': 'An approved spec has no owners.',
  'unstable-id': 'A clause in an approved spec has a heading-derived ID; add an explicit {#id}.',
  'version-not-bumped': 'Spec content changed since the base ref without a semver bump.',
  'clause-removed': 'A clause ID disappeared since the base ref without deprecation.',
  'standing-budget': 'The root and always-included clauses exceed the standing-instruction budget.',
  'near-duplicate': 'Near-identical clauses in different specs (forked policy).',
  'broken-ref': 'A SPEC#CLAUSE reference does not resolve.',
  drift: 'Code under applies_to changed after the spec last changed.',
};

function ruleDescription(id: string): string {
  return DESCRIPTIONS[id] ?? `A file SpecLedger cannot fully serve (${id}).`;
}
