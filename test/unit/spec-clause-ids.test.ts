// Clause IDs: explicit anchors, bold IDs, format conventions and derived slugs, in that order (DESIGN.md).
import { describe, expect, it } from 'vitest';
import { parseAnchor, parseBoldId, plainTitle, slugify } from '../../src/parse/clause-ids.js';
import { clauseById, parse, parseDoc } from '../helpers/parse.js';

describe('heading anchors', () => {
  it('takes the ID from a trailing {#id} and drops it from the title', () => {
    const doc = parseDoc('auth.md', '# Auth\n\n## Rate limits {#rate-limits}\n\nText.\n');
    const clause = clauseById(doc, 'rate-limits');
    expect(clause).toMatchObject({
      title: 'Rate limits',
      idSource: 'anchor',
      ref: 'auth#rate-limits',
      attrs: {},
    });
  });

  it('keeps the attributes written after the ID, as the Model Spec writes them', () => {
    const doc = parseDoc(
      'model_spec.md',
      '## Follow all applicable instructions {#follow_all_applicable_instructions authority=root}\n\nBody.\n',
    );
    const clause = clauseById(doc, 'follow_all_applicable_instructions');
    expect(clause.title).toBe('Follow all applicable instructions');
    expect(clause.attrs).toEqual({ authority: 'root' });
  });

  it('reads quoted attribute values and bare flags', () => {
    expect(parseAnchor('Q {#q owner="platform team" experimental}')).toEqual({
      id: 'q',
      attrs: { owner: 'platform team', experimental: 'true' },
      title: 'Q',
    });
  });

  it('ignores braces that are not a trailing anchor', () => {
    expect(parseAnchor('Use {#id} syntax in headings')).toBeNull();
    expect(parseAnchor('Config {key: value}')).toBeNull();
  });

  it('prefers an anchor over a format convention', () => {
    const doc = parseDoc('.kiro/specs/f/requirements.md', '# R\n\n### Requirement 3 {#login}\n\ntext\n');
    expect(clauseById(doc, 'login').idSource).toBe('anchor');
    expect(doc.clauses.map((c) => c.id)).not.toContain('req-3');
  });
});

describe('bold IDs', () => {
  it('makes a list item opened by **FR-001**: a clause with that ID', () => {
    const doc = parseDoc(
      'specs/001-x/spec.md',
      '## Functional Requirements\n\n- **FR-001**: System MUST log in.\n- **FR-002**: System MUST log out.\n',
    );
    const fr1 = clauseById(doc, 'FR-001');
    expect(fr1).toMatchObject({
      idSource: 'bold',
      kind: 'item',
      title: 'System MUST log in.',
      text: '- **FR-001**: System MUST log in.',
    });
    expect(clauseById(doc, 'FR-002').parentId).toBe('functional-requirements');
  });

  it('makes a paragraph opened by **AUTH-7** a clause, with or without a colon', () => {
    const doc = parseDoc(
      'auth.md',
      '# Auth\n\n**AUTH-7** Keys MUST rotate.\n\n**AUTH-8**: Revocation within 60 s.\n',
    );
    expect(clauseById(doc, 'AUTH-7')).toMatchObject({ idSource: 'bold', title: 'Keys MUST rotate.' });
    expect(clauseById(doc, 'AUTH-8').title).toBe('Revocation within 60 s.');
  });

  it('does not treat bold words without a number as IDs', () => {
    const doc = parseDoc(
      'a.md',
      '# A\n\n- **Note**: not an ID\n\n**WHEN** something happens\n\n- **User Input**: a key entity\n',
    );
    expect(doc.clauses).toEqual([]);
  });

  it('titles an item with its text after the ID', () => {
    const doc = parseDoc('s.md', '# S\n\n- **SC-002.a**: Refunds settle within 5 days.\n');
    expect(clauseById(doc, 'SC-002.a').title).toBe('Refunds settle within 5 days.');
  });

  it('does not take a bold ID from the middle of an item', () => {
    const doc = parseDoc('a.md', '# A\n\n- see **FR-001** for details\n');
    expect(doc.clauses).toEqual([]);
  });

  it('recognises the usual requirement ID shapes', () => {
    expect(parseBoldId('**FR-001**: System MUST')).toBe('FR-001');
    expect(parseBoldId('**SC-002.a** text')).toBe('SC-002.a');
    expect(parseBoldId('**FR-003b**: text')).toBe('FR-003b');
    expect(parseBoldId('**NFR_SEC-12**: text')).toBe('NFR_SEC-12');
    expect(parseBoldId('**R1** text')).toBe('R1');
    expect(parseBoldId('**fr-001** lower case')).toBeNull();
    expect(parseBoldId('text **FR-001**')).toBeNull();
  });
});

describe('format conventions', () => {
  it('gives Kiro "Requirement N" headings req-N and their numbered acceptance criteria req-N.M', () => {
    const doc = parseDoc(
      '.kiro/specs/login/requirements.md',
      [
        '# Requirements Document',
        '',
        '### Requirement 3',
        '',
        '**User Story:** As a user, I want to log in.',
        '',
        '#### Acceptance Criteria',
        '',
        '1. WHEN the password is right THEN the system SHALL log the user in',
        '2. WHEN it is wrong THEN the system SHALL refuse',
        '',
      ].join('\n'),
    );
    expect(clauseById(doc, 'req-3')).toMatchObject({ idSource: 'format', title: 'Requirement 3' });
    expect(clauseById(doc, 'req-3.1')).toMatchObject({
      idSource: 'format',
      kind: 'item',
      title: 'WHEN the password is right THEN the system SHALL log the user in',
    });
    expect(clauseById(doc, 'req-3.2').line).toBe(10);
    // The criteria sit under "Acceptance Criteria", which sits under the requirement.
    expect(clauseById(doc, 'req-3.1').parentId).toBe('acceptance-criteria');
    expect(clauseById(doc, 'acceptance-criteria').parentId).toBe('req-3');
  });

  it('gives Kiro "Requirement N: Title" headings req-N too', () => {
    const doc = parseDoc('.kiro/specs/x/requirements.md', '# R\n\n### Requirement 12: Fade effect\n');
    expect(clauseById(doc, 'req-12').title).toBe('Requirement 12: Fade effect');
  });

  it('gives Kiro task list items task-N and task-N.M', () => {
    const doc = parseDoc(
      '.kiro/specs/x/tasks.md',
      '# Tasks\n\n- [ ] 1. Set up\n  - [ ] 1.1 Write the model\n- [x] 2. Ship\n',
    );
    expect(doc.clauses.map((c) => [c.id, c.depth])).toEqual([
      ['task-1', 1],
      ['task-1.1', 2],
      ['task-2', 1],
    ]);
  });

  it('does not number ordered lists outside a Kiro requirement', () => {
    const doc = parseDoc('.kiro/specs/x/design.md', '# Design\n\n## Steps\n\n1. First\n2. Second\n');
    expect(doc.clauses.map((c) => c.id)).toEqual(['steps']);
  });

  it('gives OpenSpec requirements req-<slug> and their scenarios req-<slug>.<slug>', () => {
    const doc = parseDoc(
      'openspec/specs/auth/spec.md',
      [
        '# auth Specification',
        '',
        '## Requirements',
        '### Requirement: Session expiry',
        'The system SHALL expire sessions.',
        '',
        '#### Scenario: Idle for an hour',
        '- **WHEN** the user is idle for 60 minutes',
        '- **THEN** the session ends',
        '',
      ].join('\n'),
    );
    expect(clauseById(doc, 'req-session-expiry')).toMatchObject({
      idSource: 'format',
      title: 'Requirement: Session expiry',
      depth: 2,
    });
    expect(clauseById(doc, 'req-session-expiry.idle-for-an-hour')).toMatchObject({
      idSource: 'format',
      title: 'Scenario: Idle for an hour',
      parentId: 'req-session-expiry',
      depth: 3,
    });
    // **WHEN** / **THEN** are keywords, not IDs.
    expect(doc.clauses).toHaveLength(3);
  });

  it('gives Spec Kit tasks their T-number and user stories us-N', () => {
    const tasks = parseDoc(
      'specs/001-login/tasks.md',
      '# Tasks\n\n## Phase 1\n\n- [ ] T001 Create the project\n- [X] T002 [P] Add the model\n',
    );
    expect(clauseById(tasks, 'T001')).toMatchObject({
      idSource: 'format',
      title: 'Create the project',
      parentId: 'phase-1',
    });
    expect(clauseById(tasks, 'T002').idSource).toBe('format');
    const spec = parseDoc(
      'specs/001-login/spec.md',
      '# Feature\n\n## User Scenarios\n\n### User Story 2 - Reset password (Priority: P2)\n\ntext\n',
    );
    expect(clauseById(spec, 'us-2')).toMatchObject({
      idSource: 'format',
      title: 'User Story 2 - Reset password (Priority: P2)',
    });
  });

  it("keeps a Spec Kit constitution principle's numeral in its ID", () => {
    const doc = parseDoc(
      '.specify/memory/constitution.md',
      '# Constitution\n\n## Core Principles\n\n### I. Library-First\n\ntext\n',
    );
    expect(clauseById(doc, 'principle-i-library-first').idSource).toBe('format');
  });

  it("applies a format's conventions only to files laid out in that format", () => {
    const doc = parseDoc(
      'notes.md',
      '# Notes\n\n### Requirement 3\n\n### Requirement: Session expiry\n\n- [ ] T001 task\n',
    );
    expect(doc.clauses.map((c) => [c.id, c.idSource])).toEqual([
      ['requirement-3', 'slug'],
      ['requirement-session-expiry', 'slug'],
    ]);
  });
});

describe('derived slugs', () => {
  it('falls back to a slug of the heading, marked as derived', () => {
    const doc = parseDoc('a.md', '# A\n\n## Getting Started: the `cli` (v2)\n');
    expect(doc.clauses[0]).toMatchObject({ id: 'getting-started-the-cli-v2', idSource: 'slug' });
  });

  it('qualifies a repeated slug with its parent so both stay addressable', () => {
    const doc = parseDoc('a.md', '# A\n\n## One\n\n### Details\n\n## Two\n\n### Details\n');
    expect(doc.clauses.map((c) => c.id)).toEqual(['one', 'details', 'two', 'two.details']);
    expect(doc.problems).toEqual([]);
  });

  it('keeps letters of any script', () => {
    expect(slugify('Überprüfung')).toBe('überprüfung');
    expect(slugify('日本語の見出し')).toBe('日本語の見出し');
    expect(slugify('Ça va?')).toBe('ça-va');
    expect(slugify('🚀 Launch')).toBe('launch');
    expect(slugify('***')).toBe('section');
  });
});

describe('clause titles', () => {
  it('strip inline markup but keep the words a reader sees', () => {
    expect(plainTitle('Use **bold** and `code` and [a link](http://x.example)')).toBe(
      'Use bold and code and a link',
    );
  });

  it('keep underscores inside words such as expires_in', () => {
    expect(plainTitle('The `expires_in` field')).toBe('The expires_in field');
    const doc = parseDoc(
      'auth.md',
      '# Auth\n\n- **AUTH-10**: `expires_in` in the token response is `900`.\n',
    );
    expect(clauseById(doc, 'AUTH-10').title).toBe('expires_in in the token response is 900.');
  });

  it('drop underscore emphasis around words', () => {
    expect(plainTitle('Do _not_ run __build__')).toBe('Do not run build');
  });
});

describe('duplicate clause IDs', () => {
  it('reports the second use with its line and still serves it under a suffixed ID', () => {
    const text = '---\nid: h\n---\n# H\n\n## A {#a}\n\nfirst\n\n## B {#a}\n\nsecond\n';
    const { doc, problems } = parse('h.md', text);
    expect(problems).toEqual([
      expect.objectContaining({ file: 'h.md', line: 10, rule: 'duplicate-clause-id', severity: 'error' }),
    ]);
    expect(problems[0]!.message).toContain('line 6');
    expect(clauseById(doc!, 'a').text).toContain('first');
    expect(clauseById(doc!, 'a-2')).toMatchObject({ title: 'B', line: 10 });
    expect(clauseById(doc!, 'a-2').text).toContain('second');
  });

  it("reads an item that repeats an earlier item's ID as a mention of it, with a warning at its line", () => {
    const { doc, problems } = parse(
      'tasks.md',
      '# T\n\n- **T019**: Validate\n\n## Dependencies\n\n- **T019** depends on T011\n',
    );
    expect(problems).toEqual([
      expect.objectContaining({ rule: 'duplicate-clause-id', severity: 'warning', line: 7 }),
    ]);
    expect(problems[0]!.message).toContain('line 3');
    expect(doc!.clauses.filter((c) => c.id.startsWith('T019')).map((c) => [c.id, c.title])).toEqual([
      ['T019', 'Validate'],
    ]);
  });
});
