// Frontmatter: metadata fields, unknown keys kept, and broken frontmatter reported at the right file:line.
import { describe, expect, it } from 'vitest';
import { parse, parseDoc } from '../helpers/parse.js';

describe('frontmatter fields', () => {
  it('fill the spec metadata, with single values accepted where lists are expected', () => {
    const doc = parseDoc(
      'specs/auth.md',
      [
        '---',
        'id: auth',
        'title: Authentication',
        'summary: Keys and tokens.',
        'version: 1.4.0',
        'status: Approved',
        'owners: security-team',
        'reviewers: [alice, bob]',
        'applies_to: ["src/auth/**"]',
        'supersedes: auth-v0',
        'tags: [security]',
        'inclusion: always',
        'x-custom: kept',
        '---',
        '# Authentication',
      ].join('\n'),
    );
    expect(doc).toMatchObject({
      id: 'auth',
      title: 'Authentication',
      summary: 'Keys and tokens.',
      version: '1.4.0',
      status: 'approved',
      owners: ['security-team'],
      reviewers: ['alice', 'bob'],
      appliesTo: ['src/auth/**'],
      supersedes: ['auth-v0'],
      tags: ['security'],
      inclusion: 'always',
      bodyLine: 15,
    });
    expect(doc.frontmatter['x-custom']).toBe('kept');
    expect(doc.problems).toEqual([]);
  });

  it('keeps a numeric version as written', () => {
    expect(parseDoc('v.md', '---\nversion: 2\n---\n').version).toBe('2');
  });

  it('defaults the spec ID to the path without .md', () => {
    expect(parseDoc('specs/features/001-refunds/spec.md', '---\ntitle: Refunds\n---\n').id).toBe(
      'specs/features/001-refunds/spec',
    );
  });
});

describe('malformed frontmatter', () => {
  it('makes the file unservable with a problem at the line of the YAML error', () => {
    const text = ['---', 'id: broken', 'owners:', '  - alice', ' - bob', '---', '# Broken', ''].join('\n');
    const { doc, problems } = parse('specs/broken.md', text);
    expect(doc).toBeNull();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      file: 'specs/broken.md',
      line: 5,
      rule: 'frontmatter-syntax',
      severity: 'error',
    });
    expect(problems[0]!.message).toMatch(/invalid YAML/);
  });

  it('reports an error on the second line as line 2', () => {
    const { doc, problems } = parse('b.md', '---\nkey: : bad\n---\n');
    expect(doc).toBeNull();
    expect(problems[0]).toMatchObject({ line: 2, rule: 'frontmatter-syntax' });
  });

  it('reports the line of the YAML error in a CRLF file the same way', () => {
    const { problems } = parse('c.md', '---\r\nid: c\r\ntitle: "unterminated\r\n---\r\n# C\r\n');
    expect(problems[0]?.rule).toBe('frontmatter-syntax');
    expect(problems[0]!.line).toBeGreaterThanOrEqual(3);
    expect(problems[0]!.line).toBeLessThanOrEqual(4);
  });

  it('reports an unclosed --- block on line 1 and does not serve the file', () => {
    const { doc, problems } = parse('open.md', '---\nid: open\ntitle: Never closed\n\n# Open\n\n## Part\n');
    expect(doc).toBeNull();
    expect(problems).toEqual([
      expect.objectContaining({ file: 'open.md', line: 1, rule: 'frontmatter-syntax', severity: 'error' }),
    ]);
    expect(problems[0]!.message).toMatch(/never closed/);
  });
});

describe('invalid field values', () => {
  it('report an unknown status at its line and serve the spec with the default status', () => {
    const text = '---\nid: g\ntitle: G\nstatus: shipped\nversion: 1.0.0\n---\n# G\n\n## A {#a}\n';
    const { doc, problems } = parse('g.md', text);
    expect(problems).toEqual([
      expect.objectContaining({ file: 'g.md', line: 4, rule: 'frontmatter-schema', severity: 'error' }),
    ]);
    expect(problems[0]!.message).toContain('shipped');
    expect(problems[0]!.hint).toContain('approved');
    expect(doc).not.toBeNull();
    expect(doc!).toMatchObject({ id: 'g', version: '1.0.0', status: 'draft' });
    expect(doc!.clauses.map((c) => c.ref)).toEqual(['g#a']);
  });

  it('report a spec ID with characters a reference cannot carry, and fall back to the path', () => {
    const { doc, problems } = parse('odd.md', '---\nid: "has space#hash"\n---\n');
    expect(problems).toEqual([expect.objectContaining({ line: 2, rule: 'frontmatter-schema' })]);
    expect(doc!.id).toBe('odd');
  });

  it('lose only the bad field: the others are still used', () => {
    const { doc, problems } = parse('p.md', '---\nid: p\ntitle: ""\nversion: 3.0.0\n---\n');
    expect(problems.map((p) => [p.rule, p.line])).toEqual([['frontmatter-schema', 3]]);
    expect(doc).toMatchObject({ id: 'p', version: '3.0.0', title: 'p' });
  });
});
