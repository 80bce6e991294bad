// JSON for answers that carry a cached tool result: JSON.stringify's exact output, made faster for a result built
// around a frozen structured object (the render cache's, see deepFreeze in mcp/tool-runner.ts).
//
// A get_clause answer carries the clause text twice (the text block and structuredContent.text); escaping it into
// JSON was ~10 µs of every call. The render cache hands back the same frozen object for an unchanged clause, so
// the JSON of it and of its text block can be kept next to it. The memo is per encoder (one per transport), and a
// frozen object cannot change under it.

import { isPlainObject as isPlain } from './json-rpc-shape.js';

/** `[{ "type": "text", "text": … }]` with exactly those keys in that order, or null. */
function onlyText(content: unknown): string | null {
  if (!Array.isArray(content) || content.length !== 1) return null;
  const block = content[0] as unknown;
  if (!isPlain(block) || typeof block.text !== 'string' || block.type !== 'text') return null;
  const keys = Object.keys(block);
  return keys.length === 2 && keys[0] === 'type' ? block.text : null;
}

/** The object's members as JSON.stringify writes them, with `replace` deciding some values' JSON. */
function members(
  value: Record<string, unknown>,
  replace: (key: string, v: unknown) => string | undefined,
): string {
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const v = value[key];
    const json = replace(key, v) ?? JSON.stringify(v);
    // JSON.stringify leaves out members whose value has no JSON (undefined, functions).
    if (json !== undefined) parts.push(`${JSON.stringify(key)}:${json}`);
  }
  return `{${parts.join(',')}}`;
}

type ResultEncoder = {
  /** JSON.stringify(message) for a JSON-RPC message, byte for byte. */
  message(message: unknown): string;
  /** JSON.stringify(result) for a tools/call result. */
  result(result: unknown): string;
};

export function createResultEncoder(): ResultEncoder {
  const memo = new WeakMap<object, { text: string; content: string; structured: string }>();
  const cached = (result: Record<string, unknown>) => {
    const structured = result.structuredContent;
    if (!isPlain(structured) || !Object.isFrozen(structured)) return undefined;
    const text = onlyText(result.content);
    if (text === null) return undefined;
    const hit = memo.get(structured);
    if (hit !== undefined && hit.text === text) return hit;
    const made = { text, content: JSON.stringify(result.content), structured: JSON.stringify(structured) };
    memo.set(structured, made);
    return made;
  };
  const result = (value: unknown): string => {
    const hit = isPlain(value) ? cached(value) : undefined;
    if (hit === undefined) return JSON.stringify(value);
    return members(value as Record<string, unknown>, (key) =>
      key === 'content' ? hit.content : key === 'structuredContent' ? hit.structured : undefined,
    );
  };
  return {
    result,
    message(message) {
      if (!isPlain(message) || !isPlain(message.result)) return JSON.stringify(message);
      return members(message, (key, v) => (key === 'result' ? result(v) : undefined));
    },
  };
}
