// Options shared by commands: where the specs and the ledger are, and the parsers of numeric options.
import path from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import type { CheckpointEvery } from '../ledger/checkpoint-schedule.js';
import { DEFAULT_LEDGER_PATH } from '../ledger/location.js';

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

/** `--repo`, `--specs`, `--ledger` for the commands that read git, the specs and (when there is one) the ledger. */
export const repoOption = () => new Option('--repo <dir>', 'the git repository').default('.');
export const specsOption = () => new Option('--specs <dir>', 'spec root').default(defaultSpecs());
export const ledgerOption = () =>
  new Option('--ledger <path>', `ledger file or postgres:// URL (default ${defaultLedger()} when it exists)`);

/*
 * Parsers for numeric options, handed to commander's argParser so a bad value stops the command before anything
 * starts, with commander's own "option '--port <port>' argument 'abc' is invalid" and the reason after it.
 * Commander does not run them on defaults, so defaults are given as parsed values.
 */

/** A whole number within [min, max]. */
export function integerOption(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

export const parsePort = integerOption(0, 65_535);

/**
 * A list option that may be given more than once and holds comma-separated values (`--allowed-hosts a,b
 * --allowed-hosts c`): commander hands the previous value back, so repeats add up rather than replace.
 */
export function listOption(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new InvalidArgumentError('Expected one or more comma-separated values.');
  return [...(previous ?? []), ...items];
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
};

/** A byte count: `1048576`, `512KiB`, `1MiB`, `1MB` (10^6: SI and IEC units mean what they say). */
export function parseByteSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1)
    throw new InvalidArgumentError(
      'Expected a size in bytes, e.g. 1048576, 512KiB, 1MiB or 1MB (10^6 bytes).',
    );
  return bytes;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A duration with its unit, in milliseconds: `500ms`, `30s`, `10m`, `1h`. A bare number is refused as ambiguous. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(value.trim());
  const ms = m ? Math.round(Number(m[1]) * (DURATION_UNITS[m[2] as string] as number)) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 1 || ms > 2 ** 31 - 1)
    throw new InvalidArgumentError('Expected a duration with its unit, e.g. 500ms, 30s, 10m or 1h.');
  return ms;
}

/** `--checkpoint-every`: a bare whole number is a record count (1000), a number with a unit a period (30s, 5m). */
export function parseCheckpointEvery(value: string): CheckpointEvery {
  const text = value.trim();
  if (/^[1-9]\d*$/.test(text) && Number.isSafeInteger(Number(text))) return { records: Number(text) };
  try {
    return { ms: parseDuration(text) };
  } catch {
    throw new InvalidArgumentError(
      'Expected a record count (e.g. 1000) or a period with its unit (e.g. 1s, 30s, 5m).',
    );
  }
}
