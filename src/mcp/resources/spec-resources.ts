// Resources: spec://root, spec://{spec}, spec://{spec}/{clause} (current) and …@{digest} (pinned), with subscriptions.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Snapshot } from '../../corpus/snapshot.js';
import { SpecLedgerError } from '../../errors.js';
import { shownVersion, statusLabel } from '../../parse/labels.js';
import { specSource } from '../../parse/types.js';
import { type ConnectionInfo, resolveCallContext } from '../context.js';
import { assertNotDeprecated } from '../deprecation.js';
import type { SpecServerDeps } from '../deps.js';
import { toProtocolError } from '../errors.js';
import type { ServedRead } from '../recorder.js';
import { DEFAULT_ROOT_TOKENS } from '../tools/read-root.js';
import { parseSpecUri, ROOT_URI, specUri } from '../uri.js';
import { viewRoot } from '../views/root-view.js';
import { createSubscriptions } from './subscriptions.js';

export interface ResourceNotifier {
  /** Sends list_changed and per-URI `updated` notifications for what differs between two snapshots. */
  snapshotChanged(before: Snapshot, after: Snapshot): Promise<void>;
}

export function registerSpecResources(
  server: McpServer,
  deps: SpecServerDeps,
  conn: ConnectionInfo,
): ResourceNotifier {
  const low = server.server;
  const subscriptions = createSubscriptions();

  low.setRequestHandler(ListResourcesRequestSchema, () => {
    const snapshot = deps.corpus.current();
    return {
      resources: [
        {
          uri: ROOT_URI,
          name: 'root',
          title: 'Spec root',
          mimeType: 'text/markdown',
          description: 'Root document, standing rules and catalog',
        },
        ...snapshot.catalog.map((s) => ({
          uri: specUri(s.id),
          name: s.id,
          title: s.title,
          mimeType: 'text/markdown',
          description: `[${statusLabel(s.role, shownVersion(s))}] ${s.summary}`,
        })),
      ],
    };
  });

  low.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: 'spec://{spec}/{clause}',
        name: 'clause',
        title: 'A clause, current text',
        mimeType: 'text/markdown',
        description: 'Spec and clause IDs percent-encoded, e.g. spec://auth/token-lifetime',
      },
      {
        uriTemplate: 'spec://{spec}/{clause}@{digest}',
        name: 'clause-pinned',
        title: 'A clause at one version',
        mimeType: 'text/markdown',
        description: 'The exact text recorded in the ledger for that digest (sha256:<hex>)',
      },
    ],
  }));

  low.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    try {
      const uri = request.params.uri;
      const snapshot = deps.corpus.current();
      const { text, read } = await readUri(snapshot, deps, uri);
      await deps.recorder.record(resolveCallContext(conn, extra), 'resources/read', [read]);
      return { contents: [{ uri, mimeType: 'text/markdown', text }] };
    } catch (error) {
      throw toProtocolError(error);
    }
  });

  low.setRequestHandler(SubscribeRequestSchema, (request) => {
    try {
      subscriptions.add(request.params.uri, deps.corpus.current());
    } catch (error) {
      throw toProtocolError(error);
    }
    return {};
  });
  low.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  return {
    async snapshotChanged(before, after) {
      const ids = (s: Snapshot) => s.catalog.map((d) => d.id).join('\n');
      if (ids(before) !== ids(after)) await server.sendResourceListChanged();
      for (const uri of subscriptions.changed(before, after)) await low.sendResourceUpdated({ uri });
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
  const text = await deps.ledger.snapshot(digest);
  if (text === null) return null;
  return {
    text,
    recorded: { specVersion: served.spec_version, status: served.status, gitCommit: served.git_commit },
  };
}
