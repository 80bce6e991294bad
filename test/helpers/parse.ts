// parseSpec with the real Markdown scanner and tokenizer, shared by the parser tests.
import { createParseContext, type ParseResult, parseSpec } from '../../src/parse/parse-spec.js';
import { createTokenCounter } from '../../src/parse/tokens.js';
import type { Clause, SpecDoc } from '../../src/parse/types.js';

const ctx = createParseContext(createTokenCounter());

export function parse(path: string, text: string): ParseResult {
  return parseSpec(path, text, ctx);
}

/** Parses a file that must be servable; fails the test with its problems otherwise. */
export function parseDoc(path: string, text: string): SpecDoc {
  const result = parse(path, text);
  if (!result.doc) throw new Error(`${path} was not served: ${JSON.stringify(result.problems)}`);
  return result.doc;
}

export function clauseById(doc: SpecDoc, id: string): Clause {
  const clause = doc.clauses.find((c) => c.id === id);
  if (!clause)
    throw new Error(`no clause "${id}" in ${doc.id}; have ${doc.clauses.map((c) => c.id).join(', ')}`);
  return clause;
}

/** [id, depth] pairs in document order: the shape of an outline. */
export function outlineOf(doc: SpecDoc): Array<[string, number]> {
  return doc.clauses.map((c) => [c.id, c.depth]);
}
