// Git facts about spec files (the commit that last touched a file), memoized per file digest.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LRUCache } from 'lru-cache';

const run = promisify(execFile);

export interface GitInfo {
  /** The commit that last changed `path`, with `+dirty` when the working copy differs; null outside git. */
  commitFor(path: string, digest: string): Promise<string | null>;
}

export async function createGitInfo(realRoot: string): Promise<GitInfo> {
  const inRepo = await run('git', ['rev-parse', '--is-inside-work-tree'], { cwd: realRoot })
    .then((r) => r.stdout.trim() === 'true')
    .catch(() => false);
  if (!inRepo) return { commitFor: async () => null };
  const memo = new LRUCache<string, Promise<string | null>>({ max: 10_000 });
  const lookup = async (path: string): Promise<string | null> => {
    const [log, status] = await Promise.all([
      run('git', ['log', '-1', '--format=%H', '--', path], { cwd: realRoot }),
      run('git', ['status', '--porcelain', '--', path], { cwd: realRoot }),
    ]);
    const commit = log.stdout.trim();
    if (!commit) return null;
    return status.stdout.trim() ? `${commit}+dirty` : commit;
  };
  return {
    commitFor(path, digest) {
      const key = `${path}\0${digest}`;
      let hit = memo.get(key);
      if (!hit) {
        hit = lookup(path).catch(() => null);
        memo.set(key, hit);
      }
      return hit;
    },
  };
}
