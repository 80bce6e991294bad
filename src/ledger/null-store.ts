// The `--ledger off` store: records nothing, for local experiments where governance is not wanted.
import { NEW_LEDGER_RECORD_HASH } from './hash-chain.js';
import { newReadRecord, validateInput } from './records.js';
import type { LedgerStore } from './types.js';

/** Accepts appends without keeping them; returned records have seq 0 and empty hashes, queries are empty. */
export function createNullStore(): LedgerStore {
  return {
    recordHash: NEW_LEDGER_RECORD_HASH,
    async append(records) {
      records.forEach(validateInput); // same errors as a real store, so `off` does not hide bad callers
      return records.map((input) => newReadRecord(input, 0, ''));
    },
    async runs() {
      return [];
    },
    async run() {
      return null;
    },
    async readGroups() {
      return [];
    },
    async reads() {
      return [];
    },
    async servedText() {
      return null;
    },
    async verify() {
      return { ok: true, records: 0 };
    },
    async recordsAfter() {
      return [];
    },
    async treeMeta() {
      return null;
    },
    async setTreeMeta() {},
    async health() {
      return { writable: true };
    },
    async close() {},
  };
}
