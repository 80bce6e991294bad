"""Checks a DSSE envelope's Ed25519 signatures with securesystemslib (Debian's python3-securesystemslib).

usage: dsse-verify.py ENVELOPE_FILE PUBLIC_KEY_HEX
The pre-authentication encoding is computed here from the DSSE v1 spec, not taken from SpecLedger.
Exit 0 and "ok" when every signature verifies, 1 with the reason otherwise.
"""
import base64
import json
import sys

from securesystemslib import ed25519_keys

try:
    with open(sys.argv[1], encoding="utf-8") as f:
        envelope = json.load(f)
    payload = base64.b64decode(envelope["payload"], validate=True)
    payload_type = envelope["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)
    public = bytes.fromhex(sys.argv[2])
    if not envelope["signatures"]:
        raise ValueError("no signatures")
    for s in envelope["signatures"]:
        signature = base64.b64decode(s["sig"], validate=True)
        if not ed25519_keys.verify_signature(public, "ed25519", signature, pae):
            raise ValueError("signature does not verify")
except Exception as error:  # pylint: disable=broad-except
    print(f"dsse-verify: {type(error).__name__}: {error}", file=sys.stderr)
    sys.exit(1)
print("ok")
