// A serialization memo for tool results whose structured content never changes once rendered.
//
// A get_clause answer carries the clause text twice (the text block and structuredContent.text); escaping it into
// JSON was ~10 µs of every call on the HTTP fast path, though the render cache hands back the same objects for
// an unchanged clause. Objects registered here are deep-frozen, so their JSON can be kept next to them.

const immutable = new WeakSet<object>();
/** structuredContent → the JSON of the last result built around it, and that result's text. */
const resultJson = new WeakMap<object, { text: string; json: string }>();

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
function toolResultJson(result: unknown): string | undefined {
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
  if (cached !== undefined && cached.text === text) return cached.json;
  const json = JSON.stringify(result);
  resultJson.set(structured, { text, json });
  return json;
}

/**
 * JSON.stringify(message) for one JSON-RPC message, byte for byte, reusing a memoized tool result when the
 * message is a plain `{ result, jsonrpc, id }` answer (any key order) around one.
 */
export function stringifyMessage(message: unknown): string {
  if (isPlain(message) && isPlain(message.result)) {
    const keys = Object.keys(message);
    if (keys.length <= 3) {
      const result = toolResultJson(message.result);
      if (result !== undefined) {
        let out = '{';
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i] as string;
          const value = message[key];
          let json: string | undefined;
          if (key === 'result') json = result;
          else if (key === 'jsonrpc' || key === 'id') {
            if (typeof value !== 'string' && typeof value !== 'number') return JSON.stringify(message);
            json = JSON.stringify(value);
          } else return JSON.stringify(message);
          out += `${i === 0 ? '' : ','}"${key}":${json}`;
        }
        return `${out}}`;
      }
    }
  }
  return JSON.stringify(message);
}
