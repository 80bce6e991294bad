// A serialization memo for tool results whose structured content never changes once rendered.
//
// A get_clause answer carries the clause text twice (the text block and structuredContent.text); escaping it into
// JSON was ~10 µs of every call on the HTTP fast path, though the render cache hands back the same objects for
// an unchanged clause. Objects registered here are deep-frozen, so their JSON can be kept next to them.

const immutable = new WeakSet<object>();
interface ResultJson {
  text: string;
  json: string;
  /** `json` in UTF-8, made on first use: a clause's JSON is a two-byte string, slow to encode (~4 µs at 5 KB). */
  bytes: Buffer | undefined;
}

/** structuredContent → the JSON of the last result built around it, and that result's text. */
const resultJson = new WeakMap<object, ResultJson>();

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}

/**
 * Declares a freshly built structured result immutable: deep-freezes it (a later write throws instead of
 * leaving a stale serialization behind) and lets the HTTP fast path reuse its JSON. Only for objects owned by
 * the caller: everything reachable from it is frozen.
 */
export function markImmutable<T extends object>(value: T): T {
  deepFreeze(value);
  immutable.add(value);
  return value;
}

const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/**
 * JSON.stringify(result), reused when result is `{ content: [{ type: 'text', text }], structuredContent }` around
 * an immutable structuredContent and the same text as last time; undefined for any other shape.
 */
function toolResultJson(result: unknown): ResultJson | undefined {
  if (!isPlain(result)) return undefined;
  const structured = result.structuredContent;
  if (typeof structured !== 'object' || structured === null || !immutable.has(structured)) return undefined;
  const keys = Object.keys(result);
  if (keys.length !== 2 || keys[0] !== 'content' || keys[1] !== 'structuredContent') return undefined;
  const content = result.content;
  if (!Array.isArray(content) || content.length !== 1) return undefined;
  const block = content[0] as unknown;
  if (!isPlain(block) || block.type !== 'text') return undefined;
  const blockKeys = Object.keys(block);
  if (blockKeys.length !== 2 || blockKeys[0] !== 'type' || blockKeys[1] !== 'text') return undefined;
  const text = block.text;
  if (typeof text !== 'string') return undefined;
  const cached = resultJson.get(structured);
  if (cached !== undefined && cached.text === text) return cached;
  const fresh: ResultJson = { text, json: JSON.stringify(result), bytes: undefined };
  resultJson.set(structured, fresh);
  return fresh;
}

/**
 * The memoized result of a plain `{ result, jsonrpc, id }` answer (any key order), with the JSON of the keys
 * before and after it; undefined for any other message.
 */
function splitAnswer(message: unknown): { head: string; result: ResultJson; tail: string } | undefined {
  if (!isPlain(message) || !isPlain(message.result)) return undefined;
  const keys = Object.keys(message);
  if (keys.length > 3) return undefined;
  const result = toolResultJson(message.result);
  if (result === undefined) return undefined;
  let head = '{';
  let tail = '';
  let seen = false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key === 'result') {
      head += `${i === 0 ? '' : ','}"result":`;
      seen = true;
      continue;
    }
    const value = message[key];
    if ((key !== 'jsonrpc' && key !== 'id') || (typeof value !== 'string' && typeof value !== 'number'))
      return undefined;
    const part = `,"${key}":${JSON.stringify(value)}`;
    if (seen) tail += part;
    else head += i === 0 ? part.slice(1) : part;
  }
  return { head, result, tail: `${tail}}` };
}

/** JSON.stringify(message) for one JSON-RPC message, byte for byte, reusing a memoized tool result. */
export function stringifyMessage(message: unknown): string {
  const split = splitAnswer(message);
  return split === undefined ? JSON.stringify(message) : split.head + split.result.json + split.tail;
}

/**
 * The same JSON, already in UTF-8 when the message wraps a memoized tool result (its bytes are encoded once and
 * copied after that); a string otherwise.
 */
export function serializeMessage(message: unknown): string | Buffer {
  const split = splitAnswer(message);
  if (split === undefined) return JSON.stringify(message);
  const { head, result, tail } = split;
  result.bytes ??= Buffer.from(result.json, 'utf8');
  const headBytes = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headBytes + result.bytes.length + Buffer.byteLength(tail));
  out.write(head, 0, 'utf8');
  result.bytes.copy(out, headBytes);
  out.write(tail, headBytes + result.bytes.length, 'utf8');
  return out;
}
