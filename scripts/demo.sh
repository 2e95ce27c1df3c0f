#!/usr/bin/env bash
# Usage: scripts/demo.sh [start|stop]        (make demo / make demo-stop)
# start: installs deps, builds, installs pg_tviews into the system PostgreSQL $PG (default 15), (re)starts a
#        private demo cluster (port 55440, socket in the cluster dir, no TCP) with pg_tviews
#        preloaded, recreates database `demo`, runs docs/demo.sql in it and prints how to
#        connect. The cluster lives in $BUILD_DIR/demo, or /tmp/pg_tviews-demo when running as
#        root and the `postgres` user (which then owns the cluster) cannot reach the build dir.
# stop:  stops the demo cluster (either location).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
PORT=55440
PG=${PG:-15}
PGBIN=/usr/lib/postgresql/$PG/bin
FALLBACK_DIR=/tmp/pg_tviews-demo
action=${1:-start}

AS_ROOT=0
[[ $(id -u) -eq 0 ]] && AS_ROOT=1
if [[ $AS_ROOT -eq 1 ]]; then DBUSER=postgres; else DBUSER=$(id -un); fi

# as_owner CMD...: run CMD as the cluster owner (postgres when we are root).
as_owner() {
  if [[ $AS_ROOT -eq 1 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# postmaster_pid DIR: pid of the live postmaster of DIR/data (read as the invoking user,
# so it also works as root when postgres can no longer reach DIR), or fail.
postmaster_pid() {
  local pid
  [[ -f "$1/data/postmaster.pid" ]] || return 1
  pid=$(head -n 1 "$1/data/postmaster.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == */postgres ]] || return 1
  echo "$pid"
}

cluster_running() { # DIR
  postmaster_pid "$1" >/dev/null
}

stop_cluster() { # DIR
  local pid i
  pid=$(postmaster_pid "$1") || return 0
  if ! as_owner "$PGBIN/pg_ctl" stop -D "$1/data" -m fast -w >/dev/null 2>&1; then
    kill -INT "$pid" 2>/dev/null || true          # fast shutdown, pg_ctl could not reach it
    for ((i = 0; i < 60; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
  fi
  echo "demo: stopped the cluster in $1 (data kept; rm -rf $1 to discard it)"
}

stop_demo() {
  local d stopped=0
  for d in "$BUILD_DIR/demo" "$FALLBACK_DIR"; do
    if cluster_running "$d"; then
      stop_cluster "$d"
      stopped=1
    fi
  done
  [[ $stopped -eq 1 ]] || echo "demo: no demo cluster running"
}

case "$action" in
  stop) stop_demo; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

[[ -f "$ROOT/docs/demo.sql" ]] || { echo "demo: docs/demo.sql missing" >&2; exit 1; }

# ---- deps, build, system install ------------------------------------------------------
"$ROOT/scripts/install-deps.sh"
cmake -S "$ROOT" -B "$BUILD_DIR" -DPG="$PG" -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
cmake --build "$BUILD_DIR" -j2
if [[ $AS_ROOT -eq 1 ]]; then
  cmake --install "$BUILD_DIR"
elif command -v sudo >/dev/null 2>&1; then
  sudo cmake --install "$BUILD_DIR"
else
  echo "demo: installing into the system server needs root or sudo" >&2
  exit 1
fi

# ---- where the cluster lives -------------------------------------------------------------
DEMO=$BUILD_DIR/demo
if [[ $AS_ROOT -eq 1 ]] && ! runuser -u postgres -- test -x "$BUILD_DIR" 2>/dev/null; then
  DEMO=$FALLBACK_DIR
  echo "demo: user postgres cannot traverse $BUILD_DIR; using $DEMO for the cluster instead"
fi
if [[ ${#DEMO} -gt 90 ]]; then  # unix socket paths are limited to ~107 bytes
  DEMO=$FALLBACK_DIR
  echo "demo: build path too long for a unix socket; using $DEMO for the cluster instead"
fi
# a cluster left running in the other location would hold the port
for d in "$BUILD_DIR/demo" "$FALLBACK_DIR"; do
  if [[ "$d" != "$DEMO" ]] && cluster_running "$d"; then
    stop_cluster "$d"
  fi
done

mkdir -p "$DEMO"
[[ $AS_ROOT -eq 1 ]] && chown postgres:postgres "$DEMO"
chmod 0755 "$DEMO"
LOG=$DEMO/server.log

if [[ ! -f "$DEMO/data/PG_VERSION" ]]; then
  rm -rf "${DEMO:?}/data"
  as_owner "$PGBIN/initdb" -D "$DEMO/data" --auth=trust --encoding=UTF8 --no-locale >/dev/null
  as_owner tee -a "$DEMO/data/postgresql.conf" >/dev/null <<EOF

# ---- pg_tviews demo (scripts/demo.sh) ----
port = $PORT
listen_addresses = ''
unix_socket_directories = '$DEMO'
shared_preload_libraries = 'pg_tviews'
EOF
  echo "demo: initialized a new cluster in $DEMO/data"
fi

if cluster_running "$DEMO"; then
  echo "demo: restarting the running demo cluster (to load the new pg_tviews.so)"
  verb=restart
else
  verb=start
fi
if ! as_owner "$PGBIN/pg_ctl" "$verb" -D "$DEMO/data" -l "$LOG" -w -t 60 >/dev/null; then
  echo "demo: the server did not start; last lines of $LOG:" >&2
  tail -n 30 "$LOG" >&2 || true
  exit 1
fi

PSQL=("$PGBIN/psql" -X -h "$DEMO" -p "$PORT" -U "$DBUSER")
PGOPTIONS='-c client_min_messages=warning' "${PSQL[@]}" -d postgres -q -v ON_ERROR_STOP=1 \
  -c 'DROP DATABASE IF EXISTS demo WITH (FORCE)' -c 'CREATE DATABASE demo'
echo "demo: running docs/demo.sql in database demo"
echo
"${PSQL[@]}" -d demo -e -v ON_ERROR_STOP=1 -f "$ROOT/docs/demo.sql"

echo
echo "demo: the cluster is running (log: $LOG). Connect with:"
echo "  $PGBIN/psql -h $DEMO -p $PORT -U $DBUSER -d demo"
echo "Stop it with:"
echo "  make demo-stop"
