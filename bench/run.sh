#!/usr/bin/env bash
# bench/run.sh: measures what a TVIEW costs the writers (make bench, make bench-compare). See
# bench/README.md.
#
# For each build to measure (one, or several side by side with BENCH_BUILDS) a private cluster
# from a staged install of that build (scripts/cluster.sh), pg_tviews preloaded; one data set per
# suite (bench/sql/) in a template database, copied into one database per configuration:
#   plain         no read model (the baseline)
#   tviews        the read models are TVIEWs, maintained by pg_tviews
#   tviews_nojit  the tviews databases, sessions with pg_tviews.jit = off
#   triggers      heap tables maintained by hand-written statement-level triggers
#   matview       materialized views: only REFRESH [CONCURRENTLY] is timed
# Then the pgbench workloads (bench/workloads.tsv) in interleaved slices over every (build,
# configuration), the correctness checks and the timed full rebuilds. Writes raw results
# (TSV, bench/results/<UTC stamp>/) and hands them to bench/report.pl, which writes the Markdown
# report (report.md there and bench/results/latest.md) and prints it.
#
# Environment (see bench/README.md for defaults and details):
#   BUILD_DIR             the build to measure (default build)
#   BENCH_BUILDS          "LABEL=BUILD_DIR LABEL=BUILD_DIR ...": several builds side by side,
#                         each in a cluster of its own (replaces BUILD_DIR)
#   BENCH_SECONDS, BENCH_ROUNDS, BENCH_WARMUP, BENCH_CLIENTS, BENCH_SUITE, BENCH_WORKLOADS,
#   BENCH_CONFIGS, BENCH_REFRESH_REPEAT, BENCH_PORT, BENCH_SERVER_CONF, BENCH_KEEP
# Exit status: 0 when every run completed and every maintained table checked out; 1 otherwise
# (the report is written either way); 2 on bad usage.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
# shellcheck source=../scripts/cluster.sh
source "$ROOT/scripts/cluster.sh"
CLUSTER_LOG_PREFIX=bench
CLUSTER_KEEP=${BENCH_KEEP:-0}

die_usage() { echo "bench: $*" >&2; exit 2; }
log() { echo "bench: $*" >&2; }

# ---- settings ----------------------------------------------------------------------------------
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_WARMUP=${BENCH_WARMUP:-1}
BENCH_ROUNDS=${BENCH_ROUNDS:-}
BENCH_CLIENTS=${BENCH_CLIENTS:-"1 4"}
BENCH_SUITE=${BENCH_SUITE:-all}
# builds side by side compare the writers: no timed refreshes unless asked for
NB_WANTED=$(wc -w <<<"${BENCH_BUILDS:-x}")
if [[ $NB_WANTED -gt 1 ]]; then BENCH_REFRESH_REPEAT=${BENCH_REFRESH_REPEAT:-0}; else BENCH_REFRESH_REPEAT=${BENCH_REFRESH_REPEAT:-3}; fi
BENCH_SERVER_CONF=${BENCH_SERVER_CONF-synchronous_commit = off}  # (set it empty for the server defaults)
PORT0=${BENCH_PORT:-55450}
[[ "$BENCH_SECONDS" =~ ^[1-9][0-9]*$ ]] || die_usage "BENCH_SECONDS must be a positive integer"
[[ "$BENCH_WARMUP" =~ ^[0-9]+$ ]] || die_usage "BENCH_WARMUP must be a non-negative integer"
if [[ -z "$BENCH_ROUNDS" && $NB_WANTED -gt 1 ]]; then
  # builds side by side: an even number of rounds, so that each build runs first as often
  BENCH_ROUNDS=$(( BENCH_SECONDS < 6 ? BENCH_SECONDS : 6 ))
  (( BENCH_ROUNDS > 1 )) && BENCH_ROUNDS=$(( BENCH_ROUNDS / 2 * 2 ))
elif [[ -z "$BENCH_ROUNDS" ]]; then
  BENCH_ROUNDS=$(( BENCH_SECONDS < 5 ? BENCH_SECONDS : 5 ))
fi
[[ "$BENCH_ROUNDS" =~ ^[1-9][0-9]*$ && "$BENCH_ROUNDS" -le "$BENCH_SECONDS" ]] \
  || die_usage "BENCH_ROUNDS must be a positive integer no larger than BENCH_SECONDS"
SLICE=$(( BENCH_SECONDS / BENCH_ROUNDS ))      # seconds per slice (pgbench -T is whole seconds)
[[ "$BENCH_REFRESH_REPEAT" =~ ^[0-9]+$ ]] || die_usage "BENCH_REFRESH_REPEAT must be a non-negative integer"
[[ "$PORT0" =~ ^[0-9]+$ ]] || die_usage "BENCH_PORT must be a number"
for c in $BENCH_CLIENTS; do
  [[ "$c" =~ ^[1-9][0-9]*$ ]] || die_usage "BENCH_CLIENTS: '$c' is not a positive integer"
done
case "$BENCH_SUITE" in posts|comments|all) ;; *) die_usage "BENCH_SUITE must be posts, comments or all" ;; esac

# ---- workloads (bench/workloads.tsv) -------------------------------------------------------------
declare -A W_SUITE=() W_FILE=()
ALL_WORKLOADS=()
while IFS=$'\t' read -r id suite file _; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  W_SUITE[$id]=$suite W_FILE[$id]=$file
  ALL_WORKLOADS+=("$id")
done <"$BENCH/workloads.tsv"
WORKLOADS=()
for w in ${BENCH_WORKLOADS:-}; do
  w=${w,,}
  [[ -n "${W_FILE[$w]:-}" ]] || die_usage "BENCH_WORKLOADS: unknown workload '$w' (bench/workloads.tsv)"
  [[ $BENCH_SUITE == all || ${W_SUITE[$w]} == "$BENCH_SUITE" ]] \
    || die_usage "BENCH_WORKLOADS: '$w' is not in BENCH_SUITE=$BENCH_SUITE"
  WORKLOADS+=("$w")
done
if [[ ${#WORKLOADS[@]} -eq 0 ]]; then
  for w in "${ALL_WORKLOADS[@]}"; do
    [[ $BENCH_SUITE == all || ${W_SUITE[$w]} == "$BENCH_SUITE" ]] && WORKLOADS+=("$w")
  done
fi
for w in "${WORKLOADS[@]}"; do
  [[ -f "$BENCH/workloads/${W_FILE[$w]}" ]] || { log "bench/workloads/${W_FILE[$w]} missing"; exit 1; }
done
SUITES=()        # suites with at least one workload to run, in this order
for suite in posts comments; do
  for w in "${WORKLOADS[@]}"; do
    if [[ ${W_SUITE[$w]} == "$suite" ]]; then SUITES+=("$suite"); break; fi
  done
done
has_suite() { [[ " ${SUITES[*]} " == *" $1 "* ]]; }

# ---- builds ----------------------------------------------------------------------------------------
B_LABEL=() B_DIR=()
if [[ -n "${BENCH_BUILDS:-}" ]]; then
  for e in $BENCH_BUILDS; do
    [[ "$e" == ?*=?* ]] || die_usage "BENCH_BUILDS: '$e' is not LABEL=BUILD_DIR"
    label=${e%%=*} dir=${e#*=}
    [[ "$label" =~ ^[A-Za-z0-9_.-]+$ ]] || die_usage "BENCH_BUILDS: label '$label': letters, digits, _ . - only"
    [[ " ${B_LABEL[*]} " != *" $label "* ]] || die_usage "BENCH_BUILDS: label '$label' twice"
    B_LABEL+=("$label") B_DIR+=("$dir")
  done
else
  dir=${BUILD_DIR:-build}
  B_LABEL+=("$(basename "$dir")") B_DIR+=("$dir")
fi
NB=${#B_LABEL[@]}
B_SRC=() B_COMMIT=() B_PORT=() B_CL=() B_BIN=()
for ((i = 0; i < NB; i++)); do
  d=${B_DIR[i]}
  [[ "$d" = /* ]] || d="$ROOT/$d"
  [[ -f "$d/pg_tviews.so" ]] || { log "$d/pg_tviews.so missing (build first: make)"; exit 1; }
  B_DIR[i]=$(cd "$d" && pwd)
  src=$(cluster_source_of "${B_DIR[i]}")
  B_SRC[i]=${src:-$ROOT}
  B_COMMIT[i]=$(git -C "${B_SRC[i]}" describe --always --dirty 2>/dev/null || echo unknown)
  B_PORT[i]=$((PORT0 + i))
done

# configurations: several builds compare the TVIEW against the baseline by default
if [[ -z "${BENCH_CONFIGS:-}" ]]; then
  if [[ $NB -gt 1 ]]; then BENCH_CONFIGS="plain tviews"; else BENCH_CONFIGS="plain tviews tviews_nojit triggers matview ivm"; fi
fi
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
DB_CONFIGS=()    # configurations with a database of their own
for cfg in "${RUN_CONFIGS[@]}"; do [[ $cfg == tviews_nojit ]] || DB_CONFIGS+=("$cfg"); done
[[ $WANT_MATVIEW -eq 1 ]] && DB_CONFIGS+=(matview)
# ivm, the peer (bench/sql/config_ivm.sql): only where the server has pg_ivm (make bench PG=18),
# posts suite only (pg_ivm cannot express the comments suite's read models).
IVM_CONF=''
if [[ " ${RUN_CONFIGS[*]} " == *" ivm "* ]]; then
  if [[ -f "$("$PG_BIN/pg_config" --pkglibdir)/pg_ivm.so" ]]; then
    IVM_CONF="shared_preload_libraries = 'pg_tviews,pg_ivm'"
  else
    log "this server has no pg_ivm: configuration ivm left out"
    cfgs=(); for cfg in "${RUN_CONFIGS[@]}"; do [[ $cfg == ivm ]] || cfgs+=("$cfg"); done; RUN_CONFIGS=("${cfgs[@]}")
    cfgs=(); for cfg in "${DB_CONFIGS[@]}"; do [[ $cfg == ivm ]] || cfgs+=("$cfg"); done; DB_CONFIGS=("${cfgs[@]}")
  fi
fi

# db_of SUITE CFG: the database of configuration CFG in SUITE (tviews_nojit: the tviews database)
db_of() {
  local cfg=$2
  [[ $cfg == tviews_nojit ]] && cfg=tviews
  if [[ $1 == comments ]]; then echo "c_$cfg"; else echo "$cfg"; fi
}

Q=$(grep -v '^[[:space:]]*--' "$BENCH/sql/tv_post_query.sql")
QC=$(grep -v '^[[:space:]]*--' "$BENCH/sql/tv_post_comments_query.sql")
QF=$(grep -v '^[[:space:]]*--' "$BENCH/sql/tv_user_feed_query.sql")
[[ -n "$Q" && -n "$QC" && -n "$QF" ]] || { log "a query in bench/sql/ is empty"; exit 1; }
# oracle_sql TABLE QUERY: rows differing between TABLE and QUERY (EXCEPT ALL both ways)
oracle_sql() { echo "SELECT count(*) FROM ((TABLE $1 EXCEPT ALL ($2)) UNION ALL (($2) EXCEPT ALL TABLE $1)) d"; }

# ---- where things go -------------------------------------------------------------------------------
cluster_require
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$BENCH/results
OUT=$RESULTS/$STAMP            # this run's raw results, report and logs
mkdir -p "$OUT/pgbench"
WORK=$(cluster_mktemp pg_tviews-bench)
cluster_remove_on_exit "$WORK"
# the server logs are worth keeping
copy_logs() { local i; for ((i = 0; i < NB; i++)); do [[ -f "${B_CL[i]:-/nonexistent}/server.log" ]] && cp "${B_CL[i]}/server.log" "$OUT/server-${B_LABEL[i]}.log"; done; }
cluster_on_exit copy_logs

# The raw results: tab-separated, one header line each (see bench/results/README.md).
tsv() { local f=$1; shift; local IFS=$'\t'; printf '%s\n' "$*" >>"$OUT/$f"; }
tsv meta.tsv key value
tsv builds.tsv build build_dir source commit build_info
tsv setup.tsv build suite config database ok note
tsv slices.tsv build workload clients config round tps latency_ms xacts failed status server_cpu_s client_cpu_s
tsv checks.tsv build suite config table check rows status
tsv timings.tsv build suite operation table ms
tsv indexes.tsv build database indexes

# ---- clusters ----------------------------------------------------------------------------------------
# Sized for a 2-core / 24 GiB machine. BENCH_SERVER_CONF (appended last) defaults to
# synchronous_commit = off: the CPU a configuration costs is compared, not the disk's flush.
# Other durability settings (fsync, full_page_writes, wal_level) stay at their defaults, and so
# do autovacuum and jit.
SERVER_CONF="max_connections = 50
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
$IVM_CONF
$BENCH_SERVER_CONF"
for ((i = 0; i < NB; i++)); do
  B_CL[i]=$WORK/${B_LABEL[i]}
  log "build ${B_LABEL[i]}: staging ${B_DIR[i]} (SQL from ${B_SRC[i]}, ${B_COMMIT[i]}); cluster on port ${B_PORT[i]}"
  mkdir -p "${B_CL[i]}"
  B_BIN[i]=$(cluster_stage "${B_DIR[i]}" "${B_CL[i]}/install" "${B_SRC[i]}") || exit 1
  cluster_init "${B_CL[i]}" "${B_PORT[i]}" "${B_BIN[i]}" "$SERVER_CONF"
  cluster_start "${B_CL[i]}" "${B_BIN[i]}" || exit 1
  cluster_stop_on_exit "${B_CL[i]}" "${B_BIN[i]}"
done
BIN=${B_BIN[0]}

# psql_b B DB ARGS...: psql into DB of build B's cluster
psql_b() { local b=$1; shift; cluster_psql "${B_CL[b]}" "${B_PORT[b]}" "${B_BIN[b]}" "$@"; }
# val B DB SQL: the single value SQL returns
val() { psql_b "$1" "$2" -At -c "$3"; }
# timed B DB SQL: run SQL, print its server round-trip time in ms (psql's \timing)
timed() {
  local out
  out=$(psql_b "$1" "$2" -c '\timing on' -c "$3") || { printf '%s\n' "$out" >&2; return 1; }
  printf '%s\n' "$out" | awk '/^Time: /{t=$2} END{if (t == "") exit 1; print t}'
}

# fsync_probe: fdatasync latency of one 8kB write on the clusters' file system (pg_test_fsync's
# first test group, cut short), the floor of a 1-client commit's latency.
fsync_probe() {
  timeout 4 "$BIN/pg_test_fsync" -s 1 -f "$WORK/fsync-probe" 2>/dev/null \
    | awk '$1 == "fdatasync" {print $(NF-1); exit}' || true
  rm -f "$WORK/fsync-probe"
}
# CPU accounting, to tell how much of the machine other processes took during the runs.
CLK_TCK=$(getconf CLK_TCK)
machine_busy_ticks() { # all CPUs: user nice system irq softirq steal
  awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
}
server_ticks() { # B: build B's cluster: the postmaster, its live children and its reaped ones
  local pm t p ch
  pm=$(head -n 1 "${B_CL[$1]}/data/postmaster.pid")
  t=$(sed 's/.*) //' "/proc/$pm/stat" | awk '{print $12 + $13 + $14 + $15}')
  for p in $(ps -o pid= --ppid "$pm"); do
    ch=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || ch=0
    t=$((t + ${ch:-0}))
  done
  echo "$t"
}
# child_ticks: sets CHILD_TICKS to the CPU of this shell's reaped children (pgbench, psql). Not in
# a subshell: `times` there would report the subshell's children.
child_ticks() {
  times >"$WORK/times"
  CHILD_TICKS=$(awk -v hz="$CLK_TCK" 'NR == 2 { split($1, u, /[ms]/); split($2, y, /[ms]/)
                  printf "%d\n", (u[1] * 60 + u[2] + y[1] * 60 + y[2]) * hz }' "$WORK/times")
}
bench_ticks() { # sets BENCH_TICKS: the clusters + our own children
  local t=0 b
  for ((b = 0; b < NB; b++)); do t=$((t + $(server_ticks "$b"))); done
  child_ticks
  BENCH_TICKS=$((t + CHILD_TICKS))
}

FSYNC_BEFORE=$(fsync_probe)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  log "!!! the machine is busy (load average $LOAD_BEFORE on $(nproc) CPUs): expect noisy numbers"
fi

# ---- data and configurations ---------------------------------------------------------------------
declare -A CFG_OK=()     # keyed by build:database
SETUP_FAILED=0

setup_config() { # B SUITE CFG: create CFG's database for SUITE from its template, and its read models
  local b=$1 suite=$2 cfg=$3 db ms template=bench_seed q=$Q
  db=$(db_of "$suite" "$cfg")
  [[ $suite == comments ]] && template=bench_seed_comments q=$QC
  psql_b "$b" postgres -c "CREATE DATABASE $db TEMPLATE $template" || return 1
  # Every configuration stores its read models' documents with lz4, as pg_tviews does.
  psql_b "$b" postgres -c "ALTER DATABASE $db SET default_toast_compression = 'lz4'" || return 1
  # build_timed B DB TABLE SQL: run SQL, record its time as the initial build of TABLE
  build_timed() { ms=$(timed "$1" "$2" "$4") || return 1; tsv timings.tsv "${B_LABEL[$1]}" "$suite" "build:$cfg" "$3" "$ms"; }
  case "$cfg" in
    plain) ;;
    tviews)
      psql_b "$b" "$db" -c 'CREATE EXTENSION pg_tviews' || return 1
      build_timed "$b" "$db" tv_post "CREATE TABLE tv_post USING tview_am AS $q" || return 1
      if [[ $suite == comments ]]; then
        # tv_user_feed reads tv_post by fk_user: every configuration gets that index before
        # tv_user_feed is built (pg_tviews creates it itself, but only after filling
        # tv_user_feed, which then takes minutes instead of seconds).
        psql_b "$b" "$db" -c 'CREATE INDEX IF NOT EXISTS tv_post_fk_user_idx ON tv_post (fk_user)' || return 1
        build_timed "$b" "$db" tv_user_feed "CREATE TABLE tv_user_feed USING tview_am AS $QF" || return 1
      fi
      ;;
    triggers)
      build_timed "$b" "$db" tv_post "CREATE TABLE tv_post AS $q" || return 1
      if [[ $suite == posts ]]; then
        psql_b "$b" "$db" -f "$BENCH/sql/config_triggers.sql" || return 1
      else
        psql_b "$b" "$db" -c 'CREATE INDEX tv_post_fk_user_idx ON tv_post (fk_user)' || return 1
        build_timed "$b" "$db" tv_user_feed "CREATE TABLE tv_user_feed AS $QF" || return 1
        psql_b "$b" "$db" -f "$BENCH/sql/config_triggers_comments.sql" || return 1
      fi
      ;;
    ivm)
      [[ $suite == posts ]] || { echo "pg_ivm cannot express the comments suite's read models"; return 1; }
      psql_b "$b" "$db" -f "$BENCH/sql/config_ivm.sql" || return 1
      ;;
    matview)
      build_timed "$b" "$db" tv_post "CREATE MATERIALIZED VIEW tv_post AS $q" || return 1
      psql_b "$b" "$db" -c 'CREATE UNIQUE INDEX tv_post_pk_post ON tv_post (pk_post)' || return 1
      if [[ $suite == comments ]]; then
        psql_b "$b" "$db" -c 'CREATE INDEX tv_post_fk_user_idx ON tv_post (fk_user)' || return 1
        build_timed "$b" "$db" tv_user_feed "CREATE MATERIALIZED VIEW tv_user_feed AS $QF" || return 1
        psql_b "$b" "$db" -c 'CREATE UNIQUE INDEX tv_user_feed_pk_user ON tv_user_feed (pk_user)' || return 1
      fi
      ;;
  esac
  psql_b "$b" "$db" -c 'VACUUM (ANALYZE)' || return 1
}

for ((b = 0; b < NB; b++)); do
  L=${B_LABEL[b]}
  log "build $L: generating the data set (10,000 users, 100,000 posts) in template database bench_seed"
  psql_b "$b" postgres -c 'CREATE DATABASE bench_seed'
  psql_b "$b" bench_seed -f "$BENCH/sql/schema.sql" >"$OUT/schema-$L.log" 2>&1 \
    || { cat "$OUT/schema-$L.log" >&2; exit 1; }
  if has_suite comments; then
    log "build $L: adding 300,000 comments in template database bench_seed_comments"
    psql_b "$b" postgres -c 'CREATE DATABASE bench_seed_comments TEMPLATE bench_seed'
    psql_b "$b" bench_seed_comments -f "$BENCH/sql/comments_schema.sql" >"$OUT/comments_schema-$L.log" 2>&1 \
      || { cat "$OUT/comments_schema-$L.log" >&2; exit 1; }
  fi
  for suite in "${SUITES[@]}"; do
    for cfg in "${DB_CONFIGS[@]}"; do
      [[ $suite/$cfg == comments/ivm ]] && continue  # (pg_ivm cannot express it: no runs there)
      db=$(db_of "$suite" "$cfg")
      log "build $L: setting up configuration $cfg of suite $suite (database $db)"
      if setup_config "$b" "$suite" "$cfg" >"$OUT/setup-$L-$db.log" 2>&1; then
        CFG_OK[$b:$db]=1
        tsv setup.tsv "$L" "$suite" "$cfg" "$db" 1 ""
      else
        CFG_OK[$b:$db]=0 SETUP_FAILED=1
        note="setup failed: $(tail -n 3 "$OUT/setup-$L-$db.log" | tr '\n\t' '  ')"
        tsv setup.tsv "$L" "$suite" "$cfg" "$db" 0 "$note"
        log "!!! build $L, configuration $cfg of suite $suite: $note"
      fi
    done
  done
  psql_b "$b" postgres -c 'CHECKPOINT'
done
cfg_ok() { [[ "${CFG_OK[$1:$(db_of "$2" "$3")]:-0}" == 1 ]]; }   # B SUITE CFG

# ---- pgbench runs ----------------------------------------------------------------------------------
# Shared virtual machines have noisy disks and neighbours. So each (workload, clients) cell runs
# every (build, configuration) in BENCH_ROUNDS short slices, interleaved (build 1's
# configurations, build 2's, ..., then the reverse order, ...), each round starting from a
# CHECKPOINT of every cluster: a slow stretch hits every build and configuration alike.
PAIRS=()         # "build configuration", in the order of odd rounds
for ((b = 0; b < NB; b++)); do for cfg in "${RUN_CONFIGS[@]}"; do PAIRS+=("$b $cfg"); done; done
n_runs=0
for w in "${WORKLOADS[@]}"; do
  for c in $BENCH_CLIENTS; do
    for p in "${PAIRS[@]}"; do cfg_ok "${p% *}" "${W_SUITE[$w]}" "${p#* }" && n_runs=$((n_runs + 1)); done
  done
done
log "$n_runs (build, workload, clients, configuration) runs x $BENCH_ROUNDS rounds of ${SLICE}s (+${BENCH_WARMUP}s warm-up each): about $(( (n_runs * (BENCH_WARMUP + BENCH_ROUNDS * SLICE + 2) + 59) / 60 )) min"

run_pgbench() { # B DB CLIENTS SECONDS SCRIPT LOGFILE CFG
  local options=''
  # tviews runs with the default kernel tiers (compiled after pg_tviews.jit_threshold runs in a
  # session); tviews_nojit keeps every kernel in the interpreter.
  [[ $7 == tviews_nojit ]] && options='-c pg_tviews.jit=off'
  PGOPTIONS=$options "${B_BIN[$1]}/pgbench" -h "${B_CL[$1]}" -p "${B_PORT[$1]}" -U "$CLUSTER_USER" \
    -n -M prepared -T "$4" -c "$3" -j "$3" -f "$5" "$2" >"$6" 2>&1
}

bench_ticks
CPU_T0=$(date +%s.%N) CPU_BUSY0=$(machine_busy_ticks) CPU_OURS0=$BENCH_TICKS
ANY_RUN_ERROR=0
flip=0
for w in "${WORKLOADS[@]}"; do
  script=$BENCH/workloads/${W_FILE[$w]}
  suite=${W_SUITE[$w]}
  for c in $BENCH_CLIENTS; do
    # same starting state in every database: no dead rows left by earlier cells, caches warm
    for p in "${PAIRS[@]}"; do
      b=${p% *} cfg=${p#* }
      cfg_ok "$b" "$suite" "$cfg" || continue
      psql_b "$b" "$(db_of "$suite" "$cfg")" -c 'VACUUM (ANALYZE)' >/dev/null 2>&1 || true
    done
    if [[ $BENCH_WARMUP -gt 0 ]]; then
      for p in "${PAIRS[@]}"; do
        b=${p% *} cfg=${p#* }
        cfg_ok "$b" "$suite" "$cfg" || continue
        run_pgbench "$b" "$(db_of "$suite" "$cfg")" "$c" "$BENCH_WARMUP" "$script" \
          "$OUT/pgbench/${B_LABEL[b]}-$w-c$c-$cfg-warmup.log" "$cfg" || true
      done
    fi
    for ((r = 1; r <= BENCH_ROUNDS; r++)); do
      order=("${PAIRS[@]}")
      if (( flip % 2 == 1 )); then
        order=(); for ((i = ${#PAIRS[@]} - 1; i >= 0; i--)); do order+=("${PAIRS[i]}"); done
      fi
      flip=$((flip + 1))
      for ((b = 0; b < NB; b++)); do psql_b "$b" postgres -c 'CHECKPOINT' >/dev/null; done
      for p in "${order[@]}"; do
        b=${p% *} cfg=${p#* }
        cfg_ok "$b" "$suite" "$cfg" || continue
        L=${B_LABEL[b]}
        logf=$OUT/pgbench/$L-$w-c$c-$cfg-r$r.log
        status=ok
        st0=$(server_ticks "$b"); child_ticks; ct0=$CHILD_TICKS
        run_pgbench "$b" "$(db_of "$suite" "$cfg")" "$c" "$SLICE" "$script" "$logf" "$cfg" || status=error
        sleep 0.3     # the backends exit and are reaped: their CPU moves to the postmaster's account
        st1=$(server_ticks "$b"); child_ticks; ct1=$CHILD_TICKS
        scpu=$(awk -v t=$((st1 - st0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
        ccpu=$(awk -v t=$((ct1 - ct0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
        tps=$(awk '/^tps = /{print $3; exit}' "$logf")
        lat=$(awk '/^latency average = /{print $4; exit}' "$logf")
        xacts=$(awk -F': ' '/^number of transactions actually processed/{split($2, a, "/"); print a[1]; exit}' "$logf")
        failed=$(awk -F': ' '/^number of failed transactions/{split($2, a, " "); print a[1]; exit}' "$logf")
        [[ -n "$tps" && -n "$xacts" && "$xacts" != 0 ]] || status=error
        [[ -z "$failed" || "$failed" == 0 ]] || status=error
        if [[ $status != ok ]]; then
          ANY_RUN_ERROR=1
          log "!!! $L $w c=$c $cfg round $r: pgbench failed, see $logf:"
          grep -E 'error|ERROR|abort' "$logf" | head -n 5 >&2 || true
        fi
        tsv slices.tsv "$L" "$w" "$c" "$cfg" "$r" "${tps:--}" "${lat:--}" "${xacts:--}" "${failed:--}" "$status" "$scpu" "$ccpu"
        printf 'bench: %-3s c=%-2s r%-2s %-12s %-12s %10.1f tps %8s s server CPU\n' "$w" "$c" "$r" "$L" "$cfg" "${tps:-0}" "$scpu" >&2
      done
    done
  done
done
bench_ticks
CPU_T1=$(date +%s.%N) CPU_BUSY1=$(machine_busy_ticks) CPU_OURS1=$BENCH_TICKS
# percentages of the machine's capacity (all CPUs) over the runs
read -r CPU_OTHER_PCT CPU_OURS_PCT < <(awk -v t0="$CPU_T0" -v t1="$CPU_T1" -v b0="$CPU_BUSY0" -v b1="$CPU_BUSY1" \
  -v o0="$CPU_OURS0" -v o1="$CPU_OURS1" -v hz="$CLK_TCK" -v n="$(nproc)" 'BEGIN {
    cap = (t1 - t0) * hz * n; other = (b1 - b0) - (o1 - o0); if (other < 0) other = 0
    printf "%.0f %.0f\n", (cap > 0 ? 100 * other / cap : 0), (cap > 0 ? 100 * (o1 - o0) / cap : 0) }')
if [[ "$CPU_OTHER_PCT" -gt 10 ]]; then
  log "!!! other processes used ${CPU_OTHER_PCT}% of the machine's CPU during the runs: noisy numbers"
fi
FSYNC_AFTER=$(fsync_probe)

# ---- correctness -------------------------------------------------------------------------------------
CHECK_FAILED=0
# check_one B SUITE CFG TABLE QUERY: the oracle (and pg_tviews_verify on tviews) for TABLE
check_one() {
  local b=$1 suite=$2 cfg=$3 t=$4 q=$5 db n L=${B_LABEL[$1]} err
  db=$(db_of "$suite" "$cfg")
  err=$OUT/check-$L-$db-$t.err
  if [[ $cfg == tviews ]]; then
    log "build $L: checking $cfg ($suite): pg_tviews_verify('$t')"
    if n=$(val "$b" "$db" "SELECT pg_tviews_verify('$t')" 2>"$err"); then
      tsv checks.tsv "$L" "$suite" "$cfg" "$t" pg_tviews_verify "$n" "$([[ $n == 0 ]] && echo ok || echo mismatch)"
      [[ $n == 0 ]] || CHECK_FAILED=1
    else
      tsv checks.tsv "$L" "$suite" "$cfg" "$t" pg_tviews_verify - "failed: $(tr '\n\t' '  ' <"$err")"; CHECK_FAILED=1
    fi
  fi
  log "build $L: checking $cfg ($suite): oracle (TABLE $t vs its definition, EXCEPT ALL both ways)"
  if n=$(val "$b" "$db" "$(oracle_sql "$t" "$q")" 2>"$err"); then
    tsv checks.tsv "$L" "$suite" "$cfg" "$t" oracle "$n" "$([[ $n == 0 ]] && echo ok || echo mismatch)"
    [[ $n == 0 ]] || CHECK_FAILED=1
  else
    tsv checks.tsv "$L" "$suite" "$cfg" "$t" oracle - "failed: $(tr '\n\t' '  ' <"$err")"; CHECK_FAILED=1
  fi
}
for ((b = 0; b < NB; b++)); do
  for suite in "${SUITES[@]}"; do
    for cfg in triggers tviews ivm; do
      [[ " ${RUN_CONFIGS[*]} " == *" $cfg "* ]] && cfg_ok "$b" "$suite" "$cfg" || continue
      if [[ $suite == posts ]]; then
        check_one "$b" posts "$cfg" tv_post "$Q"
      else
        check_one "$b" comments "$cfg" tv_post "$QC"
        check_one "$b" comments "$cfg" tv_user_feed "$QF"
      fi
    done
  done
done

# ---- full rebuilds -----------------------------------------------------------------------------------
# time_refreshes B SUITE OPERATION TABLE DB FIRST_USER SQL: BENCH_REFRESH_REPEAT timed runs of SQL,
# each after renaming user FIRST_USER + i - 1 and a CHECKPOINT
time_refreshes() {
  local b=$1 suite=$2 op=$3 t=$4 db=$5 u0=$6 sql=$7 i ms
  for ((i = 1; i <= BENCH_REFRESH_REPEAT; i++)); do
    psql_b "$b" "$db" -c "UPDATE tb_user SET name = name || ' r' WHERE pk_user = $((u0 + i - 1))" || return 1
    psql_b "$b" postgres -c 'CHECKPOINT' || return 1
    ms=$(timed "$b" "$db" "$sql") || return 1
    tsv timings.tsv "${B_LABEL[$b]}" "$suite" "$op" "$t" "$ms"
  done
}
for ((b = 0; b < NB && BENCH_REFRESH_REPEAT > 0; b++)); do
  L=${B_LABEL[b]}
  for suite in "${SUITES[@]}"; do
    # posts: after renaming a 50-post user (users 1..); comments: a user with 10 or 11 posts (1101..)
    u0=1 tables=tv_post
    [[ $suite == comments ]] && u0=1101 tables="tv_post tv_user_feed"
    for t in $tables; do
      if [[ $WANT_MATVIEW -eq 1 ]] && cfg_ok "$b" "$suite" matview; then
        log "build $L: timing REFRESH MATERIALIZED VIEW [CONCURRENTLY] $t ($suite, x$BENCH_REFRESH_REPEAT each)"
        time_refreshes "$b" "$suite" refresh "$t" "$(db_of "$suite" matview)" "$u0" "REFRESH MATERIALIZED VIEW $t" \
          >>"$OUT/refresh.log" 2>&1 || log "!!! REFRESH MATERIALIZED VIEW $t failed (see $OUT/refresh.log)"
        time_refreshes "$b" "$suite" refresh_concurrently "$t" "$(db_of "$suite" matview)" "$u0" \
          "REFRESH MATERIALIZED VIEW CONCURRENTLY $t" >>"$OUT/refresh.log" 2>&1 \
          || log "!!! REFRESH MATERIALIZED VIEW CONCURRENTLY $t failed (see $OUT/refresh.log)"
      fi
      if cfg_ok "$b" "$suite" tviews; then
        log "build $L: timing pg_tviews_refresh('$t') ($suite, x$BENCH_REFRESH_REPEAT)"
        time_refreshes "$b" "$suite" pg_tviews_refresh "$t" "$(db_of "$suite" tviews)" "$u0" \
          "SELECT pg_tviews_refresh('$t')" >>"$OUT/refresh.log" 2>&1 \
          || log "!!! pg_tviews_refresh('$t') failed (see $OUT/refresh.log)"
      fi
    done
  done
done

# ---- facts -------------------------------------------------------------------------------------------
for ((b = 0; b < NB; b++)); do
  info=n/a
  for db in tviews c_tviews; do
    if [[ "${CFG_OK[$b:$db]:-0}" == 1 ]]; then info=$(val "$b" "$db" 'SELECT tviews.build_info()' 2>/dev/null || echo n/a); break; fi
  done
  tsv builds.tsv "${B_LABEL[b]}" "${B_DIR[b]}" "${B_SRC[b]}" "${B_COMMIT[b]}" "$info"
  for db in tviews triggers matview c_tviews c_triggers c_matview; do
    [[ "${CFG_OK[$b:$db]:-0}" == 1 ]] || continue
    tsv indexes.tsv "${B_LABEL[b]}" "$db" "$(val "$b" "$db" "SELECT coalesce(string_agg(indexdef, '; ' ORDER BY tablename, indexname), 'none')
                                        FROM pg_indexes WHERE tablename IN ('tv_post', 'tv_user_feed')")"
  done
done
psql_b 0 postgres -At -F $'\t' -c "SELECT name, current_setting(name) FROM pg_settings
  WHERE name IN ('shared_buffers', 'effective_cache_size', 'work_mem', 'maintenance_work_mem',
    'max_wal_size', 'min_wal_size', 'checkpoint_timeout', 'fsync', 'synchronous_commit',
    'full_page_writes', 'wal_level', 'wal_compression', 'autovacuum', 'jit', 'huge_pages',
    'max_connections', 'shared_preload_libraries', 'data_checksums') ORDER BY name" \
  | sed 's/^/setting:/' >>"$OUT/meta.tsv"
tsv meta.tsv date "$(date -u '+%Y-%m-%d %H:%M UTC')"
tsv meta.tsv stamp "$STAMP"
tsv meta.tsv suites "${SUITES[*]}"
tsv meta.tsv workloads "${WORKLOADS[*]}"
tsv meta.tsv clients "$BENCH_CLIENTS"
tsv meta.tsv configs "${RUN_CONFIGS[*]}"
tsv meta.tsv builds "${B_LABEL[*]}"
tsv meta.tsv seconds "$BENCH_SECONDS"
tsv meta.tsv rounds "$BENCH_ROUNDS"
tsv meta.tsv slice "$SLICE"
tsv meta.tsv warmup "$BENCH_WARMUP"
tsv meta.tsv refresh_repeat "$BENCH_REFRESH_REPEAT"
tsv meta.tsv server_conf_extra "$(printf '%s' "$BENCH_SERVER_CONF" | tr '\n' ';')"
tsv meta.tsv pg_version "$(val 0 postgres 'SELECT version()')"
tsv meta.tsv nproc "$(nproc)"
tsv meta.tsv cpu_model "$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
tsv meta.tsv mem_gib "$(awk '/^MemTotal:/{printf "%.1f", $2 / 1048576}' /proc/meminfo)"
tsv meta.tsv kernel "$(uname -r)"
tsv meta.tsv load_before "$LOAD_BEFORE"
tsv meta.tsv cpu_other_pct "$CPU_OTHER_PCT"
tsv meta.tsv cpu_ours_pct "$CPU_OURS_PCT"
tsv meta.tsv fsync_before_us "${FSYNC_BEFORE:-?}"
tsv meta.tsv fsync_after_us "${FSYNC_AFTER:-?}"

# ---- report ------------------------------------------------------------------------------------------
perl "$BENCH/report.pl" "$OUT" >"$OUT/report.md"
cp "$OUT/report.md" "$RESULTS/latest.md"
echo
cat "$OUT/report.md"
echo
echo "bench: report written to $RESULTS/latest.md (and $OUT/report.md; raw results in $OUT)"

STATUS=0
if [[ $CHECK_FAILED -eq 1 ]]; then
  log "!!! CORRECTNESS CHECK FAILED: a maintained table differs from its definition (see above)"
  STATUS=1
fi
if [[ $ANY_RUN_ERROR -eq 1 ]]; then
  log "!!! some pgbench runs failed (see the Runs table)"
  STATUS=1
fi
if [[ $SETUP_FAILED -eq 1 ]]; then
  log "!!! a configuration could not be set up (see setup.tsv and the setup-*.log files)"
  STATUS=1
fi
exit $STATUS
