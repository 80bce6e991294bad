// attest --sign and --verify: the in-toto Statement in a DSSE envelope, checked by OpenSSL and by securesystemslib.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { readInput } from '../fixtures/ledger-records.js';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp.js';
import { opensslMissing, securesystemslibMissing, systemPython } from '../helpers/verifiers.js';

/** DSSE v1 pre-authentication encoding, written out from the spec here rather than imported. */
function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

/** The raw Ed25519 public key inside a sumdb/note verifier key (after the algorithm byte). */
function rawPublicKey(verifierKey: string): Buffer {
  const data = verifierKey.trim().split('+').slice(2).join('+');
  return Buffer.from(data, 'base64').subarray(1);
}

/** The envelope with one byte of its payload changed (a digit of the read count). */
function tamperPayload(envelope: { payload: string }): { payload: string } {
  const payload = Buffer.from(envelope.payload, 'base64');
  const at = payload.indexOf('"reads":') + 8;
  payload[at] = (payload[at] as number) + 1;
  return { ...envelope, payload: payload.toString('base64') };
}

describe('attest --sign / --verify (built CLI)', () => {
  let temp: TempDir;
  let ledger: string;
  let key: string;
  let envelope: { payload: string; payloadType: string; signatures: { keyid: string; sig: string }[] };

  beforeAll(async () => {
    temp = makeTempDir('specledger-dsse-');
    ledger = temp.at('ledger.db');
    const store = await openLedger(ledger);
    await store.append([readInput({ run_id: 'run-1' }), readInput({ run_id: 'run-1', clause_id: 'AUTH-2' })]);
    await store.close();
    key = temp.at('attest-key');
    expect((await runCli(['keygen', '--out', key, '--origin', 'example.com/attest'])).code).toBe(0);
    const signed = await runCli(['attest', '--run', 'run-1', '--sign', key, '--ledger', ledger]);
    expect(signed.stderr).toBe('');
    envelope = JSON.parse(signed.stdout);
    writeFileSync(temp.at('envelope.json'), signed.stdout);
    writeFileSync(temp.at('tampered.json'), JSON.stringify(tamperPayload(envelope)));
  }, 60_000);
  afterAll(() => temp.remove());

  it('prints a DSSE envelope of the in-toto Statement, one Ed25519 signature', () => {
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.subject[0].name).toBe('run:run-1');
    expect(envelope.signatures).toHaveLength(1);
    expect(envelope.signatures[0]?.keyid).toBe(readFileSync(`${key}.pub`, 'utf8').trim());
    expect(Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64')).toHaveLength(64);
  });

  it('verifies its envelope, and rejects one with a byte changed or checked with another key', async () => {
    const ok = await runCli(['attest', '--verify', temp.at('envelope.json'), '--key', `${key}.pub`]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^ok: in-toto Statement signed by example\.com\/attest, subject run:run-1/);
    const bad = await runCli(['attest', '--verify', temp.at('tampered.json'), '--key', `${key}.pub`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/signature by example\.com\/attest is invalid/);
    const other = temp.at('other');
    await runCli(['keygen', '--out', other, '--origin', 'other.example']);
    const wrong = await runCli(['attest', '--verify', temp.at('envelope.json'), '--key', `${other}.pub`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/not signed by the key given \(other\.example\)/);
  });

  it.skipIf(opensslMissing())(
    'has OpenSSL verify the signature over the PAE, and refuse a changed payload',
    () => {
      const spki = Buffer.concat([
        Buffer.from('302a300506032b6570032100', 'hex'),
        rawPublicKey(readFileSync(`${key}.pub`, 'utf8')),
      ]);
      const pem = `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
      writeFileSync(temp.at('pub.pem'), pem);
      writeFileSync(temp.at('sig.bin'), Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64'));
      const verify = (payload: string) => {
        writeFileSync(temp.at('pae.bin'), pae(envelope.payloadType, Buffer.from(payload, 'base64')));
        return spawnSync(
          'openssl',
          [
            'pkeyutl',
            '-verify',
            '-pubin',
            '-inkey',
            temp.at('pub.pem'),
            '-rawin',
            '-in',
            temp.at('pae.bin'),
            '-sigfile',
            temp.at('sig.bin'),
          ],
          { encoding: 'utf8' },
        );
      };
      const ok = verify(envelope.payload);
      expect(ok.stdout).toMatch(/Signature Verified Successfully/);
      expect(ok.status).toBe(0);
      const bad = verify(tamperPayload(envelope).payload);
      expect(bad.status).not.toBe(0);
      expect(bad.stdout).toMatch(/Signature Verification Failure/);
    },
  );

  it.skipIf(securesystemslibMissing())(
    'has securesystemslib verify the envelope, and refuse a changed payload',
    () => {
      const script = path.join(repoRoot, 'test/verifiers/dsse-verify.py');
      const hex = rawPublicKey(readFileSync(`${key}.pub`, 'utf8')).toString('hex');
      expect(
        execFileSync(systemPython, [script, temp.at('envelope.json'), hex], { encoding: 'utf8' }).trim(),
      ).toBe('ok');
      const bad = spawnSync(systemPython, [script, temp.at('tampered.json'), hex], { encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/dsse-verify: \w+/);
    },
  );
});
