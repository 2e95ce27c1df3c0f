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
FALLBACK_DIR=/tmp/pg_tviews-demo
action=${1:-start}
# shellcheck source=cluster.sh
PG=${PG:-15}
source "$ROOT/scripts/cluster.sh"     # PG_BIN: the server the demo installs into and runs
CLUSTER_LOG_PREFIX=demo

stop_cluster() { # DIR
  cluster_running "$1" || return 0
  cluster_stop "$1" "$PG_BIN"
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
if [[ $CLUSTER_AS_ROOT -eq 1 ]]; then
  cmake --install "$BUILD_DIR"
elif command -v sudo >/dev/null 2>&1; then
  sudo cmake --install "$BUILD_DIR"
else
  echo "demo: installing into the system server needs root or sudo" >&2
  exit 1
fi

# ---- where the cluster lives -------------------------------------------------------------
DEMO=$BUILD_DIR/demo
if [[ $CLUSTER_AS_ROOT -eq 1 ]] && ! runuser -u postgres -- test -x "$BUILD_DIR" 2>/dev/null; then
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

if [[ ! -f "$DEMO/data/PG_VERSION" ]]; then
  rm -rf "${DEMO:?}/data"
  cluster_init "$DEMO" "$PORT" "$PG_BIN"
  echo "demo: initialized a new cluster in $DEMO/data"
fi
LOG=$DEMO/server.log

if cluster_running "$DEMO"; then
  echo "demo: restarting the running demo cluster (to load the new pg_tviews.so)"
  cluster_start "$DEMO" "$PG_BIN" restart
else
  cluster_start "$DEMO" "$PG_BIN"
fi

PSQL=("$PG_BIN/psql" -X -h "$DEMO" -p "$PORT" -U "$CLUSTER_USER")
PGOPTIONS='-c client_min_messages=warning' "${PSQL[@]}" -d postgres -q -v ON_ERROR_STOP=1 \
  -c 'DROP DATABASE IF EXISTS demo WITH (FORCE)' -c 'CREATE DATABASE demo'
echo "demo: running docs/demo.sql in database demo"
echo
"${PSQL[@]}" -d demo -e -v ON_ERROR_STOP=1 -f "$ROOT/docs/demo.sql"

echo
echo "demo: the cluster is running (log: $LOG). Connect with:"
echo "  $PG_BIN/psql -h $DEMO -p $PORT -U $CLUSTER_USER -d demo"
echo "Stop it with:"
echo "  make demo-stop"
