# scripts/cluster.sh: private PostgreSQL clusters with pg_tviews preloaded, for the bench
# (bench/run.sh, bench/kernels.sh), the demo (scripts/demo.sh) and the test scripts. Sourced:
#
#   source "$ROOT/scripts/cluster.sh"
#   bin=$(cluster_stage "$BUILD_DIR" "$WORK/install")    # a staged install of a build
#   cluster_init "$WORK/pg" 55450 "$bin" "shared_buffers = 1GB"
#   cluster_start "$WORK/pg" "$bin"; cluster_stop_on_exit "$WORK/pg" "$bin"
#   cluster_psql "$WORK/pg" 55450 "$bin" postgres -c 'SELECT 1'
#
# A cluster is a directory DIR holding its data directory (DIR/data), its server log
# (DIR/server.log) and its unix socket (no TCP). As root the cluster belongs to, and runs as,
# `postgres` (initdb refuses root); as an ordinary user it runs as that user. Either way the
# database superuser is $CLUSTER_USER.
#
# Variables: PG_BIN, the bin directory of the PostgreSQL server to use (default
# /usr/lib/postgresql/15/bin); CLUSTER_KEEP=1 keeps the directories registered with
# cluster_remove_on_exit. Defines only cluster_* functions and CLUSTER_* variables, and unsets
# the libpq environment (PGHOST, PGPORT, ...) so that nothing reaches another server.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/${PG:-15}/bin}
CLUSTER_AS_ROOT=0
[[ $(id -u) -eq 0 ]] && CLUSTER_AS_ROOT=1
if [[ $CLUSTER_AS_ROOT -eq 1 ]]; then CLUSTER_USER=postgres; else CLUSTER_USER=$(id -un); fi
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS

cluster_die() { echo "${CLUSTER_LOG_PREFIX:-cluster}: $*" >&2; exit 1; }

# cluster_require: the server of PG_BIN is installed and, as root, the postgres user exists.
cluster_require() {
  [[ -x "$PG_BIN/pg_config" ]] || cluster_die "$PG_BIN/pg_config missing (scripts/install-deps.sh)"
  if [[ $CLUSTER_AS_ROOT -eq 1 ]] && ! id postgres >/dev/null 2>&1; then
    cluster_die "running as root needs a 'postgres' user (the server package creates it)"
  fi
}

# cluster_pg_major: the major version of the server of PG_BIN (15, ...).
cluster_pg_major() {
  "$PG_BIN/pg_config" --version | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p'
}

# cluster_as_owner CMD...: run CMD as the cluster owner (postgres when we are root).
cluster_as_owner() {
  if [[ $CLUSTER_AS_ROOT -eq 1 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# cluster_own DIR...: give DIR (recursively) to the cluster owner and let everyone traverse it.
cluster_own() {
  [[ $CLUSTER_AS_ROOT -eq 1 ]] && chown -R -h postgres:postgres "$@"
  chmod 0755 "$@"
}

# cluster_mktemp NAME: a new directory /tmp/NAME.XXXXXX for clusters, owned by the cluster owner.
cluster_mktemp() {
  local d
  d=$(mktemp -d "/tmp/$1.XXXXXX") || return 1
  cluster_own "$d"
  echo "$d"
}

# cluster_source_of BUILD_DIR: the source tree BUILD_DIR was configured from (its CMakeCache.txt),
# whose scripts/stage-install.sh and extension SQL match the build's pg_tviews.so; nothing if
# unknown.
cluster_source_of() {
  local d=''
  [[ -f "$1/CMakeCache.txt" ]] && d=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$1/CMakeCache.txt")
  if [[ -n "$d" && -x "$d/scripts/stage-install.sh" ]]; then echo "$d"; fi
}

# cluster_stage BUILD_DIR DEST [SOURCE_ROOT]: stage the server of PG_BIN with BUILD_DIR's
# pg_tviews.so and the extension files of SOURCE_ROOT (default: the build's own source tree,
# else this repository) into DEST (scripts/stage-install.sh of that source tree); prints the
# staged bin directory. The staging log goes to DEST.log, shown on failure.
cluster_stage() {
  local build=$1 dest=$2 src=${3:-} root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  [[ -n "$src" ]] || src=$(cluster_source_of "$build")
  [[ -n "$src" ]] || src=$root
  [[ -f "$build/pg_tviews.so" ]] || cluster_die "$build/pg_tviews.so missing (build first: make)"
  if ! PG_BIN=$PG_BIN "$src/scripts/stage-install.sh" "$build" "$dest" >"$dest.log" 2>&1; then
    cat "$dest.log" >&2
    cluster_die "staging $build into $dest failed"
  fi
  echo "$dest/lib/postgresql/$(cluster_pg_major)/bin"
}

# cluster_init DIR PORT BIN [CONF]: initdb DIR/data with BIN, listening on PORT on a unix socket
# in DIR only, pg_tviews preloaded, then the configuration lines CONF. DIR may exist.
cluster_init() {
  local dir=$1 port=$2 bin=$3 extra=${4:-}
  mkdir -p "$dir"
  cluster_own "$dir"
  if ! cluster_as_owner "$bin/initdb" -D "$dir/data" --auth=trust --encoding=UTF8 --no-locale \
       >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    cluster_die "initdb of $dir/data failed"
  fi
  cluster_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# ---- pg_tviews private cluster (scripts/cluster.sh) ----
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_tviews'
$extra
EOF
}

# cluster_start DIR BIN [start|restart]: start (or restart) the cluster of DIR and wait for it;
# on failure shows the end of DIR/server.log.
cluster_start() {
  local dir=$1 bin=$2 verb=${3:-start}
  if ! cluster_as_owner "$bin/pg_ctl" "$verb" -D "$dir/data" -l "$dir/server.log" -w -t 120 >/dev/null; then
    echo "${CLUSTER_LOG_PREFIX:-cluster}: the server in $dir did not start; last lines of its log:" >&2
    tail -n 30 "$dir/server.log" >&2 || true
    return 1
  fi
}

# cluster_pid DIR: the pid of the live postmaster of DIR/data, or fail. Read as the invoking
# user, so it also works as root when postgres can no longer reach DIR.
cluster_pid() {
  local pid
  [[ -f "$1/data/postmaster.pid" ]] || return 1
  pid=$(head -n 1 "$1/data/postmaster.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == */postgres ]] || return 1
  echo "$pid"
}

cluster_running() { cluster_pid "$1" >/dev/null; }   # DIR

# cluster_stop DIR BIN: fast shutdown of the cluster of DIR, if it runs (a SIGINT to the
# postmaster when pg_ctl cannot reach it).
cluster_stop() {
  local dir=$1 bin=$2 pid i
  pid=$(cluster_pid "$dir") || return 0
  if ! cluster_as_owner "$bin/pg_ctl" stop -D "$dir/data" -m fast -w -t 120 >/dev/null 2>&1; then
    kill -INT "$pid" 2>/dev/null || true
    for ((i = 0; i < 120; i++)); do
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.5
    done
    echo "${CLUSTER_LOG_PREFIX:-cluster}: could not stop the cluster in $dir" >&2
    return 1
  fi
}

# cluster_psql DIR PORT BIN DB ARGS...: psql into DB of the cluster of DIR as CLUSTER_USER,
# quiet, stopping at the first error.
cluster_psql() {
  local dir=$1 port=$2 bin=$3 db=$4; shift 4
  PGOPTIONS='-c client_min_messages=warning' \
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$CLUSTER_USER" -d "$db" "$@"
}

# ---- clean-up on exit ------------------------------------------------------------------------
CLUSTER_EXIT_STOP=()     # "DIR BIN" of the clusters to stop on exit
CLUSTER_EXIT_REMOVE=()   # directories to remove on exit (unless CLUSTER_KEEP=1)
CLUSTER_EXIT_HOOKS=()    # commands run on exit, before the clusters stop
CLUSTER_TRAPPED=0

cluster__on_exit() {
  local rc=$? e
  set +e
  for e in "${CLUSTER_EXIT_HOOKS[@]}"; do eval "$e"; done
  for e in "${CLUSTER_EXIT_STOP[@]}"; do cluster_stop "${e%% *}" "${e#* }"; done
  for e in "${CLUSTER_EXIT_REMOVE[@]}"; do
    if [[ "${CLUSTER_KEEP:-0}" == 1 ]]; then
      echo "${CLUSTER_LOG_PREFIX:-cluster}: kept $e" >&2
    else
      rm -rf "$e"
    fi
  done
  exit "$rc"
}
cluster__arm() {
  [[ $CLUSTER_TRAPPED -eq 1 ]] && return 0
  trap cluster__on_exit EXIT
  trap 'exit 130' INT TERM
  CLUSTER_TRAPPED=1
}
cluster_stop_on_exit() { cluster__arm; CLUSTER_EXIT_STOP+=("$1 $2"); }     # DIR BIN
cluster_remove_on_exit() { cluster__arm; CLUSTER_EXIT_REMOVE+=("$1"); }    # DIR
cluster_on_exit() { cluster__arm; CLUSTER_EXIT_HOOKS+=("$1"); }            # COMMAND
