// The provenance note's format: what git stores, what survives git joining notes, and what is refused with a reason.
import { describe, expect, it } from 'vitest';
import {
  formatNote,
  MAX_NOTE_BYTES,
  MAX_NOTE_CLAUSES,
  type Note,
  type NoteClause,
  type NoteRun,
  parseNote,
} from '../../src/trace/note.js';

const COMMIT = 'c0ffee'.padEnd(40, '0');

function run(overrides: Partial<NoteRun> = {}): NoteRun {
  return {
    run: 'run-1',
    via: 'env',
    source: 'env',
    client: 'claude-code/2.1.0',
    through_seq: 7,
    omitted: 0,
    linked_at: '2026-12-01T10:00:00.000Z',
    ...overrides,
  };
}

function clause(overrides: Partial<NoteClause> = {}): NoteClause {
  return {
    run: 'run-1',
    ref: 'auth#token-lifetime',
    digest: `sha256:${'a'.repeat(64)}`,
    version: '1.4.0',
    status: 'approved',
    path: 'specs/auth.md',
    root: 'specs',
    commit: 'b'.repeat(40),
    ...overrides,
  };
}

describe('provenance notes', () => {
  it('reads back what it wrote', () => {
    const note: Note = {
      runs: [run()],
      clauses: [clause(), clause({ ref: 'errors#envelope', digest: `sha256:${'c'.repeat(64)}` })],
    };
    expect(parseNote(COMMIT, formatNote(note))).toEqual(note);
  });

  it('reads two notes git concatenated (amend, squash) as one, each run and clause once', () => {
    const a = formatNote({ runs: [run()], clauses: [clause()] });
    const b = formatNote({
      runs: [run({ run: 'run-2', via: 'ledger-guess' }), run({ through_seq: 9, via: 'ledger-guess' })],
      clauses: [clause(), clause({ run: 'run-2', ref: 'auth#rotation' })],
    });
    const joined = parseNote(COMMIT, `${a}\n${b}`);
    expect(joined.runs.map((r) => [r.run, r.via, r.through_seq])).toEqual([
      ['run-1', 'env', 9],
      ['run-2', 'ledger-guess', 7],
    ]);
    expect(joined.clauses.map((c) => `${c.run} ${c.ref}`)).toEqual([
      'run-1 auth#token-lifetime',
      'run-2 auth#rotation',
    ]);
  });

  it('reads a note whose lines git sorted (notes.rewriteMode cat_sort_uniq)', () => {
    const text = formatNote({ runs: [run()], clauses: [clause(), clause({ ref: 'auth#a' })] });
    const sorted = text.trim().split('\n').sort().join('\n');
    expect(parseNote(COMMIT, sorted).clauses).toHaveLength(2);
  });

  it('keeps each run within its clause limit and the note within its byte limit, counting what it left out', () => {
    const many = Array.from({ length: MAX_NOTE_CLAUSES + 50 }, (_, i) => clause({ ref: `big#c${i}` }));
    const text = formatNote({ runs: [run()], clauses: many });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_NOTE_BYTES);
    const note = parseNote(COMMIT, text);
    expect(note.clauses.length + (note.runs[0]?.omitted ?? 0)).toBe(MAX_NOTE_CLAUSES + 50);
    expect(note.runs[0]?.omitted).toBeGreaterThanOrEqual(50);

    const long = Array.from({ length: 150 }, (_, i) => clause({ ref: `big#${'x'.repeat(400)}${i}` }));
    const bounded = formatNote({ runs: [run()], clauses: long });
    expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(MAX_NOTE_BYTES);
    expect(parseNote(COMMIT, bounded).runs[0]?.omitted).toBeGreaterThan(0);
  });

  it('names the commit and the line when a note does not parse', () => {
    const text = `${formatNote({ runs: [run()], clauses: [] })}{not json\n`;
    expect(() => parseNote(COMMIT, text)).toThrow(
      /note on commit c0ffee000000 .*does not parse: line 2 is not JSON/,
    );
    expect(() => parseNote(COMMIT, 'hello world\n')).toThrow(/line 1 is not JSON/);
    expect(() => parseNote(COMMIT, '{"run":"x"}\n')).toThrow(
      /not a SpecLedger note: line 1 has no "specledger" format/,
    );
  });

  it('refuses a note from a newer format instead of half-reading it', () => {
    const text = `{"specledger":2,"run":"r","via":"env","linked_at":"x"}\n`;
    expect(() => parseNote(COMMIT, text)).toThrow(
      /note format 2, newer than the format 1 this SpecLedger reads: upgrade specledger/,
    );
  });

  it('says which field of which line is wrong', () => {
    const bad = `${formatNote({ runs: [run()], clauses: [] })}${JSON.stringify({ specledger: 1, ...clause({ digest: 'sha256:nothex' }) })}\n`;
    expect(() => parseNote(COMMIT, bad)).toThrow(/malformed clause on line 2: digest/);
    const orphan = `${JSON.stringify({ specledger: 1, ...clause({ run: 'ghost' }) })}\n`;
    expect(() => parseNote(COMMIT, orphan)).toThrow(/clause of run "ghost" but not the run itself/);
  });

  it('refuses a note too large to be one of its own', () => {
    expect(() => parseNote(COMMIT, 'x'.repeat(2 * 1024 * 1024))).toThrow(
      /over the 1048576 bytes SpecLedger reads/,
    );
  });
});
