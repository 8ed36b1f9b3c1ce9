#!/usr/bin/env bash
# Makes sure the PostgreSQL and NATS JetStream servers that integration tests use
# are installed and accepting connections on 127.0.0.1 (5432 and 4222), and that
# Debian's chromium, which the web app's browser tests drive, is installed.
# Idempotent, and silent when everything is already up. Installing and starting
# system services needs root (CI runs as root); otherwise it says what to run.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
NATS_PORT=4222
NATS_STORE=/var/lib/nats-server

log() { echo "ensure-infra: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo "$@"
  else
    log "needs root to run: $*"
    log "see DEVELOPERS.md for starting PostgreSQL and NATS by hand"
    exit 1
  fi
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Waits up to $1 seconds for the command that follows to succeed.
wait_for() {
  local seconds=$1
  shift
  for _ in $(seq $((seconds * 5))); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  return 1
}

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }

# The newest installed cluster version, e.g. 15.
pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
[ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null || missing+=(nats-server)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    # A fresh Debian cluster asks for passwords over TCP; tests and `npm start`
    # connect as postgres without one, so trust loopback on this development cluster.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      as_root sed -i -E 's/^(local|host)(\s+all\s+all\s+.*)(peer|scram-sha-256|md5)$/\1\2trust/' "$hba"
    done
    # The package may have started the cluster already, with the old rules.
    if pg_ready; then as_root pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main reload; fi
  fi
fi

if ! pg_ready; then
  version=$(pg_version)
  if [ -z "$version" ]; then
    log "PostgreSQL is installed but has no cluster under /etc/postgresql"
    exit 1
  fi
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  if ! wait_for 30 pg_ready; then
    log "PostgreSQL is not accepting connections on $PG_HOST:$PG_PORT"
    exit 1
  fi
fi

# Tests connect as postgres without a password; Debian's default pg_hba.conf
# trusts local TCP connections only when configured so, so check it once.
if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -w -Atqc 'select 1' >/dev/null 2>&1; then
  log "cannot connect as postgres without a password on $PG_HOST:$PG_PORT; allow trust auth for 127.0.0.1 in pg_hba.conf"
  exit 1
fi

if ! port_open 127.0.0.1 "$NATS_PORT"; then
  log "starting nats-server with JetStream"
  nats_bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  as_root mkdir -p "$NATS_STORE"
  as_root start-stop-daemon --start --oknodo --background --exec "$nats_bin" -- \
    -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$NATS_STORE"
  if ! wait_for 30 port_open 127.0.0.1 "$NATS_PORT"; then
    log "nats-server is not accepting connections on 127.0.0.1:$NATS_PORT"
    exit 1
  fi
fi
