// Git facts about spec files (the commit that last touched a file), memoized per file digest.
import { LRUCache } from 'lru-cache';
import { runGit } from './git-command.js';

export interface GitInfo {
  /** The commit that last changed `path`, with `+dirty` when the working copy differs; null outside git. */
  commitFor(path: string, digest: string): Promise<string | null>;
}

export async function createGitInfo(realRoot: string): Promise<GitInfo> {
  const git = (args: readonly string[]) => runGit(args, { cwd: realRoot });
  const inRepo = await git(['rev-parse', '--is-inside-work-tree'])
    .then((out) => out.trim() === 'true')
    .catch(() => false);
  if (!inRepo) return { commitFor: async () => null };
  const memo = new LRUCache<string, Promise<string | null>>({ max: 10_000 });
  const lookup = async (path: string): Promise<string | null> => {
    const [log, status] = await Promise.all([
      git(['log', '-1', '--format=%H', '--', `:(literal)${path}`]),
      git(['status', '--porcelain', '--', `:(literal)${path}`]),
    ]);
    const commit = log.trim();
    if (!commit) return null;
    return status.trim() ? `${commit}+dirty` : commit;
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
