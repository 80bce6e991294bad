#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages, starts it on loopback and prints the SPECLEDGER_TEST_PG export line.
#
# Usage (as root, e.g. from .ci/run):   eval "$(bash scripts/ci-postgres.sh)"
# Only the export line goes to stdout, so the eval above is safe; progress goes to stderr.
# Idempotent: a second run finds the packages, the cluster and the roles in place and only starts it.
set -euo pipefail

PG_USER=specledger
PG_PASSWORD=specledger
PG_DB=specledger_test
# A member role the server can SET ROLE to: it is granted only SELECT, INSERT on the ledger rows, which is
# how a fleet deployment separates the migrating owner from the serving role (see postgres-schema.ts).
PG_APP_ROLE=specledger_app
PG_PORT=5432

log() { echo "ci-postgres: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (it installs packages and starts a system service)"
  exit 1
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing postgresql from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

# The newest installed major version, e.g. 15 on Debian 12.
PG_VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
CLUSTER=main

if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "${PG_VERSION} ${CLUSTER}"; then
  log "creating cluster ${PG_VERSION}/${CLUSTER}"
  pg_createcluster "${PG_VERSION}" "${CLUSTER}" --port "${PG_PORT}" >&2
fi

# Loopback only: CI needs no remote clients, and nothing else on the machine should reach this cluster.
pg_conftool "${PG_VERSION}" "${CLUSTER}" set listen_addresses 'localhost' >&2
pg_conftool "${PG_VERSION}" "${CLUSTER}" set port "${PG_PORT}" >&2

if pg_lsclusters -h | awk -v v="${PG_VERSION}" -v c="${CLUSTER}" '$1==v && $2==c {print $4}' | grep -qx online; then
  log "cluster ${PG_VERSION}/${CLUSTER} already running"
else
  log "starting cluster ${PG_VERSION}/${CLUSTER} on 127.0.0.1:${PG_PORT}"
  pg_ctlcluster "${PG_VERSION}" "${CLUSTER}" start >&2
fi

# Wait for it to accept connections (a fresh cluster takes a moment after pg_ctlcluster returns).
for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "${PG_PORT}"; then break; fi
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "${PG_PORT}" >&2

psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -p "${PG_PORT}" "$@"; }

psql_admin <<SQL >&2
SET client_min_messages = warning;
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_USER}') THEN
    CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  ELSE
    ALTER ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_APP_ROLE}') THEN
    CREATE ROLE ${PG_APP_ROLE} NOLOGIN;
  END IF;
END
\$\$;
GRANT ${PG_APP_ROLE} TO ${PG_USER};
SQL

if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '${PG_DB}'" | grep -qx 1; then
  psql_admin -c "CREATE DATABASE ${PG_DB} OWNER ${PG_USER}" >&2
fi

log "ready"
echo "export SPECLEDGER_TEST_PG=postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${PG_DB}"
