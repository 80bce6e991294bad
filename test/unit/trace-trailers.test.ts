// Trailers: the lines get_provenance offers an agent to paste, and the run IDs a commit message declares.
import { describe, expect, it } from 'vitest';
import {
  addTrailer,
  declaredRuns,
  parseTrailerLines,
  specRefTrailers,
  type TrailerRead,
} from '../../src/trace/trailers.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

function read(
  seq: number,
  spec: string | null,
  clause: string | null,
  digest: string | null,
  kind = 'clause',
): TrailerRead {
  return { seq, kind: kind as TrailerRead['kind'], spec_id: spec, clause_id: clause, digest };
}

describe('specRefTrailers', () => {
  it('cites each clause once, at the version read last, with an 8-hex digest, after the run', () => {
    const lines = specRefTrailers('run-7', [
      read(1, 'auth', null, d('0'), 'outline'),
      read(2, 'auth', 'token-lifetime', d('1')),
      read(3, null, null, null, 'search'),
      read(4, 'errors', 'envelope', d('2')),
      read(5, 'auth', 'token-lifetime', d('3')),
    ]);
    expect(lines).toEqual([
      'Spec-Run: run-7',
      'Spec-Refs: auth#token-lifetime@33333333',
      'Spec-Refs: errors#envelope@22222222',
    ]);
  });

  it('gives the run line alone when nothing was read', () => {
    expect(specRefTrailers('run-8', [])).toEqual(['Spec-Run: run-8']);
  });

  it('keeps every trailer on one line whatever the run ID holds', () => {
    expect(specRefTrailers('a\nb', [])).toEqual(['Spec-Run: a b']);
  });
});

describe('declaredRuns', () => {
  it('takes Spec-Run first, then an agent session trailer, whatever the key case', () => {
    const trailers = parseTrailerLines([
      'Claude-Session: sess-1',
      'spec-run: run-1',
      'Signed-off-by: Dev <d@x>',
      'Spec-Run: run-1',
    ]);
    expect(declaredRuns(trailers)).toEqual([
      { run: 'run-1', key: 'spec-run' },
      { run: 'sess-1', key: 'Claude-Session' },
    ]);
  });
});

describe('addTrailer', () => {
  it('puts the trailer after the subject, or in the trailer block already there, above the comments', () => {
    expect(addTrailer('Fix tokens\n', 'Spec-Run', 'r1')).toBe('Fix tokens\n\nSpec-Run: r1\n');
    expect(
      addTrailer(
        'Fix tokens\n\nBody.\n\nSigned-off-by: Dev <d@x>\n# Please enter the message\n',
        'Spec-Run',
        'r1',
      ),
    ).toBe('Fix tokens\n\nBody.\n\nSigned-off-by: Dev <d@x>\nSpec-Run: r1\n# Please enter the message\n');
    expect(addTrailer('Fix\n\nBody: not a trailer block? it is prose.\nMore prose\n', 'Spec-Run', 'r1')).toBe(
      'Fix\n\nBody: not a trailer block? it is prose.\nMore prose\n\nSpec-Run: r1\n',
    );
  });

  it('leaves the diff below the scissors line alone, and honours another comment character', () => {
    const verbose = 'Fix\n; ------------------------ >8 ------------------------\ndiff --git a/x b/x\n';
    expect(addTrailer(verbose, 'Spec-Run', 'r1', ';')).toBe(
      'Fix\n\nSpec-Run: r1\n; ------------------------ >8 ------------------------\ndiff --git a/x b/x\n',
    );
  });

  it('changes nothing when the trailer is there, or when the message is still empty', () => {
    expect(addTrailer('Fix\n\nSpec-Run: r1\n', 'Spec-Run', 'r1')).toBeNull();
    expect(addTrailer('\n# Please enter the commit message\n', 'Spec-Run', 'r1')).toBeNull();
  });
});
