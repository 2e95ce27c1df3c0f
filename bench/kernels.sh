#!/usr/bin/env bash
# bench/kernels.sh: the refresh kernels under both tiers (make bench-kernels). See bench/README.md.
#
# Isolates maintenance from the rest of the statement: each statement runs under
# EXPLAIN (ANALYZE, FORMAT JSON) inside a transaction that is rolled back, and the time of the
# pg_tviews triggers ("tviews maintain ...") is read from the plan's Triggers list. The same
# statement alternates between the interpreted tier (pg_tviews.jit = off) and the compiled tier
# (pg_tviews.jit = on, jit_threshold = 0), KERNELS_REPEAT times each; the medians and their ratio
# are reported, with the compile time of the TVIEW's kernels and the backend's memory.
#
# Data: bench/sql/schema.sql (10,000 users, 100,000 posts) and tv_post = bench/sql/tv_post_query.sql.
# Environment: BUILD_DIR (default build), KERNELS_REPEAT (default 15), BENCH_PORT (default 55451),
# BENCH_KEEP=1 keeps the cluster directory.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
REPEAT=${KERNELS_REPEAT:-15}
PORT=${BENCH_PORT:-55451}
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "kernels: KERNELS_REPEAT must be a positive integer" >&2; exit 2; }

# shellcheck source=../scripts/cluster.sh
source "$ROOT/scripts/cluster.sh"
CLUSTER_LOG_PREFIX=kernels
CLUSTER_KEEP=${BENCH_KEEP:-0}
cluster_require
log() { echo "kernels: $*" >&2; }

WORK=$(cluster_mktemp pg_tviews-kernels)
cluster_remove_on_exit "$WORK"
CLUSTER_DIR=$WORK/pg
mkdir -p "$CLUSTER_DIR"
BIN=$(cluster_stage "$BUILD_DIR" "$CLUSTER_DIR/install") || exit 1
cluster_init "$CLUSTER_DIR" "$PORT" "$BIN" "shared_buffers = 1GB
max_wal_size = 4GB
checkpoint_timeout = 30min
autovacuum = off"
cluster_start "$CLUSTER_DIR" "$BIN" || exit 1
cluster_stop_on_exit "$CLUSTER_DIR" "$BIN"
psql_in() { cluster_psql "$CLUSTER_DIR" "$PORT" "$BIN" "$@"; }

log "loading 10,000 users and 100,000 posts, creating tv_post"
psql_in postgres -c 'CREATE DATABASE kernels'
psql_in kernels -f "$ROOT/bench/sql/schema.sql" >"$WORK/schema.log" 2>&1 || { cat "$WORK/schema.log" >&2; exit 1; }
Q=$(grep -v '^[[:space:]]*--' "$ROOT/bench/sql/tv_post_query.sql")
psql_in kernels -c 'CREATE EXTENSION pg_tviews' -c "CREATE TABLE tv_post USING tview_am AS $Q" \
  -c "CREATE TABLE tv_user USING tview_am AS SELECT u.pk_user, jsonb_build_object('name', u.name, 'email', u.email) AS data FROM tb_user u" \
  -c 'VACUUM ANALYZE'

# One session runs everything: its compiled kernels are cached after the first compiled run.
# Each case: a name, then the statement (:a is replaced by a varying key).
CASES=(
  "1,000-row UPDATE, a column tv_post copies (1,000 patches)|UPDATE tb_post SET title = title || '!' WHERE pk_post BETWEEN :a AND :a + 999"
  "1,000-row UPDATE, a column tv_post does not read (classification only)|UPDATE tb_post SET created_at = created_at + interval '1 second' WHERE pk_post BETWEEN :a AND :a + 999"
  "1-row UPDATE, a column tv_post copies|UPDATE tb_post SET title = title || '!' WHERE pk_post = :a"
  "1-row UPDATE, a column tv_post does not read|UPDATE tb_post SET created_at = created_at + interval '1 second' WHERE pk_post = :a"
  "1-row UPDATE tb_user.name (tv_user: 1 patch; tv_post: 50 patches)|UPDATE tb_user SET name = name || '!' WHERE pk_user = 1 + :a % 100"
  "1,000-row INSERT (1,000 new rows)|INSERT INTO tb_post (pk_post, id, identifier, fk_user, title, content, created_at) SELECT 200000 + :a + g, gen_random_uuid(), 'k' || (:a + g), 1 + g % 10000, 't', 'c', now() FROM generate_series(1, 1000) g"
)
SQL=$WORK/run.sql
{
  echo "\\set QUIET on"
  echo "CREATE TEMP TABLE timing (tcase int, tier text, ms float8);"
  echo "CREATE FUNCTION pg_temp.maint_ms(stmt text) RETURNS float8 LANGUAGE plpgsql AS \$\$
          DECLARE plan json;
          BEGIN
            EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || stmt INTO plan;
            RETURN (SELECT coalesce(sum((t->>'Time')::float8), 0) FROM json_array_elements(plan->0->'Triggers') t
                     WHERE t->>'Trigger Name' LIKE 'tviews maintain %');
          END \$\$;"
  echo "SET pg_tviews.jit_threshold = 0;"
  # Warm up the session (compiled TVIEWs, caches) in the interpreter, then note its memory.
  echo "SET pg_tviews.jit = off;"
  for entry in "${CASES[@]}"; do
    stmt=${entry#*|}
    echo "BEGIN; ${stmt//:a/1}; ROLLBACK;"
  done
  echo "SELECT pg_backend_pid() AS pid \\gset"
  echo "\\setenv BACKEND_PID :pid"
  echo "\\! grep RssAnon /proc/\$BACKEND_PID/status | awk '{print \"rss_before|\" \$2}'"
  for r in $(seq 1 "$REPEAT"); do
    c=0
    for entry in "${CASES[@]}"; do
      c=$((c + 1))
      stmt0=${entry#*|}
      # The order alternates between rounds: the second run of a pair finds warmer pages.
      tiers="interpreted compiled"
      (( r % 2 == 0 )) && tiers="compiled interpreted"
      for tier in $tiers; do
        # Fresh rows for every run: a rolled-back run leaves versions the next run of the same
        # rows would prune (and pay for).
        t=0; [[ $tier == compiled ]] && t=1
        a=$(( ((r * 2 + t) * 7919 + c * 104729) % 98000 + 1 ))
        stmt=${stmt0//:a/$a}
        [[ $tier == compiled ]] && echo "SET pg_tviews.jit = on;" || echo "SET pg_tviews.jit = off;"
        echo "BEGIN;"
        echo "SELECT pg_temp.maint_ms(\$s\$$stmt\$s\$) AS ms \\gset"
        echo "ROLLBACK;"
        echo "INSERT INTO timing VALUES ($c, '$tier', :ms);"
      done
    done
  done
  echo "\\pset format unaligned"
  echo "\\pset fieldsep '|'"
  echo "\\pset tuples_only on"
  echo "SELECT tcase, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE tier = 'interpreted'),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE tier = 'compiled')
          FROM timing GROUP BY tcase ORDER BY tcase;"
  echo "\\! grep RssAnon /proc/\$BACKEND_PID/status | awk '{print \"rss_after|\" \$2}'"
  echo "SELECT 'compile', tview, compiles, round(compile_ms::numeric, 2), count(*) FROM pg_tviews_kernels() GROUP BY 1, 2, 3, 4 ORDER BY 2::text;"
  echo "SELECT 'memory', coalesce(sum(total_bytes), 0) FROM pg_backend_memory_contexts;"
} >"$SQL"
log "running ${#CASES[@]} statements x 2 tiers x $REPEAT (EXPLAIN ANALYZE, rolled back)"
OUTPUT=$(psql_in kernels -f "$SQL")

echo "## Refresh kernels: interpreted and compiled tiers"
echo
echo "Maintenance time of one statement (the pg_tviews triggers' time in EXPLAIN ANALYZE), median of"
echo "$REPEAT runs per tier, alternating; tv_post over 100,000 posts; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| statement | interpreted ms | compiled ms | interpreted / compiled |"
echo "|---|---:|---:|---:|"
while IFS='|' read -r tcase interp comp; do
  [[ "$tcase" =~ ^[0-9]+$ ]] || continue
  name=${CASES[$((tcase - 1))]%%|*}
  ratio=$(awk -v i="$interp" -v c="$comp" 'BEGIN { if (c > 0) printf "%.2f", i / c; else print "-" }')
  printf '| %s | %.3f | %.3f | %s |\n' "$name" "$interp" "$comp" "$ratio"
done <<<"$OUTPUT"
echo
echo "Compilation (all kernels of a TVIEW in one LLVM module, once per backend; the first one of"
echo "the backend also starts LLVM ORC):"
echo
echo "| TVIEW | compilations | total ms | kernels run |"
echo "|---|---:|---:|---:|"
rss_before='' rss_after=''
while IFS='|' read -r what a b c d; do
  case "$what" in
    compile) echo "| $a | $b | $c | $d |" ;;
    memory) mem=$a ;;
    rss_before) rss_before=$a ;;
    rss_after) rss_after=$a ;;
  esac
done <<<"$OUTPUT"
echo
echo "Backend memory: memory contexts $(( ${mem:-0} / 1024 )) kB at the end; anonymous RSS ${rss_before:-?} kB"
echo "after the interpreted warm-up, ${rss_after:-?} kB after the compiled runs (LLVM's memory is outside"
echo "the memory contexts)."
