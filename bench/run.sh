#!/usr/bin/env bash
# bench/run.sh: the pg_tviews benchmark (make bench). See bench/README.md.
#
# Starts a private PostgreSQL 15 cluster from a staged install of the current build (pg_tviews
# preloaded, port 55450, unix socket only), loads one data set (bench/sql/schema.sql) into a
# template database and copies it into one database per configuration:
#   plain     no read model at all (the baseline)
#   tviews    tv_post is a TVIEW (CREATE TABLE ... USING tview_am AS Q), maintained by pg_tviews
#   triggers  tv_post is a heap table maintained by hand-written statement-level triggers
#   matview   tv_post is a MATERIALIZED VIEW: only REFRESH [CONCURRENTLY] is timed
#   ivm       the peer, where the server has pg_ivm (make bench PG=18): pg_ivm maintains the join
#             as an IMMV and tv_post is a view building the documents from it
#             (bench/sql/config_ivm.sql says why); posts suite only
# then runs the pgbench workloads in bench/workloads/ (1 and 4 clients) on plain, tviews and
# triggers, checks that tviews and triggers still equal Q, times the refreshes, and prints a
# Markdown report (also written to bench/results/latest.md). The cluster is stopped at the end.
#
# Two suites, each with its own data and databases in the same cluster:
#   posts     tv_post over tb_post JOIN tb_user (bench/sql/tv_post_query.sql); workloads W1..W5;
#             databases plain, tviews, triggers, matview
#   comments  the same plus tb_comment (300,000 comments): tv_post with a comments array (a child
#             aggregate, bench/sql/tv_post_comments_query.sql) and tv_user_feed, users with
#             their tv_post documents (a TVIEW over tv_post, bench/sql/tv_user_feed_query.sql);
#             workloads C1..C5; databases c_plain, c_tviews, c_triggers, c_matview
#
# Environment:
#   BUILD_DIR             build to benchmark (default build; relative to the repo root). The
#                         extension's SQL files come from the source tree that build was
#                         configured from (its CMakeCache.txt), so .so and SQL always match.
#   BENCH_SECONDS         measured seconds per configuration, workload and client count
#                         (default 10), split into BENCH_ROUNDS interleaved slices
#   BENCH_ROUNDS          slices (default: 5, or BENCH_SECONDS if smaller)
#   BENCH_WARMUP          warm-up seconds per configuration, workload and client count
#                         (default 1; 0 disables)
#   BENCH_CLIENTS         client counts (default "1 4")
#   BENCH_SUITE           posts, comments or all (default all)
#   BENCH_WORKLOADS       subset of the suite's workloads, "w1 w2 w3 w4 w5" (posts) and
#                         "c1 c2 c3 c4 c5" (comments) (default: all of the suite's)
#   BENCH_CONFIGS         subset of "plain tviews tviews_nojit triggers matview ivm" (default all)
#   BENCH_REFRESH_REPEAT  timed refreshes of each kind (default 3; the median is reported)
#   BENCH_PORT            default 55450
#   BENCH_KEEP=1          keep the cluster's directory (/tmp/pg_tviews-bench.*) afterwards
# Exit status: 0 when every run completed and every maintained table checked out; 1 otherwise
# (the report is written either way); 2 on bad usage.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"

BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_WARMUP=${BENCH_WARMUP:-1}
BENCH_ROUNDS=${BENCH_ROUNDS:-}
BENCH_CLIENTS=${BENCH_CLIENTS:-"1 4"}
BENCH_SUITE=${BENCH_SUITE:-all}
case "$BENCH_SUITE" in
  posts) DEFAULT_WORKLOADS="w1 w2 w3 w4 w5" ;;
  comments) DEFAULT_WORKLOADS="c1 c2 c3 c4 c5" ;;
  all) DEFAULT_WORKLOADS="w1 w2 w3 w4 w5 c1 c2 c3 c4 c5" ;;
  *) echo "bench: BENCH_SUITE must be posts, comments or all" >&2; exit 2 ;;
esac
BENCH_WORKLOADS=${BENCH_WORKLOADS:-$DEFAULT_WORKLOADS}
BENCH_CONFIGS=${BENCH_CONFIGS:-"plain tviews tviews_nojit triggers matview ivm"}
BENCH_REFRESH_REPEAT=${BENCH_REFRESH_REPEAT:-3}
BENCH_KEEP=${BENCH_KEEP:-0}
PORT=${BENCH_PORT:-55450}

die_usage() { echo "bench: $*" >&2; exit 2; }
[[ "$BENCH_SECONDS" =~ ^[1-9][0-9]*$ ]] || die_usage "BENCH_SECONDS must be a positive integer"
[[ "$BENCH_WARMUP" =~ ^[0-9]+$ ]] || die_usage "BENCH_WARMUP must be a non-negative integer"
if [[ -z "$BENCH_ROUNDS" ]]; then BENCH_ROUNDS=$(( BENCH_SECONDS < 5 ? BENCH_SECONDS : 5 )); fi
[[ "$BENCH_ROUNDS" =~ ^[1-9][0-9]*$ && "$BENCH_ROUNDS" -le "$BENCH_SECONDS" ]] \
  || die_usage "BENCH_ROUNDS must be a positive integer no larger than BENCH_SECONDS"
SLICE=$(( BENCH_SECONDS / BENCH_ROUNDS ))      # seconds per slice (pgbench -T is whole seconds)
MEASURED=$(( SLICE * BENCH_ROUNDS ))
[[ "$BENCH_REFRESH_REPEAT" =~ ^[1-9][0-9]*$ ]] || die_usage "BENCH_REFRESH_REPEAT must be a positive integer"
[[ "$PORT" =~ ^[0-9]+$ ]] || die_usage "BENCH_PORT must be a number"
for c in $BENCH_CLIENTS; do
  [[ "$c" =~ ^[1-9][0-9]*$ ]] || die_usage "BENCH_CLIENTS: '$c' is not a positive integer"
done

# ---- workloads -----------------------------------------------------------------------------
declare -A W_FILE=(
  [w1]=w1_user_fanout1.sql [w2]=w2_user_fanout50.sql [w3]=w3_post_title.sql
  [w4]=w4_post_insert.sql [w5]=w5_post_bulk_1000.sql
  [c1]=c1_comment_insert.sql [c2]=c2_comment_body.sql [c3]=c3_comment_delete.sql
  [c4]=c4_comment_move.sql [c5]=c5_user_rename.sql)
declare -A W_DESC=(
  [w1]="UPDATE tb_user.name, user with 1 post (1 tv row)"
  [w2]="UPDATE tb_user.name, user with 50 posts (50 tv rows)"
  [w3]="UPDATE tb_post.title, 1 row (1 tv row)"
  [w4]="INSERT tb_post, 1 row (1 tv row)"
  [w5]="UPDATE tb_post.title, 1,000 rows in 1 statement (1,000 tv rows)"
  [c1]="INSERT tb_comment, 1 row (1 comments array, 1 feed row)"
  [c2]="UPDATE tb_comment.body, 1 row (1 comments array, 1 feed row)"
  [c3]="DELETE tb_comment + re-INSERT it, 2 statements (twice: 1 comments array, 1 feed row)"
  [c4]="UPDATE tb_comment.fk_post: move to another post (2 comments arrays, 1 or 2 feed rows)"
  [c5]="UPDATE tb_user.name, user with 10-11 posts (10-11 tv_post rows, 1 feed row)")
suite_of() { case "$1" in w*) echo posts ;; c*) echo comments ;; esac; }
SUITES=()        # suites with at least one workload to run, in this order
for w in $BENCH_WORKLOADS; do
  [[ -n "${W_FILE[$w]:-}" ]] || die_usage "BENCH_WORKLOADS: unknown workload '$w' (w1..w5, c1..c5)"
  [[ $BENCH_SUITE == all || $(suite_of "$w") == "$BENCH_SUITE" ]] \
    || die_usage "BENCH_WORKLOADS: '$w' is not in BENCH_SUITE=$BENCH_SUITE"
  [[ -f "$BENCH/workloads/${W_FILE[$w]}" ]] || { echo "bench: bench/workloads/${W_FILE[$w]} missing" >&2; exit 1; }
done
for suite in posts comments; do
  for w in $BENCH_WORKLOADS; do
    if [[ $(suite_of "$w") == "$suite" ]]; then SUITES+=("$suite"); break; fi
  done
done
WL_POSTS="" WL_COMMENTS=""     # the selected workloads of each suite
for w in $BENCH_WORKLOADS; do
  if [[ $(suite_of "$w") == posts ]]; then WL_POSTS+="${WL_POSTS:+ }$w"; else WL_COMMENTS+="${WL_COMMENTS:+ }$w"; fi
done
has_suite() { [[ " ${SUITES[*]} " == *" $1 "* ]]; }
# db_of SUITE CFG: the database of configuration CFG in SUITE
# (tviews_nojit is the tviews database with pg_tviews.jit = off in its sessions.)
db_of() {
  local cfg=$2
  [[ $cfg == tviews_nojit ]] && cfg=tviews
  if [[ $1 == comments ]]; then echo "c_$cfg"; else echo "$cfg"; fi
}
RUN_CONFIGS=()   # configurations pgbench runs on, in this order
WANT_MATVIEW=0
for cfg in $BENCH_CONFIGS; do
  case "$cfg" in
    plain|tviews|tviews_nojit|triggers|ivm) RUN_CONFIGS+=("$cfg") ;;
    matview) WANT_MATVIEW=1 ;;
    *) die_usage "BENCH_CONFIGS: unknown configuration '$cfg'" ;;
  esac
done
if [[ " ${RUN_CONFIGS[*]} " == *" tviews_nojit "* && " ${RUN_CONFIGS[*]} " != *" tviews "* ]]; then
  die_usage "BENCH_CONFIGS: tviews_nojit runs on the tviews database: list tviews too"
fi

# ---- the build and its source tree -----------------------------------------------------------
SYS_BIN=/usr/lib/postgresql/${PG:-15}/bin
[[ -x "$SYS_BIN/pg_config" ]] || { echo "bench: $SYS_BIN/pg_config missing (scripts/install-deps.sh)" >&2; exit 1; }
# ivm (bench/sql/config_ivm.sql): posts suite only, where the server has pg_ivm (make bench PG=18)
IVM_PRELOAD=''
if [[ " ${RUN_CONFIGS[*]} " == *" ivm "* ]]; then
  if [[ -f "$("$SYS_BIN/pg_config" --pkglibdir)/pg_ivm.so" ]]; then
    IVM_PRELOAD=',pg_ivm'
  else
    echo "bench: this server has no pg_ivm: configuration ivm left out" >&2
    cfgs=(); for cfg in "${RUN_CONFIGS[@]}"; do [[ $cfg == ivm ]] || cfgs+=("$cfg"); done; RUN_CONFIGS=("${cfgs[@]}")
  fi
fi
[[ -f "$BUILD_DIR/pg_tviews.so" ]] || { echo "bench: $BUILD_DIR/pg_tviews.so missing (build first: make)" >&2; exit 1; }
SRC_ROOT=$ROOT
if [[ -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  d=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD_DIR/CMakeCache.txt")
  if [[ -n "$d" && -x "$d/scripts/stage-install.sh" ]]; then SRC_ROOT=$d; fi
fi
SRC_COMMIT=$(git -C "$SRC_ROOT" describe --always --dirty 2>/dev/null || echo unknown)

Q=$(grep -v '^[[:space:]]*--' "$BENCH/sql/tv_post_query.sql")
[[ -n "$Q" ]] || { echo "bench: bench/sql/tv_post_query.sql is empty" >&2; exit 1; }
ORACLE="SELECT count(*) FROM ((TABLE tv_post EXCEPT ALL ($Q)) UNION ALL (($Q) EXCEPT ALL TABLE tv_post)) d"
QC=$(grep -v '^[[:space:]]*--' "$BENCH/sql/tv_post_comments_query.sql")
QF=$(grep -v '^[[:space:]]*--' "$BENCH/sql/tv_user_feed_query.sql")
[[ -n "$QC" && -n "$QF" ]] || { echo "bench: bench/sql/tv_post_comments_query.sql or tv_user_feed_query.sql is empty" >&2; exit 1; }
# oracle_sql TABLE QUERY: rows differing between TABLE and QUERY (EXCEPT ALL both ways)
oracle_sql() { echo "SELECT count(*) FROM ((TABLE $1 EXCEPT ALL ($2)) UNION ALL (($2) EXCEPT ALL TABLE $1)) d"; }

# ---- where things go ---------------------------------------------------------------------------
AS_ROOT=0
[[ $(id -u) -eq 0 ]] && AS_ROOT=1
if [[ $AS_ROOT -eq 1 ]]; then
  id postgres >/dev/null 2>&1 || { echo "bench: running as root needs a 'postgres' user" >&2; exit 1; }
  DBUSER=postgres
else
  DBUSER=$(id -un)
fi
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$BENCH/results
OUT=$RESULTS/$STAMP            # this run's report and logs
mkdir -p "$OUT/pgbench"
DATA_TSV=$OUT/runs.tsv         # workload clients config tps latency_ms xacts failed status slice_tps
: > "$DATA_TSV"

WORK=$(mktemp -d /tmp/pg_tviews-bench.XXXXXX)
STAGE=$WORK/install
PGDATA_DIR=$WORK/data
SERVER_LOG=$WORK/server.log
CLUSTER_UP=0

as_owner() {
  if [[ $AS_ROOT -eq 1 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

cleanup() {
  local rc=$?
  set +e
  if [[ $CLUSTER_UP -eq 1 ]]; then
    as_owner "$BIN/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t 120 >/dev/null 2>&1 \
      || echo "bench: could not stop the cluster in $PGDATA_DIR" >&2
  fi
  [[ -f "$SERVER_LOG" ]] && cp "$SERVER_LOG" "$OUT/server.log"
  if [[ "$BENCH_KEEP" == 1 ]]; then
    echo "bench: kept $WORK (BENCH_KEEP=1)"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }

# ---- staged install and cluster ---------------------------------------------------------------
log "staging the build $BUILD_DIR (SQL from $SRC_ROOT, $SRC_COMMIT) into $STAGE"
"$SRC_ROOT/scripts/stage-install.sh" "$BUILD_DIR" "$STAGE" >"$OUT/stage-install.log" 2>&1 \
  || { cat "$OUT/stage-install.log" >&2; exit 1; }
BIN=$STAGE/lib/postgresql/${PG:-15}/bin
[[ $AS_ROOT -eq 1 ]] && chown -R -h postgres:postgres "$WORK"
chmod 0755 "$WORK"

as_owner "$BIN/initdb" -D "$PGDATA_DIR" --auth=trust --encoding=UTF8 --no-locale >"$OUT/initdb.log" 2>&1 \
  || { cat "$OUT/initdb.log" >&2; exit 1; }
# Sized for a 2-core / 24 GiB machine. Durability settings (fsync, synchronous_commit,
# full_page_writes, wal_level) stay at their defaults, and so do autovacuum and jit.
as_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<EOF

# ---- pg_tviews benchmark (bench/run.sh) ----
port = $PORT
listen_addresses = ''
unix_socket_directories = '$WORK'
shared_preload_libraries = 'pg_tviews$IVM_PRELOAD'
max_connections = 50
shared_buffers = 1GB
effective_cache_size = 16GB
work_mem = 32MB
maintenance_work_mem = 1GB
max_wal_size = 4GB
min_wal_size = 1GB
checkpoint_timeout = 30min
log_checkpoints = on
log_min_messages = warning
log_line_prefix = '%m [%p] %q%a '
EOF
if ! as_owner "$BIN/pg_ctl" start -D "$PGDATA_DIR" -l "$SERVER_LOG" -w -t 120 >/dev/null; then
  log "the server did not start; last lines of its log:"
  tail -n 30 "$SERVER_LOG" >&2 || true
  exit 1
fi
CLUSTER_UP=1

# fsync_probe: fdatasync latency of one 8kB write on the cluster's file system (pg_test_fsync's
# first test group, cut short), the floor of a 1-client commit's latency.
fsync_probe() {
  timeout 4 "$BIN/pg_test_fsync" -s 1 -f "$WORK/fsync-probe" 2>/dev/null \
    | awk '$1 == "fdatasync" {print $(NF-1); exit}' || true
  rm -f "$WORK/fsync-probe"
}
FSYNC_BEFORE=$(fsync_probe)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  log "!!! the machine is busy (load average $LOAD_BEFORE on $(nproc) CPUs): expect noisy numbers"
fi

# CPU accounting, to tell how much of the machine other processes took during the runs.
CLK_TCK=$(getconf CLK_TCK)
machine_busy_ticks() { # all CPUs: user nice system irq softirq steal
  awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
}
bench_ticks() { # this cluster (postmaster, its live children, its reaped children) + our own children (psql, pgbench)
  local pm t p ch
  pm=$(head -n 1 "$PGDATA_DIR/postmaster.pid")
  t=$(sed 's/.*) //' "/proc/$pm/stat" | awk '{print $12 + $13 + $14 + $15}')
  for p in $(ps -o pid= --ppid "$pm"); do
    ch=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || ch=0
    t=$((t + ${ch:-0}))
  done
  ch=$(times | tail -n 1 | awk -v hz="$CLK_TCK" '{
        split($1, u, /[ms]/); split($2, y, /[ms]/); printf "%d", (u[1] * 60 + u[2] + y[1] * 60 + y[2]) * hz }')
  echo $((t + ch))
}

# psql_in DB ARGS...: psql into DB, stop at the first error.
psql_in() {
  local db=$1; shift
  PGOPTIONS='-c client_min_messages=warning' \
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U "$DBUSER" -d "$db" "$@"
}
# val DB SQL: the single value SQL returns.
val() { psql_in "$1" -At -c "$2"; }
# timed DB SQL: run SQL, print its server round-trip time in ms (psql's \timing).
timed() {
  local out
  out=$(psql_in "$1" -c '\timing on' -c "$2") || { printf '%s\n' "$out" >&2; return 1; }
  printf '%s\n' "$out" | awk '/^Time: /{t=$2} END{if (t == "") exit 1; print t}'
}
# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END{if (NR == 0) exit 1; m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f\n", m}'; }

# ---- data ---------------------------------------------------------------------------------------
log "generating the data set (10,000 users, 100,000 posts) in template database bench_seed"
psql_in postgres -c 'CREATE DATABASE bench_seed'
psql_in bench_seed -f "$BENCH/sql/schema.sql" >"$OUT/schema.log" 2>&1 \
  || { cat "$OUT/schema.log" >&2; exit 1; }
if has_suite comments; then
  log "adding 300,000 comments in template database bench_seed_comments (a copy of bench_seed)"
  psql_in postgres -c 'CREATE DATABASE bench_seed_comments TEMPLATE bench_seed'
  psql_in bench_seed_comments -f "$BENCH/sql/comments_schema.sql" >"$OUT/comments_schema.log" 2>&1 \
    || { cat "$OUT/comments_schema.log" >&2; exit 1; }
fi

declare -A CFG_OK=() CFG_NOTE=() BUILD_MS=()   # keyed by database (BUILD_MS by database:table)
ENGINE=absent            # present when a tviews database has a pg_tviews_verify function
VERIFY_FN='' REFRESH_FN=''
ALL_CONFIGS=()           # configurations with a database of their own
for cfg in "${RUN_CONFIGS[@]}"; do [[ $cfg == tviews_nojit ]] || ALL_CONFIGS+=("$cfg"); done
[[ $WANT_MATVIEW -eq 1 ]] && ALL_CONFIGS+=(matview)
ALL_DBS=()               # every configuration's database, over the suites
for suite in "${SUITES[@]}"; do
  for cfg in "${ALL_CONFIGS[@]}"; do [[ $suite/$cfg == comments/ivm ]] || ALL_DBS+=("$(db_of "$suite" "$cfg")"); done
done

# proc_in DB NAME: schema-qualified name of function NAME in DB, or nothing.
proc_in() {
  val "$1" "SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname)
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname = '$2' ORDER BY n.nspname = 'pg_catalog' DESC, n.nspname LIMIT 1"
}

# tview_unique_key DB TABLE COLUMN: give the TVIEW TABLE a unique index on COLUMN unless the
# extension already made one.
tview_unique_key() {
  local db=$1 t=$2 col=$3
  if [[ $(val "$db" "SELECT count(*) FROM pg_index i JOIN pg_attribute a
                        ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                      WHERE i.indrelid = '$t'::regclass AND i.indisunique
                        AND i.indnkeyatts = 1 AND a.attname = '$col'") == 0 ]]; then
    psql_in "$db" -c "CREATE UNIQUE INDEX ${t}_$col ON $t ($col)" || return 1
  fi
}

setup_config() { # SUITE CFG: create CFG's database for SUITE from its template, and its read models
  local suite=$1 cfg=$2 db ms
  db=$(db_of "$suite" "$cfg")
  if [[ $suite == posts ]]; then
    psql_in postgres -c "CREATE DATABASE $db TEMPLATE bench_seed" || return 1
    # Every configuration stores its read model's documents with lz4, as pg_tviews does.
    psql_in postgres -c "ALTER DATABASE $db SET default_toast_compression = 'lz4'" || return 1
    case "$cfg" in
      plain) ;;
      tviews)
        psql_in "$db" -c 'CREATE EXTENSION pg_tviews' || return 1
        ms=$(timed "$db" "CREATE TABLE tv_post USING tview_am AS $Q") || return 1
        BUILD_MS[$db:tv_post]=$ms
        [[ $(val "$db" "SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'tv_post'::regclass") == tview_am ]] \
          || { log "$db: tv_post is not stored by tview_am"; return 1; }
        # The TVIEW key needs a unique index; create one unless the extension already made one.
        tview_unique_key "$db" tv_post pk_post || return 1
        ;;
      triggers)
        ms=$(timed "$db" "CREATE TABLE tv_post AS $Q") || return 1
        BUILD_MS[$db:tv_post]=$ms
        psql_in "$db" -f "$BENCH/sql/config_triggers.sql" || return 1
        ;;
      matview)
        ms=$(timed "$db" "CREATE MATERIALIZED VIEW tv_post AS $Q") || return 1
        BUILD_MS[$db:tv_post]=$ms
        psql_in "$db" -c 'CREATE UNIQUE INDEX tv_post_pk_post ON tv_post (pk_post)' || return 1
        ;;
      ivm)
        psql_in "$db" -f "$BENCH/sql/config_ivm.sql" || return 1
        ;;
    esac
  else
    # tv_user_feed reads tv_post by fk_user: every configuration gets that index on tv_post
    # before tv_user_feed is built (pg_tviews would create it itself, but only after filling
    # tv_user_feed, which then takes minutes instead of seconds).
    psql_in postgres -c "CREATE DATABASE $db TEMPLATE bench_seed_comments" || return 1
    # Every configuration stores its read model's documents with lz4, as pg_tviews does.
    psql_in postgres -c "ALTER DATABASE $db SET default_toast_compression = 'lz4'" || return 1
    case "$cfg" in
      plain) ;;
      tviews)
        psql_in "$db" -c 'CREATE EXTENSION pg_tviews' || return 1
        ms=$(timed "$db" "CREATE TABLE tv_post USING tview_am AS $QC") || return 1
        BUILD_MS[$db:tv_post]=$ms
        tview_unique_key "$db" tv_post pk_post || return 1
        psql_in "$db" -c 'CREATE INDEX IF NOT EXISTS tv_post_fk_user_idx ON tv_post (fk_user)' || return 1
        ms=$(timed "$db" "CREATE TABLE tv_user_feed USING tview_am AS $QF") || return 1
        BUILD_MS[$db:tv_user_feed]=$ms
        [[ $(val "$db" "SELECT count(*) FROM pg_class c JOIN pg_am a ON a.oid = c.relam
                         WHERE c.oid IN ('tv_post'::regclass, 'tv_user_feed'::regclass) AND a.amname = 'tview_am'") == 2 ]] \
          || { log "$db: tv_post or tv_user_feed is not stored by tview_am"; return 1; }
        tview_unique_key "$db" tv_user_feed pk_user || return 1
        ;;
      triggers)
        ms=$(timed "$db" "CREATE TABLE tv_post AS $QC") || return 1
        BUILD_MS[$db:tv_post]=$ms
        psql_in "$db" -c 'CREATE INDEX tv_post_fk_user_idx ON tv_post (fk_user)' || return 1
        ms=$(timed "$db" "CREATE TABLE tv_user_feed AS $QF") || return 1
        BUILD_MS[$db:tv_user_feed]=$ms
        psql_in "$db" -f "$BENCH/sql/config_triggers_comments.sql" || return 1
        ;;
      matview)
        ms=$(timed "$db" "CREATE MATERIALIZED VIEW tv_post AS $QC") || return 1
        BUILD_MS[$db:tv_post]=$ms
        psql_in "$db" -c 'CREATE UNIQUE INDEX tv_post_pk_post ON tv_post (pk_post)' \
                      -c 'CREATE INDEX tv_post_fk_user_idx ON tv_post (fk_user)' || return 1
        ms=$(timed "$db" "CREATE MATERIALIZED VIEW tv_user_feed AS $QF") || return 1
        BUILD_MS[$db:tv_user_feed]=$ms
        psql_in "$db" -c 'CREATE UNIQUE INDEX tv_user_feed_pk_user ON tv_user_feed (pk_user)' || return 1
        ;;
    esac
  fi
  if [[ $cfg == tviews ]]; then
    VERIFY_FN=$(proc_in "$db" pg_tviews_verify) || return 1
    REFRESH_FN=$(proc_in "$db" pg_tviews_refresh) || return 1
    [[ -n "$VERIFY_FN" ]] && ENGINE=present
  fi
  psql_in "$db" -c 'VACUUM (ANALYZE)' || return 1
}

for suite in "${SUITES[@]}"; do
  for cfg in "${ALL_CONFIGS[@]}"; do
    db=$(db_of "$suite" "$cfg")
    if [[ $suite/$cfg == comments/ivm ]]; then CFG_OK[$db]=0; continue; fi  # (pg_ivm cannot express it)
    log "setting up configuration $cfg of suite $suite (database $db)"
    # not in a subshell: setup_config sets BUILD_MS, ENGINE, VERIFY_FN, REFRESH_FN
    if setup_config "$suite" "$cfg" >"$OUT/setup-$db.log" 2>&1; then
      CFG_OK[$db]=1
    else
      CFG_OK[$db]=0
      CFG_NOTE[$db]="setup failed: $(tail -n 3 "$OUT/setup-$db.log" | tr '\n' ' ')"
      log "!!! configuration $cfg of suite $suite: ${CFG_NOTE[$db]}"
    fi
  done
done
psql_in postgres -c 'CHECKPOINT'
ANY_TVIEWS_OK=0
for suite in "${SUITES[@]}"; do [[ "${CFG_OK[$(db_of "$suite" tviews)]:-0}" == 1 ]] && ANY_TVIEWS_OK=1; done
if [[ $ANY_TVIEWS_OK == 1 ]]; then
  if [[ $ENGINE == present ]]; then
    log "pg_tviews engine: present ($VERIFY_FN found)"
  else
    log "pg_tviews engine: absent (no pg_tviews_verify): the tviews runs measure a TVIEW nothing maintains"
  fi
fi

# ---- pgbench runs -----------------------------------------------------------------------------
# Shared virtual machines have noisy disks (the WAL flush of a commit can take 0.2 ms one
# second and 1 ms the next). So each (workload, clients) cell runs every configuration in
# BENCH_ROUNDS short slices, interleaved (plain, tviews, triggers, then the reverse order, ...),
# each round starting from a CHECKPOINT, and a configuration's TPS is its transactions over its
# time summed over the slices: a slow stretch of the disk hits all configurations alike.
n_runs=0         # (cell, configuration) pairs that will run
for w in $BENCH_WORKLOADS; do
  for c in $BENCH_CLIENTS; do
    for cfg in "${RUN_CONFIGS[@]}"; do
      [[ "${CFG_OK[$(db_of "$(suite_of "$w")" "$cfg")]}" == 1 ]] && n_runs=$((n_runs + 1))
    done
  done
done
log "$n_runs (workload, clients, configuration) runs x $BENCH_ROUNDS rounds of ${SLICE}s (+${BENCH_WARMUP}s warm-up each): about $(( (n_runs * (BENCH_WARMUP + BENCH_ROUNDS * SLICE + 2) + 59) / 60 )) min"

run_pgbench() { # DB CLIENTS SECONDS SCRIPT LOGFILE CFG
  local options=''
  # tviews runs with the default kernel tiers (compiled after pg_tviews.jit_threshold runs in a
  # session); tviews_nojit keeps every kernel in the interpreter.
  [[ ${6:-} == tviews_nojit ]] && options='-c pg_tviews.jit=off'
  PGOPTIONS=$options "$BIN/pgbench" -h "$WORK" -p "$PORT" -U "$DBUSER" -n -M prepared \
    -T "$3" -c "$2" -j "$2" -f "$4" "$1" >"$5" 2>&1
}

SLICES_TSV=$OUT/slices.tsv     # workload clients config round tps latency_ms xacts failed status
CPU_T0=$(date +%s.%N) CPU_BUSY0=$(machine_busy_ticks) CPU_OURS0=$(bench_ticks)
: > "$SLICES_TSV"
ANY_RUN_ERROR=0
flip=0
for w in $BENCH_WORKLOADS; do
  script=$BENCH/workloads/${W_FILE[$w]}
  suite=$(suite_of "$w")
  for c in $BENCH_CLIENTS; do
    # same starting state in every database: no dead rows left by earlier cells, caches warm
    for cfg in "${RUN_CONFIGS[@]}"; do
      db=$(db_of "$suite" "$cfg")
      [[ "${CFG_OK[$db]}" == 1 ]] || continue
      psql_in "$db" -c 'VACUUM (ANALYZE)' >/dev/null 2>&1 || true
    done
    if [[ $BENCH_WARMUP -gt 0 ]]; then
      for cfg in "${RUN_CONFIGS[@]}"; do
        db=$(db_of "$suite" "$cfg")
        [[ "${CFG_OK[$db]}" == 1 ]] || continue
        run_pgbench "$db" "$c" "$BENCH_WARMUP" "$script" "$OUT/pgbench/$w-c$c-$cfg-warmup.log" "$cfg" || true
      done
    fi
    for ((r = 1; r <= BENCH_ROUNDS; r++)); do
      order=("${RUN_CONFIGS[@]}")
      if (( flip % 2 == 1 )); then
        order=(); for ((i = ${#RUN_CONFIGS[@]} - 1; i >= 0; i--)); do order+=("${RUN_CONFIGS[i]}"); done
      fi
      flip=$((flip + 1))
      psql_in postgres -c 'CHECKPOINT' >/dev/null
      for cfg in "${order[@]}"; do
        db=$(db_of "$suite" "$cfg")
        [[ "${CFG_OK[$db]}" == 1 ]] || continue
        logf=$OUT/pgbench/$w-c$c-$cfg-r$r.log
        status=ok
        run_pgbench "$db" "$c" "$SLICE" "$script" "$logf" "$cfg" || status=error
        tps=$(awk '/^tps = /{print $3; exit}' "$logf")
        lat=$(awk '/^latency average = /{print $4; exit}' "$logf")
        xacts=$(awk -F': ' '/^number of transactions actually processed/{split($2, a, "/"); print a[1]; exit}' "$logf")
        failed=$(awk -F': ' '/^number of failed transactions/{split($2, a, " "); print a[1]; exit}' "$logf")
        [[ -n "$tps" && -n "$xacts" && "$xacts" != 0 ]] || status=error
        [[ -z "$failed" || "$failed" == 0 ]] || status=error
        if [[ $status != ok ]]; then
          ANY_RUN_ERROR=1
          log "!!! $w c=$c $cfg round $r: pgbench failed, see $logf:"
          grep -E 'error|ERROR|abort' "$logf" | head -n 5 >&2 || true
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$cfg" "$r" "${tps:--}" "${lat:--}" \
          "${xacts:--}" "${failed:--}" "$status" >>"$SLICES_TSV"
      done
    done
    # one line per configuration: TPS = transactions / time over all slices
    awk -F'\t' -v w="$w" -v c="$c" -v cfgs="${RUN_CONFIGS[*]}" '
      BEGIN { m = split(cfgs, C, " ") }
      $1 == w && $2 == c {
        k = $3; if (!(k in seen)) { seen[k] = 1; st[k] = "ok" }
        if ($9 != "ok") st[k] = "error"
        if ($5 != "-" && $7 != "-" && $5 > 0) { x[k] += $7; t[k] += $7 / $5; lt[k] += $6 * $7
          sl[k] = sl[k] (sl[k] == "" ? "" : " ") sprintf("%.0f", $5) }
        if ($8 != "-") f[k] += $8
      }
      END {
        for (i = 1; i <= m; i++) { k = C[i]; if (!(k in seen)) continue
          if (t[k] > 0) printf "%s\t%s\t%s\t%.3f\t%.3f\t%d\t%d\t%s\t%s\n", w, c, k, x[k] / t[k], lt[k] / x[k], x[k], f[k], st[k], sl[k]
          else printf "%s\t%s\t%s\t-\t-\t-\t-\terror\t-\n", w, c, k
        }
      }' "$SLICES_TSV" >>"$DATA_TSV"
    awk -F'\t' -v w="$w" -v c="$c" '$1 == w && $2 == c {
      printf "bench: %-3s c=%-2s %-9s %10s tps  %8s ms  %s  (slices: %s)\n", $1, $2, $3, $4, $5, $8, $9 }' "$DATA_TSV" >&2
  done
done

CPU_T1=$(date +%s.%N) CPU_BUSY1=$(machine_busy_ticks) CPU_OURS1=$(bench_ticks)
# percentages of the machine's capacity (all CPUs) over the runs
read -r CPU_OTHER_PCT CPU_OURS_PCT < <(awk -v t0="$CPU_T0" -v t1="$CPU_T1" -v b0="$CPU_BUSY0" -v b1="$CPU_BUSY1" \
  -v o0="$CPU_OURS0" -v o1="$CPU_OURS1" -v hz="$CLK_TCK" -v n="$(nproc)" 'BEGIN {
    cap = (t1 - t0) * hz * n; other = (b1 - b0) - (o1 - o0); if (other < 0) other = 0
    printf "%.0f %.0f\n", (cap > 0 ? 100 * other / cap : 0), (cap > 0 ? 100 * (o1 - o0) / cap : 0) }')
if [[ "$CPU_OTHER_PCT" -gt 10 ]]; then
  log "!!! other processes used ${CPU_OTHER_PCT}% of the machine's CPU during the runs: noisy numbers"
fi
FSYNC_AFTER=$(fsync_probe)

# ---- correctness ------------------------------------------------------------------------------
CHECKS=()        # Markdown lines
CHECK_FAILED=0

# check_one SUITE CFG TABLE QUERY: the oracle (and pg_tviews_verify on tviews) for TABLE in CFG's
# database of SUITE
check_one() {
  local suite=$1 cfg=$2 t=$3 q=$4 db n what="$2 ($1): $3"
  db=$(db_of "$suite" "$cfg")
  if [[ $cfg == tviews && $ENGINE == present ]]; then
    log "checking $what: $VERIFY_FN('$t')"
    if n=$(val "$db" "SELECT $VERIFY_FN('$t')" 2>"$OUT/check-$db-$t-verify.err"); then
      if [[ "$n" == 0 ]]; then
        CHECKS+=("- $what: $VERIFY_FN('$t') = 0: OK")
      else
        CHECKS+=("- **$what: MISMATCH: $VERIFY_FN('$t') = $n**"); CHECK_FAILED=1
      fi
    else
      CHECKS+=("- **$what: $VERIFY_FN('$t') failed: $(tr '\n' ' ' <"$OUT/check-$db-$t-verify.err")**"); CHECK_FAILED=1
    fi
  fi
  log "checking $what: oracle (TABLE $t vs its definition, EXCEPT ALL both ways)"
  if n=$(val "$db" "$(oracle_sql "$t" "$q")" 2>"$OUT/check-$db-$t.err"); then
    if [[ "$n" == 0 ]]; then
      CHECKS+=("- $what: oracle: 0 rows differ: OK")
    elif [[ $cfg == tviews && $ENGINE != present ]]; then
      CHECKS+=("- $what: oracle: $n rows differ: expected, the engine is absent (nothing maintains $t yet)")
    else
      CHECKS+=("- **$what: MISMATCH: the oracle finds $n rows differing between $t and its definition**"); CHECK_FAILED=1
    fi
  else
    CHECKS+=("- **$what: the oracle failed: $(tr '\n' ' ' <"$OUT/check-$db-$t.err")**"); CHECK_FAILED=1
  fi
}
for suite in "${SUITES[@]}"; do
  for cfg in triggers tviews ivm; do
    [[ " ${RUN_CONFIGS[*]} " == *" $cfg "* && "${CFG_OK[$(db_of "$suite" "$cfg")]:-0}" == 1 ]] || continue
    if [[ $suite == posts ]]; then
      check_one posts "$cfg" tv_post "$Q"
    else
      check_one comments "$cfg" tv_post "$QC"
      check_one comments "$cfg" tv_user_feed "$QF"
    fi
  done
done

# ---- full rebuilds ------------------------------------------------------------------------------
declare -A REFRESH_MED=() REFRESH_ALL=()
time_refreshes() { # KEY DB FIRST_USER SQL: BENCH_REFRESH_REPEAT timed runs of SQL, each after renaming user FIRST_USER + i - 1
  local key=$1 db=$2 u0=$3 sql=$4 i ms times=()
  for ((i = 1; i <= BENCH_REFRESH_REPEAT; i++)); do
    psql_in "$db" -c "UPDATE tb_user SET name = name || ' r' WHERE pk_user = $((u0 + i - 1))" || return 1
    psql_in postgres -c 'CHECKPOINT' || return 1
    ms=$(timed "$db" "$sql") || return 1
    times+=("$ms")
  done
  REFRESH_MED[$key]=$(printf '%s\n' "${times[@]}" | median)
  REFRESH_ALL[$key]=${times[*]}
}
# posts: each after renaming a 50-post user (users 1..)
if has_suite posts && [[ $WANT_MATVIEW -eq 1 && "${CFG_OK[matview]:-0}" == 1 ]]; then
  log "timing REFRESH MATERIALIZED VIEW (x$BENCH_REFRESH_REPEAT) and ... CONCURRENTLY (x$BENCH_REFRESH_REPEAT)"
  time_refreshes mv matview 1 'REFRESH MATERIALIZED VIEW tv_post' >>"$OUT/refresh.log" 2>&1 \
    || log "!!! REFRESH MATERIALIZED VIEW failed (see $OUT/refresh.log)"
  time_refreshes mvc matview 1 'REFRESH MATERIALIZED VIEW CONCURRENTLY tv_post' >>"$OUT/refresh.log" 2>&1 \
    || log "!!! REFRESH MATERIALIZED VIEW CONCURRENTLY failed (see $OUT/refresh.log)"
fi
if has_suite posts && [[ "${CFG_OK[tviews]:-0}" == 1 && -n "$REFRESH_FN" ]]; then
  log "timing $REFRESH_FN('tv_post') (x$BENCH_REFRESH_REPEAT)"
  time_refreshes tvr tviews 1 "SELECT $REFRESH_FN('tv_post')" >>"$OUT/refresh.log" 2>&1 \
    || log "!!! $REFRESH_FN('tv_post') failed (see $OUT/refresh.log)"
fi
# comments: each after renaming a user with 10 or 11 posts (users 1101..)
if has_suite comments && [[ $WANT_MATVIEW -eq 1 && "${CFG_OK[c_matview]:-0}" == 1 ]]; then
  for t in tv_post tv_user_feed; do
    log "comments suite: timing REFRESH MATERIALIZED VIEW [CONCURRENTLY] $t (x$BENCH_REFRESH_REPEAT each)"
    time_refreshes "c_mv_$t" c_matview 1101 "REFRESH MATERIALIZED VIEW $t" >>"$OUT/refresh.log" 2>&1 \
      || log "!!! REFRESH MATERIALIZED VIEW $t failed (see $OUT/refresh.log)"
    time_refreshes "c_mvc_$t" c_matview 1101 "REFRESH MATERIALIZED VIEW CONCURRENTLY $t" >>"$OUT/refresh.log" 2>&1 \
      || log "!!! REFRESH MATERIALIZED VIEW CONCURRENTLY $t failed (see $OUT/refresh.log)"
  done
fi
if has_suite comments && [[ "${CFG_OK[c_tviews]:-0}" == 1 && -n "$REFRESH_FN" ]]; then
  for t in tv_post tv_user_feed; do
    log "comments suite: timing $REFRESH_FN('$t') (x$BENCH_REFRESH_REPEAT)"
    time_refreshes "c_tvr_$t" c_tviews 1101 "SELECT $REFRESH_FN('$t')" >>"$OUT/refresh.log" 2>&1 \
      || log "!!! $REFRESH_FN('$t') failed (see $OUT/refresh.log)"
  done
fi

# ---- facts ----------------------------------------------------------------------------------------
PG_VERSION=$(val postgres 'SELECT version()')
BUILD_INFO=n/a
for db in tviews c_tviews; do
  if [[ "${CFG_OK[$db]:-0}" == 1 ]]; then
    BUILD_INFO=$(val "$db" 'SELECT tviews.build_info()' 2>/dev/null || echo n/a); break
  fi
done
SETTINGS=$(val postgres "SELECT string_agg(name || ' = ' || current_setting(name), E'\n' ORDER BY name)
  FROM pg_settings WHERE name IN ('shared_buffers', 'effective_cache_size', 'work_mem',
    'maintenance_work_mem', 'max_wal_size', 'min_wal_size', 'checkpoint_timeout', 'fsync',
    'synchronous_commit', 'full_page_writes', 'wal_level', 'wal_compression', 'autovacuum',
    'jit', 'huge_pages', 'max_connections', 'shared_preload_libraries', 'data_checksums')")
CPU_MODEL=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
MEM_GIB=$(awk '/^MemTotal:/{printf "%.1f", $2 / 1048576}' /proc/meminfo)
TV_INDEXES=""
for db in tviews triggers matview c_tviews c_triggers c_matview; do
  if [[ "${CFG_OK[$db]:-0}" == 1 ]]; then
    TV_INDEXES+="- $db: $(val "$db" "SELECT coalesce(string_agg(indexdef, '; ' ORDER BY tablename, indexname), 'none')
                                        FROM pg_indexes WHERE tablename IN ('tv_post', 'tv_user_feed')")"$'\n'
  fi
done

# ---- report ----------------------------------------------------------------------------------------
REPORT=$OUT/report.md
DESC_TSV=$OUT/workloads.tsv    # workload description
: > "$DESC_TSV"
for w in $BENCH_WORKLOADS; do printf '%s\t%s\n' "$w" "${W_DESC[$w]}" >>"$DESC_TSV"; done
set -- $BENCH_CLIENTS
c_lo=$1; c_hi=${!#}
set --

report_throughput() { # WORKLOADS: the TPS table of these workloads
  awk -F'\t' -v wl="$1" -v cl="$BENCH_CLIENTS" '
    function fmt(x) { if (x == "" || x == "-") return "-"; return (x >= 100) ? sprintf("%.0f", x) : sprintf("%.1f", x) }
    function ratio(a, b) { if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) return "-"; return sprintf("%.2f", a / b) }
    FNR == NR { desc[$1] = $2; next }
    { if ($8 == "ok") tps[$1, $2, $3] = $4; else tps[$1, $2, $3] = "-" }
    END {
      print "| workload | clients | plain | tviews | tviews, jit off | triggers | tviews/plain | tviews/triggers | jit on/off |"
      print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
      nw = split(wl, W, " "); nc = split(cl, C, " ")
      for (i = 1; i <= nw; i++) for (j = 1; j <= nc; j++) {
        w = W[i]; c = C[j]
        p = tps[w, c, "plain"]; t = tps[w, c, "tviews"]; n = tps[w, c, "tviews_nojit"]; g = tps[w, c, "triggers"]
        printf "| %s: %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", toupper(w), desc[w], c, fmt(p), fmt(t), fmt(n), fmt(g),
               ratio(t, p), ratio(t, g), ratio(t, n)
      }
    }' "$DESC_TSV" "$DATA_TSV"
}
report_scaling() { # WORKLOADS: TPS at the highest client count over TPS at the lowest
  awk -F'\t' -v wl="$1" -v lo="$c_lo" -v hi="$c_hi" '
    function ratio(a, b) { if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) return "-"; return sprintf("%.2f", a / b) }
    { if ($8 == "ok") tps[$1, $2, $3] = $4; else tps[$1, $2, $3] = "-" }
    END {
      print "| workload | plain | tviews | triggers | tviews scaling / plain scaling |"
      print "|---|---:|---:|---:|---:|"
      nw = split(wl, W, " ")
      for (i = 1; i <= nw; i++) {
        w = W[i]
        sp = ratio(tps[w, hi, "plain"], tps[w, lo, "plain"]); st = ratio(tps[w, hi, "tviews"], tps[w, lo, "tviews"])
        sg = ratio(tps[w, hi, "triggers"], tps[w, lo, "triggers"])
        printf "| %s | %s | %s | %s | %s |\n", toupper(w), sp, st, sg, ratio(st, sp)
      }
    }' "$DATA_TSV"
}
report_posts_targets() {
  awk -F'\t' -v wl="$WL_POSTS" -v cl="$BENCH_CLIENTS" -v engine="$ENGINE" '
    function num(x) { return (x != "" && x != "-") }
    function verdict(ok) { if (engine != "present") return "not evaluated (engine absent)"; return ok ? "PASS" : "**FAIL**" }
    function row(name, val, ok, known) {
      if (!known) { printf "| %s | - | not measured |\n", name; return }
      printf "| %s | %s | %s |\n", name, val, verdict(ok)
    }
    { if ($8 == "ok") tps[$1, $2, $3] = $4 }
    END {
      print "| target | measured | verdict |"
      print "|---|---|---|"
      nw = split(wl, W, " "); nc = split(cl, C, " ")
      # single-row workloads touching one TVIEW row: W1, W3, W4: tviews >= 0.60 x plain
      vals = ""; ok = 1; known = 0
      for (i = 1; i <= nw; i++) if (W[i] == "w1" || W[i] == "w3" || W[i] == "w4") for (j = 1; j <= nc; j++) {
        p = tps[W[i], C[j], "plain"]; t = tps[W[i], C[j], "tviews"]
        if (num(p) && num(t) && p > 0) { r = t / p; known = 1; vals = vals sprintf("%s%s/c%s %.2f", (vals == "" ? "" : ", "), toupper(W[i]), C[j], r); if (r < 0.60) ok = 0 }
      }
      row("one-row workloads (W1, W3, W4): tviews/plain >= 0.60", vals, ok, known)
      vals = ""; ok = 1; known = 0
      for (j = 1; j <= nc; j++) { t = tps["w2", C[j], "tviews"]; g = tps["w2", C[j], "triggers"]
        if (num(t) && num(g) && g > 0) { r = t / g; known = 1; vals = vals sprintf("%sc%s %.2f", (vals == "" ? "" : ", "), C[j], r); if (r < 2.0) ok = 0 } }
      row("50-post user update (W2): tviews/triggers >= 2.0", vals, ok, known)
      vals = ""; ok = 1; known = 0
      for (j = 1; j <= nc; j++) { p = tps["w5", C[j], "plain"]; t = tps["w5", C[j], "tviews"]
        if (num(p) && num(t) && p > 0) { r = t / p; known = 1; vals = vals sprintf("%sc%s %.2f", (vals == "" ? "" : ", "), C[j], r); if (r < 0.40) ok = 0 } }
      row("1,000-row statement (W5): tviews/plain >= 0.40", vals, ok, known)
      vals = ""; ok = 1; known = 0; worst = ""
      for (i = 1; i <= nw; i++) for (j = 1; j <= nc; j++) { t = tps[W[i], C[j], "tviews"]; g = tps[W[i], C[j], "triggers"]
        if (num(t) && num(g) && g > 0) { r = t / g; known = 1; if (worst == "" || r < worst) { worst = r; at = toupper(W[i]) "/c" C[j] } if (r <= 1.0) ok = 0 } }
      row("ahead of triggers everywhere: tviews/triggers > 1.0", (known ? sprintf("lowest %.2f (%s)", worst, at) : ""), ok, known)
      lo = C[1]; hi = C[nc]; vals = ""; ok = 1; known = 0
      if (nc > 1) for (i = 1; i <= nw; i++) {
        pl = tps[W[i], lo, "plain"]; ph = tps[W[i], hi, "plain"]; tl = tps[W[i], lo, "tviews"]; th = tps[W[i], hi, "tviews"]
        if (num(pl) && num(ph) && num(tl) && num(th) && pl > 0 && tl > 0 && ph > 0) {
          r = (th / tl) / (ph / pl); known = 1; vals = vals sprintf("%s%s %.2f", (vals == "" ? "" : ", "), toupper(W[i]), r); if (r < 0.90) ok = 0 }
      }
      row(sprintf("%s clients scale like plain: (tviews c%s/c%s) / (plain c%s/c%s) >= 0.90", hi, hi, lo, hi, lo), vals, ok, known)
    }' "$DATA_TSV"
}
report_comments_targets() {
  awk -F'\t' -v wl="$WL_COMMENTS" -v cl="$BENCH_CLIENTS" -v engine="$ENGINE" '
    function num(x) { return (x != "" && x != "-") }
    function verdict(ok) { if (engine != "present") return "not evaluated (engine absent)"; return ok ? "PASS" : "**FAIL**" }
    function row(name, val, ok, known) {
      if (!known) { printf "| %s | - | not measured |\n", name; return }
      printf "| %s | %s | %s |\n", name, val, verdict(ok)
    }
    { if ($8 == "ok") tps[$1, $2, $3] = $4 }
    END {
      print "| target | measured | verdict |"
      print "|---|---|---|"
      nw = split(wl, W, " "); nc = split(cl, C, " ")
      vals = ""; ok = 1; known = 0
      for (j = 1; j <= nc; j++) { p = tps["c1", C[j], "plain"]; t = tps["c1", C[j], "tviews"]
        if (num(p) && num(t) && p > 0) { r = t / p; known = 1; vals = vals sprintf("%sc%s %.2f", (vals == "" ? "" : ", "), C[j], r); if (r < 0.50) ok = 0 } }
      row("comment insert (C1): tviews/plain >= 0.50", vals, ok, known)
      vals = ""; ok = 1; known = 0; worst = ""
      for (i = 1; i <= nw; i++) for (j = 1; j <= nc; j++) { t = tps[W[i], C[j], "tviews"]; g = tps[W[i], C[j], "triggers"]
        if (num(t) && num(g) && g > 0) { r = t / g; known = 1; vals = vals sprintf("%s%s/c%s %.2f", (vals == "" ? "" : ", "), toupper(W[i]), C[j], r)
          if (worst == "" || r < worst) { worst = r; at = toupper(W[i]) "/c" C[j] } if (r <= 1.0) ok = 0 } }
      row("ahead of triggers everywhere: tviews/triggers > 1.0", (known ? sprintf("lowest %.2f (%s); %s", worst, at, vals) : ""), ok, known)
    }' "$DATA_TSV"
}

{
  echo "# pg_tviews benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), source $SRC_COMMIT ($SRC_ROOT), build $BUILD_DIR, suites: ${SUITES[*]}."
  echo
  for suite in "${SUITES[@]}"; do
    db=$(db_of "$suite" tviews)
    if [[ "${CFG_OK[$db]:-0}" != 1 ]]; then echo "**$db: ${CFG_NOTE[$db]:-not run}**"; echo; fi
  done
  if [[ $ANY_TVIEWS_OK != 1 ]]; then
    :
  elif [[ $ENGINE == present ]]; then
    echo "pg_tviews engine: **present** ($VERIFY_FN exists): the tviews column measures maintained TVIEWs."
  else
    echo "pg_tviews engine: **absent** (no pg_tviews_verify): the tviews column measures a TVIEW that"
    echo "nothing maintains yet, i.e. the cost of the preloaded extension alone. Targets are not evaluated."
  fi
  if [[ "$CPU_OTHER_PCT" -gt 10 ]]; then
    echo
    echo "**Warning: the machine was busy: other processes used ${CPU_OTHER_PCT}% of its CPU capacity during the"
    echo "runs (the benchmark itself ${CPU_OURS_PCT}%), competing for the $(nproc) CPUs and the disk. These numbers"
    echo "are noisy: rerun on an idle machine before drawing conclusions.**"
  fi
  if has_suite posts; then
    echo
    echo "## Throughput (TPS; pgbench -M prepared; per cell ${MEASURED}s = $BENCH_ROUNDS interleaved slices of ${SLICE}s, after ${BENCH_WARMUP}s warm-up)"
    echo
    echo "Posts suite: tv_post = tb_post JOIN tb_user (bench/sql/tv_post_query.sql)."
    echo
    report_throughput "$WL_POSTS"
    if [[ "$c_lo" != "$c_hi" ]]; then
      echo
      echo "## Scaling (TPS at $c_hi clients / TPS at $c_lo client(s))"
      echo
      report_scaling "$WL_POSTS"
    fi
    echo
    echo "## Targets"
    echo
    report_posts_targets
  fi
  if has_suite comments; then
    echo
    echo "## Comments suite: throughput (TPS; same method)"
    echo
    echo "tv_post = tb_post JOIN tb_user with each post's comments as a jsonb array (bench/sql/tv_post_comments_query.sql),"
    echo "and tv_user_feed = tb_user with the jsonb array of the user's tv_post documents, read from tv_post (a"
    echo "TVIEW over a TVIEW, bench/sql/tv_user_feed_query.sql). 10,000 users, 100,000 posts, 300,000 comments"
    echo "(3 per post). triggers: both tables maintained by bench/sql/config_triggers_comments.sql."
    echo
    report_throughput "$WL_COMMENTS"
    if [[ "$c_lo" != "$c_hi" ]]; then
      echo
      echo "## Comments suite: scaling (TPS at $c_hi clients / TPS at $c_lo client(s))"
      echo
      report_scaling "$WL_COMMENTS"
    fi
    echo
    echo "## Comments suite: targets"
    echo
    report_comments_targets
  fi
  echo
  echo "## Correctness after the runs"
  echo
  if [[ ${#CHECKS[@]} -eq 0 ]]; then echo "- (nothing checked)"; else printf '%s\n' "${CHECKS[@]}"; fi
  echo
  if has_suite posts; then
    echo "## Full rebuilds of tv_post (ms; median of $BENCH_REFRESH_REPEAT, each after renaming one 50-post user)"
    echo
    echo "| operation | median ms | all runs (ms) |"
    echo "|---|---:|---|"
    echo "| REFRESH MATERIALIZED VIEW tv_post | ${REFRESH_MED[mv]:--} | ${REFRESH_ALL[mv]:--} |"
    echo "| REFRESH MATERIALIZED VIEW CONCURRENTLY tv_post (unique index on pk_post) | ${REFRESH_MED[mvc]:--} | ${REFRESH_ALL[mvc]:--} |"
    if [[ -n "$REFRESH_FN" ]]; then
      echo "| $REFRESH_FN('tv_post') | ${REFRESH_MED[tvr]:--} | ${REFRESH_ALL[tvr]:--} |"
    else
      echo "| pg_tviews_refresh('tv_post') | - | not available yet |"
    fi
    echo
    echo "Initial build of tv_post (100,000 rows): CREATE TABLE ... USING tview_am AS: ${BUILD_MS[tviews:tv_post]:--} ms;"
    echo "CREATE TABLE ... AS (heap, triggers): ${BUILD_MS[triggers:tv_post]:--} ms; CREATE MATERIALIZED VIEW: ${BUILD_MS[matview:tv_post]:--} ms."
    echo
  fi
  if has_suite comments; then
    echo "## Comments suite: full rebuilds (ms; median of $BENCH_REFRESH_REPEAT, each after renaming one user with 10-11 posts)"
    echo
    echo "| operation | tv_post (100,000 rows, with comments) | tv_user_feed (10,000 rows, over tv_post) | both levels (sum of medians) |"
    echo "|---|---:|---:|---:|"
    sum2() { if [[ -n "$1" && -n "$2" ]]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a + b }'; else echo -; fi; }
    echo "| REFRESH MATERIALIZED VIEW | ${REFRESH_MED[c_mv_tv_post]:--} | ${REFRESH_MED[c_mv_tv_user_feed]:--} | $(sum2 "${REFRESH_MED[c_mv_tv_post]:-}" "${REFRESH_MED[c_mv_tv_user_feed]:-}") |"
    echo "| REFRESH MATERIALIZED VIEW CONCURRENTLY (unique index on the key) | ${REFRESH_MED[c_mvc_tv_post]:--} | ${REFRESH_MED[c_mvc_tv_user_feed]:--} | $(sum2 "${REFRESH_MED[c_mvc_tv_post]:-}" "${REFRESH_MED[c_mvc_tv_user_feed]:-}") |"
    if [[ -n "$REFRESH_FN" ]]; then
      echo "| $REFRESH_FN(...) | ${REFRESH_MED[c_tvr_tv_post]:--} | ${REFRESH_MED[c_tvr_tv_user_feed]:--} | $(sum2 "${REFRESH_MED[c_tvr_tv_post]:-}" "${REFRESH_MED[c_tvr_tv_user_feed]:-}") |"
    fi
    echo "| initial build: CREATE TABLE ... USING tview_am AS | ${BUILD_MS[c_tviews:tv_post]:--} | ${BUILD_MS[c_tviews:tv_user_feed]:--} | $(sum2 "${BUILD_MS[c_tviews:tv_post]:-}" "${BUILD_MS[c_tviews:tv_user_feed]:-}") |"
    echo "| initial build: CREATE TABLE ... AS (heap, triggers) | ${BUILD_MS[c_triggers:tv_post]:--} | ${BUILD_MS[c_triggers:tv_user_feed]:--} | $(sum2 "${BUILD_MS[c_triggers:tv_post]:-}" "${BUILD_MS[c_triggers:tv_user_feed]:-}") |"
    echo "| initial build: CREATE MATERIALIZED VIEW | ${BUILD_MS[c_matview:tv_post]:--} | ${BUILD_MS[c_matview:tv_user_feed]:--} | $(sum2 "${BUILD_MS[c_matview:tv_post]:-}" "${BUILD_MS[c_matview:tv_user_feed]:-}") |"
    echo
    echo "All runs (ms): $(for k in c_mv_tv_post c_mv_tv_user_feed c_mvc_tv_post c_mvc_tv_user_feed c_tvr_tv_post c_tvr_tv_user_feed; do
      [[ -n "${REFRESH_ALL[$k]:-}" ]] && printf '%s: %s; ' "${k#c_}" "${REFRESH_ALL[$k]}"; done)"
    echo "Every configuration gets an index on tv_post (fk_user) before tv_user_feed is built (see bench/README.md)."
    echo
  fi
  echo "## Runs"
  echo
  echo "| workload | clients | config | TPS | latency avg (ms) | transactions | failed | status | TPS of each slice |"
  echo "|---|---:|---|---:|---:|---:|---:|---|---|"
  awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", toupper($1), $2, $3, $4, $5, $6, $7, ($8 == "ok" ? "ok" : "**" $8 "**"), $9}' "$DATA_TSV"
  for db in "${ALL_DBS[@]}"; do
    [[ "${CFG_OK[$db]}" == 1 ]] || echo "- **$db: ${CFG_NOTE[$db]}**"
  done
  echo
  echo "## Machine and settings"
  echo
  echo "- CPUs (nproc): $(nproc); CPU: ${CPU_MODEL:-unknown}; memory: ${MEM_GIB} GiB; kernel: $(uname -r)"
  echo "- PostgreSQL: $PG_VERSION"
  echo "- pg_tviews: $BUILD_INFO"
  echo "- CPU during the runs: the benchmark (server + pgbench) ${CPU_OURS_PCT}% of the machine's capacity,"
  echo "  other processes ${CPU_OTHER_PCT}%; load average (1, 5, 15 min) before the runs: $LOAD_BEFORE"
  echo "- fdatasync of one 8kB write (pg_test_fsync, cluster's file system): ${FSYNC_BEFORE:-?} us before"
  echo "  the runs, ${FSYNC_AFTER:-?} us after. Every commit waits for its WAL flush"
  echo "  (synchronous_commit = on), so this is a floor under every 1-client latency below."
  echo "- one cluster (staged install of the build, pg_tviews preloaded in every database), one database"
  echo "  per configuration and suite, copied from the suite's template; pgbench on the same machine over a unix socket:"
  echo "  \`pgbench -n -M prepared -T $SLICE -c C -j C\` per slice. Per cell: VACUUM (ANALYZE) of every"
  echo "  database, ${BENCH_WARMUP}s warm-up of each configuration, then $BENCH_ROUNDS rounds, each a CHECKPOINT"
  echo "  then one slice per configuration, the order reversing from one round to the next."
  echo "- read-model indexes (tv_post, tv_user_feed):"
  printf '%s' "$TV_INDEXES" | sed 's/^/  /'
  echo "- server settings:"
  echo
  echo '```'
  echo "$SETTINGS"
  echo '```'
  echo
  echo "Logs: bench/results/$STAMP/ (pgbench output per run, server log, setup logs)."
} >"$REPORT"

cp "$REPORT" "$RESULTS/latest.md"
echo
cat "$REPORT"
echo
echo "bench: report written to $RESULTS/latest.md (and $REPORT)"

STATUS=0
if [[ $CHECK_FAILED -eq 1 ]]; then
  echo "bench: !!! CORRECTNESS CHECK FAILED: a maintained table differs from its definition (see above)" >&2
  STATUS=1
fi
if [[ $ANY_RUN_ERROR -eq 1 ]]; then
  echo "bench: !!! some pgbench runs failed (see the Runs table)" >&2
  STATUS=1
fi
for db in "${ALL_DBS[@]}"; do
  if [[ "${CFG_OK[$db]}" != 1 ]]; then
    echo "bench: !!! configuration $db could not be set up: ${CFG_NOTE[$db]}" >&2
    STATUS=1
  fi
done
exit $STATUS
