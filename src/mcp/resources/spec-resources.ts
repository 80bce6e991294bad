// Resources: spec://root, spec://{spec}, spec://{spec}/{clause} (current) and …@{digest} (pinned), with subscriptions.
import { type McpServer, ResourceTemplate, type ServerContext } from '@modelcontextprotocol/server';
import type { Snapshot } from '../../corpus/snapshot.js';
import { SpecLedgerError } from '../../errors.js';
import { shownVersion, statusLabel } from '../../parse/labels.js';
import { specSource } from '../../parse/types.js';
import { type ConnectionInfo, resolveCallContext } from '../context.js';
import { assertNotDeprecated } from '../deprecation.js';
import type { SpecServerDeps } from '../deps.js';
import { toProtocolError } from '../errors.js';
import type { ServedRead } from '../recorder.js';
import { factsOf } from '../server.js';
import { DEFAULT_ROOT_TOKENS } from '../tools/read-root.js';
import { parseSpecUri, ROOT_URI, specUri } from '../uri.js';
import { viewRoot } from '../views/root-view.js';
import { catalogChanged, changedUris, createSubscriptions } from './subscriptions.js';

interface ResourceNotifier {
  /**
   * Sends list_changed and per-URI `updated` notifications for what differs between two snapshots: for the URIs
   * this 2025-era client subscribed to, or (2026-07-28, where the SDK's listen router filters per stream) for
   * every changed URI in its canonical spelling.
   */
  snapshotChanged(before: Snapshot, after: Snapshot, modern: boolean): Promise<void>;
}

/**
 * A version pinned by digest never changes: a day is as true as a year, and bounds what a cache keeps. Current text
 * (the server default, server.ts) is ttl 0: no cache may serve it across a reload.
 */
const PINNED_HINT = { ttlMs: 86_400_000, cacheScope: 'private' } as const;
const MARKDOWN = 'text/markdown';

export function registerSpecResources(
  server: McpServer,
  deps: SpecServerDeps,
  conn: ConnectionInfo,
): ResourceNotifier {
  const low = server.server;
  const subscriptions = createSubscriptions();
  const read = async (uri: URL, ctx: ServerContext) => {
    try {
      const asked = uri.href;
      const { text, read: served } = await readUri(deps.corpus.current(), deps, asked);
      await deps.recorder.record(resolveCallContext(conn, factsOf(ctx, server)), 'resources/read', [served]);
      return { contents: [{ uri: asked, mimeType: MARKDOWN, text }] };
    } catch (error) {
      throw toProtocolError(error);
    }
  };
  const template = (uriTemplate: string) => new ResourceTemplate(uriTemplate, { list: undefined });
  const readTemplate = (uri: URL, _variables: unknown, ctx: ServerContext) => read(uri, ctx);

  server.registerResource(
    'root',
    ROOT_URI,
    { title: 'Spec root', mimeType: MARKDOWN, description: 'Root document, standing rules and catalog' },
    read,
  );
  // Registration order is match order: the pinned forms first, or `{clause}` would swallow `token@sha256:…`.
  server.registerResource(
    'clause-pinned',
    template('spec://{spec}/{clause}@{digest}'),
    {
      title: 'A clause at one version',
      mimeType: MARKDOWN,
      description: 'The exact text recorded in the ledger for that digest (sha256:<hex>)',
      cacheHint: PINNED_HINT,
    },
    readTemplate,
  );
  server.registerResource(
    'spec-pinned',
    template('spec://{spec}@{digest}'),
    {
      title: 'A spec at one version',
      mimeType: MARKDOWN,
      description: 'The exact source recorded in the ledger for that digest (sha256:<hex>)',
      cacheHint: PINNED_HINT,
    },
    readTemplate,
  );
  server.registerResource(
    'clause',
    template('spec://{spec}/{clause}'),
    {
      title: 'A clause, current text',
      mimeType: MARKDOWN,
      description: 'Spec and clause IDs percent-encoded, e.g. spec://auth/token-lifetime',
    },
    readTemplate,
  );
  server.registerResource(
    'spec',
    new ResourceTemplate('spec://{spec}', {
      list: () => ({
        resources: deps.corpus.current().catalog.map((s) => ({
          uri: specUri(s.id),
          name: s.id,
          title: s.title,
          mimeType: MARKDOWN,
          description: `[${statusLabel(s.role, shownVersion(s))}] ${s.summary}`,
        })),
      }),
    }),
    { title: 'A spec, current source', mimeType: MARKDOWN, description: 'The whole spec file as served now' },
    readTemplate,
  );

  // 2025-era subscriptions; 2026-07-28 has none (subscriptions/listen, served by the SDK's entries, replaces them).
  low.setRequestHandler('resources/subscribe', (request) => {
    try {
      subscriptions.add(request.params.uri, deps.corpus.current());
    } catch (error) {
      throw toProtocolError(error);
    }
    return {};
  });
  low.setRequestHandler('resources/unsubscribe', (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  return {
    async snapshotChanged(before, after, modern) {
      if (catalogChanged(before, after)) server.sendResourceListChanged();
      const uris = modern ? changedUris(before, after) : subscriptions.changed(before, after);
      for (const uri of uris) await low.sendResourceUpdated({ uri });
    },
  };
}

async function readUri(
  snapshot: Snapshot,
  deps: SpecServerDeps,
  uri: string,
): Promise<{ text: string; read: ServedRead }> {
  if (uri === ROOT_URI) {
    const page = viewRoot(snapshot, { maxTokens: DEFAULT_ROOT_TOKENS }, deps.tokens);
    const digest = snapshot.root.digest;
    return {
      text: page.text,
      read: {
        kind: 'resource',
        spec: null,
        clause: null,
        digest,
        text: snapshot.root.text,
        tokens: page.tokens,
      },
    };
  }
  const parsed = parseSpecUri(uri);
  if (!parsed) {
    throw new SpecLedgerError(
      'INVALID_ARGUMENT',
      `"${uri}" is not a spec URI; expected spec://root, spec://{spec} or spec://{spec}/{clause}[@sha256:<hex>]`,
    );
  }
  const target = snapshot.resolve(`${parsed.specId}#${parsed.clauseId ?? ''}`);
  // The same check as get_clause; a URI has no argument to override it with.
  assertNotDeprecated(snapshot, target, 'read it with get_clause and allow_deprecated: true');
  const { spec, clause } = target;
  const currentDigest = clause ? clause.digest : spec.digest;
  if (!parsed.digest || parsed.digest === currentDigest) {
    const text = clause ? clause.text : specSource(spec);
    return {
      text,
      read: { kind: 'resource', spec, clause, digest: currentDigest, text, tokens: deps.tokens.count(text) },
    };
  }
  const pinned = await pinnedVersion(deps, spec.id, clause?.id ?? null, parsed.digest);
  if (pinned === null) {
    throw new SpecLedgerError(
      'NOT_FOUND',
      `no recorded text for ${uri}: the ledger never served ${parsed.digest} as ${clause ? clause.ref : spec.id}; the current version is ${specUri(spec.id, clause?.id, currentDigest)}`,
      { candidates: [clause ? clause.ref : spec.id] },
    );
  }
  return {
    text: pinned.text,
    read: {
      kind: 'resource',
      spec,
      clause,
      digest: parsed.digest,
      text: pinned.text,
      tokens: deps.tokens.count(pinned.text),
      recorded: pinned.recorded,
    },
  };
}

/**
 * The text stored for `digest`, only if the ledger recorded it as served for exactly this spec and clause. The
 * store is content-addressed: its text for a digest belongs to whichever clause first had that text, so the
 * digest alone would let `spec://auth/rotation@<another clause's digest>` serve (and record) foreign text.
 */
async function pinnedVersion(
  deps: SpecServerDeps,
  specId: string,
  clauseId: string | null,
  digest: string,
): Promise<{ text: string; recorded: NonNullable<ServedRead['recorded']> } | null> {
  const filter =
    clauseId === null ? { spec_id: specId, digest } : { spec_id: specId, clause_id: clauseId, digest };
  const served = (await deps.ledger.reads(filter)).find((r) => r.clause_id === clauseId);
  if (served === undefined) return null;
  const text = await deps.ledger.servedText(digest);
  if (text === null) return null;
  return {
    text,
    recorded: { specVersion: served.spec_version, status: served.status, gitCommit: served.git_commit },
  };
}
