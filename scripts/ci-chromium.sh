#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the console's browser tests (test/e2e/ui-*.test.ts); a no-op when present.
# Usage: bash scripts/ci-chromium.sh   (as root, or with sudo available). Quiet unless it installs or fails.
# The tests drive /usr/bin/chromium with playwright-core (no browser download); SPECLEDGER_CHROMIUM overrides the path.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ci-chromium: needs root or sudo to install chromium" >&2; exit 1; }
  SUDO="sudo"
fi
echo "ci-chromium: installing chromium from Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
