#!/usr/bin/env bash
# Installs the independent verifiers the ledger-proof tests run (Debian packages, nothing downloaded by Go or pip):
# Go with golang.org/x/mod/sumdb/{note,tlog}, python3-securesystemslib, and openssl; then checks each one works.
#
# Usage (from .ci/run, as root or a user with sudo):   bash scripts/ci-verifiers.sh
# Idempotent and quiet: packages already present are not reinstalled; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "ci-verifiers: $*" >&2; }

PACKAGES=(golang-go golang-golang-x-mod-dev python3-securesystemslib openssl)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    log "must run as root or with sudo to install: ${missing[*]}"
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq >&2
  "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >&2
fi

# Fail here, not as skipped tests, when a verifier cannot run.
(cd test/verifiers/tlog-verify && GO111MODULE=off GOPATH=/usr/share/gocode go vet .) >&2
/usr/bin/python3 -c 'import securesystemslib.ed25519_keys' >&2
openssl version >&2
log "ok: go $(go env GOVERSION), sumdb/note and sumdb/tlog from /usr/share/gocode, securesystemslib, openssl"
