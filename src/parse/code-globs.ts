// `applies_to` globs compiled for linear-time matching: a hostile glob can cost a path test microseconds, not minutes.
import { LRUCache } from 'lru-cache';
import { RE2JS } from 're2js';

/**
 * Glob syntax, as picomatch with `dot: true` reads it: `**` as a whole segment spans any number of folders,
 * `*` and `?` stay inside one segment, `[...]` / `[!...]` classes (POSIX `[:alpha:]` too), `{a,b}` alternatives
 * (nested), `\` escapes, and a leading `!` negates. Extglobs (`@(…)`, `*(…)`, `+(…)`, `?(…)`, `!(…)`) are
 * refused: a backtracking engine runs `@(a*)*(a*)*(a*)*(a*)b` for 22 s on a 26-character path, and even
 * `*a*a*a*b` takes 1.5 s on one 255-character segment, so globs are translated to RE2 syntax and matched by
 * re2js, whose automaton never backtracks.
 */
export type CompiledGlob = { ok: true; test(path: string): boolean } | { ok: false; reason: string };

/** Longer globs are typos or attacks; the longest in the real corpora is under 100 characters. */
const MAX_GLOB_LENGTH = 1024;

export function compileCodeGlob(glob: string): CompiledGlob {
  if (glob.length === 0) return { ok: false, reason: 'is empty' };
  if (glob.length > MAX_GLOB_LENGTH) return { ok: false, reason: `is over ${MAX_GLOB_LENGTH} characters` };
  const negated = glob.startsWith('!');
  const body = negated ? glob.slice(1) : glob;
  const source = translate(body);
  if (typeof source !== 'string') return { ok: false, reason: source.error };
  let re: RE2JS;
  try {
    re = RE2JS.compile(`^(?:${source})$`);
  } catch (error) {
    return { ok: false, reason: `is not a valid glob (${(error as Error).message})` };
  }
  return { ok: true, test: (path) => re.matches(path) !== negated };
}

export interface GlobCompiler {
  compile(glob: string): CompiledGlob;
}

/**
 * compileCodeGlob, each distinct glob once: re2js takes ~0.5 ms to compile one (a test takes microseconds), and the
 * specs of one area share their globs (`src/payments/**`), so a load of 459 files compiled the same dozen globs
 * 459 times (0.2 s of a 9-root start-up). Bounded, as the globs of a hostile tree are many.
 */
export function createGlobCompiler(max = 4096): GlobCompiler {
  const known = new LRUCache<string, CompiledGlob>({ max });
  return {
    compile(glob) {
      let compiled = known.get(glob);
      if (!compiled) {
        compiled = compileCodeGlob(glob);
        known.set(glob, compiled);
      }
      return compiled;
    },
  };
}

/** Glob → RE2 source, segment by segment, or the reason the glob is refused. */
function translate(glob: string): string | { error: string } {
  // `**/**` spans no more than `**` does.
  const segments = glob.split('/').filter((seg, i, all) => !(seg === '**' && all[i - 1] === '**'));
  let out = '';
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    if (seg === '**') {
      // `a/**/b` also matches `a/b`; a trailing `/**` also matches the folder itself.
      if (last) out += i === 0 ? '.*' : '(?:/.*)?';
      else out += i === 0 ? '(?:[^/]*(?:/[^/]*)*/)?' : '/(?:[^/]*/)*';
      continue;
    }
    const part = translateSegment(seg);
    if (typeof part !== 'string') return part;
    const joinsPrevious = i > 0 && segments[i - 1] !== '**';
    out += (joinsPrevious ? '/' : '') + part;
  }
  return out;
}

function translateSegment(seg: string): string | { error: string } {
  let out = '';
  /** One entry per open `{`: whether it is an alternation (or a literal brace). */
  const braces: boolean[] = [];
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    const next = seg[i + 1];
    if ('@*+?!'.includes(ch) && next === '(') {
      return { error: `uses an extglob ("${ch}("), which applies_to does not support` };
    }
    if (ch === '\\') {
      if (next !== undefined) out += escapeLiteral(next);
      i++;
    } else if (ch === '*') {
      while (seg[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '[') {
      const end = classEnd(seg, i);
      if (end === -1) out += '\\[';
      else {
        let inner = seg.slice(i + 1, end);
        const negate = inner.startsWith('!') || inner.startsWith('^');
        if (negate) inner = inner.slice(1);
        out += `[${negate ? '^/' : ''}${inner.replace(/\\(?!\\)/g, '\\\\').replace(/\//g, '')}]`;
        i = end;
      }
    } else if (ch === '{') {
      const alternation = hasAlternatives(seg, i);
      braces.push(alternation);
      out += alternation ? '(?:' : '\\{';
    } else if (ch === ',' && braces.at(-1) === true) {
      out += '|';
    } else if (ch === '}' && braces.length > 0) {
      out += braces.pop() ? ')' : '\\}';
    } else {
      out += escapeLiteral(ch);
    }
  }
  return braces.length === 0 ? out : { error: 'has an unclosed "{"' };
}

/** Index of the `]` closing the class opened at `start`, or -1 when it is a literal `[`. */
function classEnd(seg: string, start: number): number {
  let i = start + 1;
  if (seg[i] === '!' || seg[i] === '^') i++;
  if (seg[i] === ']') i++;
  for (; i < seg.length; i++) {
    if (seg[i] === '[' && seg[i + 1] === ':') {
      const close = seg.indexOf(':]', i + 2);
      if (close !== -1) i = close + 1;
    } else if (seg[i] === ']') return i;
  }
  return -1;
}

/** `{a,b}` is an alternation only when a comma sits at its own nesting level before the matching `}`. */
function hasAlternatives(seg: string, start: number): boolean {
  let depth = 0;
  for (let i = start; i < seg.length; i++) {
    const ch = seg[i];
    if (ch === '\\') i++;
    else if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return false;
    } else if (ch === ',' && depth === 1) return true;
  }
  return false;
}

function escapeLiteral(ch: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(ch) ? `\\${ch}` : ch;
}

/** One test for a spec's globs: true when any of them matches; globs that do not compile match nothing. */
export function anyCodeGlob(globs: readonly string[]): (path: string) => boolean {
  const tests = globs.flatMap((glob) => {
    const compiled = compileCodeGlob(glob);
    return compiled.ok ? [compiled.test] : [];
  });
  return (path) => tests.some((test) => test(path));
}
