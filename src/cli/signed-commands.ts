// verify --since and attest --sign/--verify: the checks of the ledger against what was signed before.
import { ExitError } from '../errors.js';
import type { InTotoStatement } from '../ledger/attest.js';
import type { NoteSignerKey } from '../ledger/checkpoint.js';
import { verifySince } from '../ledger/consistency.js';
import { type DsseEnvelope, IN_TOTO_PAYLOAD_TYPE, openEnvelope, signEnvelope } from '../ledger/dsse.js';
import type { LedgerStore } from '../ledger/types.js';
import { readInputFile } from './input-files.js';
import { printJson, printText } from './output.js';
import { failedCheckExits, loadVerifierKey } from './proof-commands.js';

export interface AttestCliOptions {
  run?: string;
  commit?: string;
  sign?: string;
  verify?: string;
  key?: string;
}

export function signStatement(statement: InTotoStatement, key: NoteSignerKey): DsseEnvelope {
  return signEnvelope(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, key);
}

/** attest --verify FILE --key PUB: exit 0 and a one-line summary when the envelope is signed by the key. */
export function verifyEnvelopeFile(file: string, keyFile: string | undefined): Promise<void> {
  return failedCheckExits(async () => {
    if (keyFile === undefined) throw new ExitError('--verify needs --key PREFIX.pub');
    const key = loadVerifierKey(keyFile);
    const { payloadType, payload } = openEnvelope(readInputFile(file, 'envelope'), key);
    if (payloadType !== IN_TOTO_PAYLOAD_TYPE)
      throw new ExitError(`envelope rejected: payloadType ${payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
    let statement: Partial<InTotoStatement>;
    try {
      statement = JSON.parse(payload.toString('utf8')) as Partial<InTotoStatement>;
    } catch {
      throw new ExitError('envelope rejected: the payload is not a JSON in-toto Statement');
    }
    const subjects = (statement.subject ?? []).map((s) => s.name).join(', ');
    printText(`ok: in-toto Statement signed by ${key.name}, subject ${subjects}`);
  });
}

/** verify --since CHECKPOINT --key PUB: the chain, then consistency with the checkpoint; exit 1 on either failing. */
export function verifySinceCommand(
  store: LedgerStore,
  location: string,
  checkpointFile: string,
  keyFile: string | undefined,
  json: boolean,
): Promise<void> {
  return failedCheckExits(async () => {
    if (keyFile === undefined)
      throw new ExitError('--since needs --key PREFIX.pub (the key the checkpoint was signed with)');
    const key = loadVerifierKey(keyFile);
    const { openLeafReader } = await import('../ledger/tree.js');
    const leaves = openLeafReader(location, store);
    try {
      const result = await verifySince(store, readInputFile(checkpointFile, 'checkpoint'), key, leaves);
      if (json) printJson(result);
      else if (result.ok)
        printText(
          `ok: ${result.size} records, chain intact, consistent with the checkpoint of ${result.old_size} records`,
        );
      else printText(`FAILED: ${result.reason}`);
      if (!result.ok) process.exitCode = 1;
    } finally {
      await leaves.close();
    }
  });
}

/** verify --from-checkpoint --key PUB: the records after the last signed checkpoint only; exit 1 when they fail. */
export function verifyFromCheckpointCommand(
  store: LedgerStore,
  location: string,
  keyFile: string | undefined,
  json: boolean,
): Promise<void> {
  return failedCheckExits(async () => {
    if (keyFile === undefined)
      throw new ExitError(
        '--from-checkpoint needs --key PREFIX.pub (the key the checkpoints are signed with)',
      );
    const key = loadVerifierKey(keyFile);
    const [{ openLeafReader }, { verifyFromCheckpoint }] = await Promise.all([
      import('../ledger/tree.js'),
      import('../ledger/verify-incremental.js'),
    ]);
    const leaves = openLeafReader(location, store);
    try {
      const result = await verifyFromCheckpoint(store, key, leaves);
      if (json) printJson(result);
      else if (result.ok)
        printText(
          `ok: ${result.records} records; ${result.trusted} under the checkpoint signed by ${result.origin}, ${result.checked} after it chain-checked`,
        );
      else printText(`FAILED: ${result.reason}`);
      if (!result.ok) process.exitCode = 1;
    } finally {
      await leaves.close();
    }
  });
}
