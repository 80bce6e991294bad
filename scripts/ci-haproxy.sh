#!/usr/bin/env bash
# Installs HAProxy from Debian's packages for the fleet test (test/e2e/fleet-haproxy.test.ts); a no-op when present.
# Usage: bash scripts/ci-haproxy.sh   (as root, or with sudo available). Quiet unless it installs or fails.
set -euo pipefail
command -v haproxy >/dev/null 2>&1 && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ci-haproxy: needs root or sudo to install haproxy" >&2; exit 1; }
  SUDO="sudo"
fi
echo "ci-haproxy: installing haproxy from Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq haproxy >&2
# The package enables a system service with a default config; the test runs its own instance, so stop that one.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet haproxy 2>/dev/null; then
  $SUDO systemctl stop haproxy >&2 || true
fi
