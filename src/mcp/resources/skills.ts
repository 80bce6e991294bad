// The skills extension (io.modelcontextprotocol/skills): every SKILL.md in the spec root, served as a skill with
// its file manifest through the SDK's SkillsExtension; each file read is recorded in the ledger like any read.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import {
  SKILL_LIMITS,
  type Skill,
  SkillsExtension,
  skillEntry,
} from '@modelcontextprotocol/server/ext/skills';
import type { Snapshot } from '../../corpus/snapshot.js';
import { digestOf } from '../../parse/digest.js';
import type { SpecDoc } from '../../parse/types.js';
import { IGNORED_DIRS, readSpecFile } from '../../source/read-tree.js';
import { type ConnectionInfo, resolveCallContext } from '../context.js';
import type { SpecServerDeps } from '../deps.js';
import { factsOf } from '../server.js';

const SKILL_BASE_URI = 'skill://';

export interface SpecSkills {
  attach(server: McpServer): void;
}

interface ServedSkill {
  entry: Skill;
  spec: SpecDoc;
  /** skill:// URI of each file → its text, as read when the snapshot was built. */
  files: Map<string, string>;
}

/**
 * One catalog per snapshot, built on first use: a skill's files are read once per reload, so the manifest (names,
 * sizes, digests) and the bytes served always agree. Only regular text files inside the spec root are published;
 * links, binaries and files over the limits are left out (the SDK's own catalog skips the same kinds).
 */
export function createSkills(deps: SpecServerDeps, conn: ConnectionInfo): SpecSkills {
  const catalogs = new WeakMap<Snapshot, Promise<Map<string, ServedSkill>>>();
  const catalog = (): Promise<Map<string, ServedSkill>> => {
    const snapshot = deps.corpus.current();
    let built = catalogs.get(snapshot);
    if (!built) {
      built = buildCatalog(deps.corpus, snapshot);
      catalogs.set(snapshot, built);
    }
    return built;
  };
  const extension = new SkillsExtension({
    baseUri: SKILL_BASE_URI,
    // A skill is a file in the spec root: an edit changes it at once, so no cache may keep it (ttl 0).
    cacheHint: { ttlMs: 0, cacheScope: 'private' },
    onWarning: () => {},
    source: {
      async list() {
        return { skills: [...(await catalog()).values()].map((s) => s.entry) };
      },
      async get(uri) {
        return (await catalog()).get(uri)?.entry;
      },
      async read(uri: string, ctx: ServerContext) {
        for (const skill of (await catalog()).values()) {
          const text = skill.files.get(uri);
          if (text === undefined) continue;
          await deps.recorder.record(resolveCallContext(conn, factsOf(ctx)), 'skills/read', [
            {
              kind: 'resource',
              spec: skill.spec,
              clause: null,
              digest: digestOf(text),
              text,
              tokens: deps.tokens.count(text),
            },
          ]);
          return { text, mimeType: uri.endsWith('.md') ? 'text/markdown' : 'text/plain' };
        }
        return undefined;
      },
    },
  });
  return { attach: (server) => extension.attach(server) };
}

async function buildCatalog(
  corpus: SpecServerDeps['corpus'],
  snapshot: Snapshot,
): Promise<Map<string, ServedSkill>> {
  const out = new Map<string, ServedSkill>();
  for (const spec of snapshot.catalog) {
    if (spec.kind !== 'skill') continue;
    // Named by its served folder (`payments/skills/pdf` when several roots are served), read from its own root.
    const folder = path.posix.dirname(spec.path);
    const at = corpus.locate ? corpus.locate(spec.path) : { root: corpus.root, path: spec.path };
    if (at === null) continue;
    const inRoot = path.posix.dirname(at.path);
    const files = readSkillFiles(at.root, inRoot === '.' ? '' : inRoot);
    if (files === null) continue;
    try {
      const entry = await skillEntry(folder === '.' ? path.basename(at.root) : folder, files, {
        baseUri: SKILL_BASE_URI,
      });
      const byUri = new Map<string, string>();
      for (const resource of entry.resources === 'dynamic' ? [] : entry.resources) {
        const rel = resource.uri.slice(entry.uri.length - 'SKILL.md'.length);
        const text = files[rel];
        if (typeof text === 'string') byUri.set(resource.uri, text);
      }
      byUri.set(entry.uri, files['SKILL.md'] as string);
      out.set(entry.uri, { entry, spec, files: byUri });
    } catch {
      // A SKILL.md the extension's rules refuse (no name or description) is still served as a spec, not a skill.
    }
  }
  return out;
}

/** The skill folder's regular text files (path inside the folder → text), or null past the SDK's limits. */
function readSkillFiles(root: string, folder: string): Record<string, string> | null {
  const files: Record<string, string> = {};
  let bytes = 0;
  let count = 0;
  const walk = (rel: string): boolean => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(path.join(root, folder, rel), { withFileTypes: true });
    } catch {
      return true;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const inner = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (IGNORED_DIRS.has(entry.name)) continue;
        if (!walk(inner)) return false;
        continue;
      }
      if (!entry.isFile()) continue;
      const read = readSpecFile(root, folder ? `${folder}/${inner}` : inner);
      if (!read.ok) continue;
      count++;
      bytes += Buffer.byteLength(read.file.text);
      if (count > SKILL_LIMITS.files || bytes > SKILL_LIMITS.bytes) return false;
      files[inner] = read.file.text;
    }
    return true;
  };
  if (!walk('') || files['SKILL.md'] === undefined) return null;
  return files;
}
