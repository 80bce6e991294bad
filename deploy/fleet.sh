#!/usr/bin/env bash
# A SpecLedger fleet on one machine, on loopback: PostgreSQL, three stateless `serve --http` replicas, HAProxy in front.
#
#   deploy/fleet.sh up       start everything; prints the MCP endpoint (http://127.0.0.1:FRONT/mcp)
#   deploy/fleet.sh status   which replicas HAProxy has UP
#   deploy/fleet.sh down     stop what `up` started (PostgreSQL is left running)
#
# Environment (all optional):
#   SPECLEDGER_LEDGER   postgres://… ledger URL; unset: PostgreSQL is installed/started with scripts/ci-postgres.sh (root)
#   SPECLEDGER_SPECS    spec root (default: specs-example/ of this repository)
#   FLEET_DIR           pid files, logs, the HAProxy socket (default: .specledger/fleet)
#   FLEET_FRONT_PORT    HAProxy's port (default 8080); FLEET_PORT_1..3 the replicas' (default 3341..3343)
#   SPECLEDGER_CLI      the specledger command (default: node dist/bundle/main.js of this repository)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "${HERE}/.." && pwd)"
export FLEET_DIR="${FLEET_DIR:-${REPO}/.specledger/fleet}"
export FLEET_FRONT_PORT="${FLEET_FRONT_PORT:-8080}"
export FLEET_PORT_1="${FLEET_PORT_1:-3341}" FLEET_PORT_2="${FLEET_PORT_2:-3342}" FLEET_PORT_3="${FLEET_PORT_3:-3343}"
SPECS="${SPECLEDGER_SPECS:-${REPO}/specs-example}"
read -r -a CLI <<<"${SPECLEDGER_CLI:-node ${REPO}/dist/bundle/main.js}"

log() { echo "fleet: $*" >&2; }

# Waits until URL answers 200 (up to ~60 s: replicas on a loaded machine take seconds to load and migrate).
wait_ready() {
  local url="$1"
  for _ in $(seq 1 240); do
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))' "$url"; then
      return 0
    fi
    sleep 0.25
  done
  log "${url} did not answer 200"
  return 1
}

up() {
  command -v haproxy >/dev/null || { log "haproxy is not installed (Debian: apt-get install haproxy)"; exit 1; }
  mkdir -p "${FLEET_DIR}"
  if [ -z "${SPECLEDGER_LEDGER:-}" ]; then
    eval "$(bash "${REPO}/scripts/ci-postgres.sh")"
    SPECLEDGER_LEDGER="${SPECLEDGER_TEST_PG}"
  fi
  for i in 1 2 3; do
    local port_var="FLEET_PORT_${i}"
    # Stateless: no sessions to pin, so HAProxy may send each request to any replica. Clients name the proxy in
    # Host, so that is the Host each replica accepts.
    "${CLI[@]}" serve --http --stateless --host 127.0.0.1 --port "${!port_var}" \
      --allowed-hosts "127.0.0.1:${FLEET_FRONT_PORT},localhost:${FLEET_FRONT_PORT}" \
      --specs "${SPECS}" --ledger "${SPECLEDGER_LEDGER}" \
      >"${FLEET_DIR}/replica-${i}.log" 2>&1 &
    echo $! >"${FLEET_DIR}/replica-${i}.pid"
  done
  for i in 1 2 3; do
    local port_var="FLEET_PORT_${i}"
    wait_ready "http://127.0.0.1:${!port_var}/readyz"
  done
  haproxy -D -f "${HERE}/haproxy.cfg" -p "${FLEET_DIR}/haproxy.pid" >"${FLEET_DIR}/haproxy.log" 2>&1
  wait_ready "http://127.0.0.1:${FLEET_FRONT_PORT}/readyz"
  log "3 replicas behind HAProxy, one PostgreSQL ledger; logs in ${FLEET_DIR}"
  echo "http://127.0.0.1:${FLEET_FRONT_PORT}/mcp"
}

status() {
  # The runtime API's CSV: proxy, server, …, status (column 18).
  node -e '
    const s = require("node:net").connect(process.argv[1]);
    let out = "";
    s.on("data", (d) => (out += d)).on("end", () => {
      for (const row of out.split("\n").filter((l) => l.startsWith("specledger,") && !/,(FRONTEND|BACKEND),/.test(l)))
        console.log(row.split(",")[1], row.split(",")[17]);
    });
    s.end("show stat\n");' "${FLEET_DIR}/haproxy.sock"
}

down() {
  for f in "${FLEET_DIR}"/haproxy.pid "${FLEET_DIR}"/replica-*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  log "stopped"
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up|status|down" >&2; exit 2 ;;
esac
