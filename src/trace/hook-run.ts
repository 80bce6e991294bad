// What the installed hooks do: prepare-commit-msg adds the Spec-Run trailer, post-commit writes the note.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LedgerStore } from '../ledger/types.js';
import { activeRuns, type LazySpecLocator, type LinkRequest, linkCommit } from './link.js';
import { appendNote, type GitRepo, logCommits, noteBlobs, readObjects } from './repo.js';
import { addTrailer, declaredRuns, SPEC_RUN_TRAILER } from './trailers.js';

/** True while git replays commits (rebase, also `rebase -i` with edit or exec): notes.rewriteRef copies the notes. */
async function rebasing(repo: GitRepo): Promise<boolean> {
  for (const dir of ['rebase-merge', 'rebase-apply']) {
    const at = (await repo.git(['rev-parse', '--git-path', dir])).trim();
    if (existsSync(path.resolve(repo.top, at))) return true;
  }
  return false;
}

/**
 * prepare-commit-msg: the run declared in the environment becomes a `Spec-Run:` trailer (once, however often the
 * message is prepared). Nothing is added for a guessed run: a guess belongs in the note, which says it is one; nor
 * to a message still empty (an editor opens next): that commit gets its note, not the trailer.
 */
export async function prepareCommitMsg(
  repo: GitRepo,
  messageFile: string,
  envRunId: string | null,
): Promise<void> {
  if (envRunId === null || (await rebasing(repo))) return;
  const file = path.resolve(repo.top, messageFile);
  const commentChar = (await repo.git(['config', '--get', 'core.commentChar']).catch(() => '')).trim();
  const updated = addTrailer(
    readFileSync(file, 'utf8'),
    SPEC_RUN_TRAILER,
    envRunId,
    commentChar.length === 1 ? commentChar : '#',
  );
  if (updated !== null) writeFileSync(file, updated);
}

export interface PostCommitOptions {
  repo: GitRepo;
  /** Null when there is no ledger file: only a cherry-pick's note can still be carried over. */
  store: LedgerStore | null;
  locate: LazySpecLocator;
  envRunId: string | null;
  now: Date;
}

/**
 * post-commit: the new commit's note. A cherry-pick carries the picked commit's note over (git copies notes on
 * amend and rebase, not on cherry-pick); otherwise the run comes from the environment, then from the commit's
 * trailers, then — a guess, recorded as one — from the runs that read since the parent commit. Returns lines for
 * stderr.
 */
export async function postCommit(options: PostCommitOptions): Promise<string[]> {
  const { repo } = options;
  if (await rebasing(repo)) return [];
  const [head] = await logCommits(repo, ['-1', 'HEAD']);
  if (!head) return [];
  const picked = await cherryPicked(repo);
  if (picked !== null) {
    const blob = (await noteBlobs(repo)).get(picked);
    const text = blob ? (await readObjects(repo, [blob])).get(blob) : null;
    if (text) await appendNote(repo, head.commit, text);
    return text
      ? [`specledger: carried the provenance of ${picked.slice(0, 12)} over to ${head.commit.slice(0, 12)}`]
      : [];
  }
  if (options.store === null) {
    return options.envRunId === null
      ? []
      : [
          `specledger: no ledger to read run ${options.envRunId} from; the commit has its Spec-Run trailer but no note (link it later with: specledger link --commit ${head.commit.slice(0, 12)} --run ${options.envRunId} --ledger PATH)`,
        ];
  }
  let requests: LinkRequest[];
  if (options.envRunId !== null) {
    requests = [{ run: options.envRunId, via: 'env' }];
  } else {
    const declared = declaredRuns(head.trailers);
    const known: LinkRequest[] = [];
    for (const d of declared) {
      if ((await options.store.run(d.run)) !== null) known.push({ run: d.run, via: 'trailer' });
    }
    if (known.length > 0) {
      requests = known;
    } else {
      const parent = head.parents[0] ? (await logCommits(repo, ['-1', head.parents[0]]))[0] : undefined;
      const runs = await activeRuns(options.store, parent?.date ?? null, head.date);
      requests = runs.map((run) => ({ run, via: 'ledger-guess' }));
    }
  }
  if (requests.length === 0) return [];
  const result = await linkCommit(
    { repo, store: options.store, locate: options.locate, now: options.now },
    head.commit,
    requests,
  );
  // A guessed run skipped for lack of new reads is the normal case, not worth a line on every commit.
  const lines = result.skipped
    .filter((s) => requests.some((r) => r.run === s.run && r.via !== 'ledger-guess'))
    .map((s) => `specledger: run ${s.run} not linked to ${head.commit.slice(0, 12)}: ${s.reason}`);
  if (result.linked.length > 0) {
    const guessed = result.linked.some((r) => r.via === 'ledger-guess');
    lines.push(
      `specledger: linked ${head.commit.slice(0, 12)} to run ${result.linked.map((r) => r.run).join(', ')} (${result.clauses} clause${result.clauses === 1 ? '' : 's'}${guessed ? '; guessed from ledger activity' : ''})`,
    );
  }
  return lines;
}

/** The commit being cherry-picked, which git keeps in CHERRY_PICK_HEAD while its post-commit hook runs. */
async function cherryPicked(repo: GitRepo): Promise<string | null> {
  try {
    return (await repo.git(['rev-parse', '--verify', '--quiet', 'CHERRY_PICK_HEAD'])).trim() || null;
  } catch {
    return null;
  }
}
