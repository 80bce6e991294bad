// Options shared by commands: where the specs and the ledger are.
import path from 'node:path';
import { DEFAULT_LEDGER_PATH } from '../ledger/open.js';

export interface CommonOptions {
  specs: string;
  ledger: string;
  json?: boolean;
}

export function defaultSpecs(): string {
  return process.env.SPECLEDGER_SPECS ?? 'specs';
}

export function defaultLedger(): string {
  return process.env.SPECLEDGER_LEDGER ?? DEFAULT_LEDGER_PATH;
}

export function resolveLedger(ledger: string): string {
  return ledger === 'off' || /^[a-z][a-z0-9+.-]*:\/\//i.test(ledger) ? ledger : path.resolve(ledger);
}
