// parseRootArgs: ROOT arguments become named, real, separate folders by serve's rules, or a clear error before anything is read.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRootArgs } from '../../src/audit/roots.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('specledger-roots-');
  for (const dir of ['a/specs', 'b/specs', 'c', 'x/specs']) mkdirSync(tmp.at(dir), { recursive: true });
  writeFileSync(tmp.at('c/file.md'), '# file\n');
});
afterEach(() => tmp.remove());

describe('parseRootArgs', () => {
  it('names a root as given with NAME=DIR, else by its folder (and the folder holding a specs/ folder)', () => {
    const roots = parseRootArgs(['a/specs', 'pay=b/specs', 'x/specs'], tmp.dir);
    expect(roots).toEqual([
      { name: 'a-specs', path: tmp.at('a/specs') },
      { name: 'pay', path: tmp.at('b/specs') },
      { name: 'x-specs', path: tmp.at('x/specs') },
    ]);
  });

  it('refuses two roots that would share a name, saying how to name one', () => {
    mkdirSync(tmp.at('y/a/specs'), { recursive: true });
    expect(() => parseRootArgs(['a/specs', 'y/a/specs'], tmp.dir)).toThrow(/"a-specs" is also used by/);
  });

  it('resolves a symlinked root to the folder it names, and refuses the same folder twice', () => {
    symlinkSync(tmp.at('a'), tmp.at('link'));
    expect(parseRootArgs(['link'], tmp.dir)[0]!.path).toBe(tmp.at('a'));
    expect(() => parseRootArgs(['a', 'link'], tmp.dir)).toThrow(/root "link" is the same folder as root "a"/);
  });

  it('refuses a name given twice, a root inside another, a file, a missing folder and no roots', () => {
    expect(() => parseRootArgs(['p=a', 'p=b'], tmp.dir)).toThrow(
      'the root name "p" is also used by --specs p=a',
    );
    expect(() => parseRootArgs(['a', 'a/specs'], tmp.dir)).toThrow(
      /root "a-specs" \(.*\) is inside root "a"/,
    );
    expect(() => parseRootArgs([path.join('c', 'file.md')], tmp.dir)).toThrow('is a file, not a folder');
    expect(() => parseRootArgs(['nope'], tmp.dir)).toThrow(/spec root ".*nope" does not exist/);
    expect(() => parseRootArgs(['p='], tmp.dir)).toThrow('names no folder');
    expect(() => parseRootArgs([], tmp.dir)).toThrow('at least one root');
  });
});
