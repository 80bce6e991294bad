// What the MCP layer needs from the rest of the app; built once in app.ts and shared by every server instance.
import type { LRUCache } from 'lru-cache';
import type { Corpus } from '../corpus/corpus.js';
import type { LedgerStore } from '../ledger/types.js';
import type { TokenCounter } from '../parse/tokens.js';
import type { ConnectionInfo } from './context.js';
import type { Recorder } from './recorder.js';

export interface RenderedResult {
  structured: Record<string, unknown>;
  text: string;
}

export interface SpecServerDeps {
  corpus: Pick<Corpus, 'root' | 'current' | 'locate'>;
  /** The served roots by name when several are served as one corpus (src/roots/federation.ts); absent for one. */
  roots?: ReadonlyArray<{ name: string; corpus: Pick<Corpus, 'root' | 'current'> }>;
  recorder: Recorder;
  ledger: LedgerStore;
  tokens: TokenCounter;
  /** Rendered responses keyed by tool, reference, digest and options; bounded in bytes. */
  cache: LRUCache<string, RenderedResult>;
  connection: Omit<ConnectionInfo, 'clientInfo' | 'witnessed'>;
}
