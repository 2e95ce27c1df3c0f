#!/usr/bin/env bash
# Usage: scripts/run-tests.sh [regress|isolation|tap|all]
# Runs pg_tviews's SQL-level suites (pg_regress, pg_isolation_regress, TAP via prove) against
# temporary clusters started from a private staged install of the current build (see
# scripts/stage-install.sh). As root, everything the suites touch is staged in a fresh
# /tmp/pg_tviews-test.XXXXXX owned by `postgres` and the suites run as `postgres` (initdb
# refuses root); results are copied back to $BUILD_DIR/test-output. As an ordinary user
# everything runs in place, output under $BUILD_DIR/test-output.
# Every suite runs once per kernel tier: "compiled" (pg_tviews.jit = on, jit_threshold = 0: every
# kernel compiled to native code before its first run) and "interpreted" (pg_tviews.jit = off);
# the expected outputs are the same. Output per suite and tier: $BUILD_DIR/test-output/SUITE-TIER.
# Environment: BUILD_DIR (default build), PG_BIN (the server's bin directory, default
# /usr/lib/postgresql/15/bin), PROVE_FLAGS (extra prove flags),
# PG_TVIEWS_TIERS (default "compiled interpreted"), PG_TVIEWS_TAP_TESTS (TAP files to run,
# e.g. "t/060_soak.pl"; default all),
# PG_TVIEWS_KEEP_TMP=1 (keep the /tmp work dir even on success), PG (PostgreSQL major version,
# default 15: the server in /usr/lib/postgresql/$PG).
# Last line of output: "N passed, N failed" (suites).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"

what=${1:-all}
case "$what" in
  regress|isolation|tap) suites=("$what") ;;
  all) suites=(regress isolation tap) ;;
  *) echo "usage: $0 [regress|isolation|tap|all]" >&2; exit 2 ;;
esac

TIERS=${PG_TVIEWS_TIERS:-compiled interpreted}
for t in $TIERS; do
  case "$t" in compiled|interpreted) ;; *) echo "run-tests: PG_TVIEWS_TIERS: unknown tier '$t'" >&2; exit 2 ;; esac
done

REGRESS_PORT=55432
ISOLATION_PORT=55433

# shellcheck source=cluster.sh
source "$ROOT/scripts/cluster.sh"     # PG_BIN: the server to test against
CLUSTER_LOG_PREFIX=run-tests
cluster_require
SYS_PKGLIB=$("$PG_BIN/pg_config" --pkglibdir)
PG_REGRESS=$SYS_PKGLIB/pgxs/src/test/regress/pg_regress
PG_ISOLATION_REGRESS=$SYS_PKGLIB/pgxs/src/test/isolation/pg_isolation_regress
TAP_PERL_LIB=$SYS_PKGLIB/pgxs/src/test/perl

[[ -f "$BUILD_DIR/pg_tviews.so" ]] || { echo "run-tests: $BUILD_DIR/pg_tviews.so missing (build first: make)" >&2; exit 1; }
[[ -f "$ROOT/test/pg_tviews.conf" ]] || { echo "run-tests: test/pg_tviews.conf missing" >&2; exit 1; }

# ---- suite sanity: a missing or empty suite is a failure --------------------------------
# schedule_tests FILE: names listed on "test:" lines
schedule_tests() {
  sed -n 's/^[[:space:]]*test:[[:space:]]*//p' "$1" | tr -s '[:blank:]' '\n' | sed '/^$/d'
}

check_suite() {
  local s=$1 t n=0 bad=0
  case "$s" in
    regress)
      if [[ ! -f "$ROOT/test/regress_schedule" || ! -d "$ROOT/sql" || ! -d "$ROOT/expected" ]]; then
        echo "run-tests: regress: need test/regress_schedule, sql/ and expected/" >&2; return 1
      fi
      while read -r t; do
        n=$((n + 1))
        [[ -f "$ROOT/sql/$t.sql" ]] || { echo "run-tests: regress: sql/$t.sql missing" >&2; bad=1; }
        [[ -f "$ROOT/expected/$t.out" ]] || { echo "run-tests: regress: expected/$t.out missing" >&2; bad=1; }
      done < <(schedule_tests "$ROOT/test/regress_schedule")
      ;;
    isolation)
      if [[ ! -f "$ROOT/test/isolation/schedule" || ! -d "$ROOT/test/isolation/specs" ]]; then
        echo "run-tests: isolation: need test/isolation/schedule and test/isolation/specs/" >&2; return 1
      fi
      while read -r t; do
        n=$((n + 1))
        [[ -f "$ROOT/test/isolation/specs/$t.spec" ]] || { echo "run-tests: isolation: specs/$t.spec missing" >&2; bad=1; }
        [[ -f "$ROOT/test/isolation/expected/$t.out" ]] || { echo "run-tests: isolation: expected/$t.out missing" >&2; bad=1; }
      done < <(schedule_tests "$ROOT/test/isolation/schedule")
      ;;
    tap)
      n=$( (find "$ROOT/test/tap/t" -maxdepth 1 -name '*.pl' 2>/dev/null || true) | wc -l)
      if ! perl -MIPC::Run -e1 2>/dev/null; then
        echo "run-tests: tap: perl module IPC::Run missing (libipc-run-perl)" >&2; bad=1
      fi
      ;;
  esac
  if [[ $n -eq 0 ]]; then
    echo "run-tests: $s: suite holds no test" >&2; return 1
  fi
  return $bad
}

# ---- where to run -----------------------------------------------------------------------
AS_ROOT=0
[[ $(id -u) -eq 0 ]] && AS_ROOT=1
if [[ $AS_ROOT -eq 1 ]]; then
  id postgres >/dev/null 2>&1 || { echo "run-tests: running as root needs a 'postgres' user (postgresql-$PG creates it)" >&2; exit 1; }
  WORK=$(mktemp -d /tmp/pg_tviews-test.XXXXXX)
  SRC=$WORK/src
  STAGE=$WORK/install
  OUT=$WORK/out
  mkdir -p "$SRC"
  for f in sql expected test pg_tviews.control extension; do
    [[ -e "$ROOT/$f" ]] && cp -a "$ROOT/$f" "$SRC/"
  done
else
  WORK=
  SRC=$ROOT
  STAGE=$BUILD_DIR/stage
  OUT=$BUILD_DIR/test-output
fi
RESULTS=$BUILD_DIR/test-output

STAGE_BIN=$(cluster_stage "$BUILD_DIR" "$STAGE" "$ROOT")
# The offline checker, for the agreement test (next to the staged install when running as root).
CHECK_BIN=$BUILD_DIR/pg_tviews_check
if [[ $AS_ROOT -eq 1 && -x "$CHECK_BIN" ]]; then
  cp "$CHECK_BIN" "$WORK/pg_tviews_check"
  CHECK_BIN=$WORK/pg_tviews_check
fi
# The earlier release the extension upgrade test (t/080) starts from, in a server tree of its own
# (0.1 was released for PostgreSQL 15 only: on other servers the test skips itself).
# (its module is built once from its commit and cached in BUILD_DIR).
UPGRADE_STAGE=
if [[ " ${suites[*]} " == *" tap "* && ( -z "${PG_TVIEWS_TAP_TESTS:-}" || "$PG_TVIEWS_TAP_TESTS" == *080_* ) &&
      "$(cluster_pg_major)" == 15 ]]; then
  UPGRADE_STAGE=${WORK:-$BUILD_DIR}/stage-0.1
  "$ROOT/scripts/stage-release.sh" 0.1 "$BUILD_DIR" "$UPGRADE_STAGE" || UPGRADE_STAGE=
fi
# One configuration per tier: the suites' settings plus the tier's.
mkdir -p "$OUT"
for t in $TIERS; do
  cp "$SRC/test/pg_tviews.conf" "$OUT/pg_tviews-$t.conf"
  case "$t" in
    compiled) printf 'pg_tviews.jit = on\npg_tviews.jit_threshold = 0\n' >>"$OUT/pg_tviews-$t.conf" ;;
    interpreted) printf 'pg_tviews.jit = off\n' >>"$OUT/pg_tviews-$t.conf" ;;
  esac
  for s in "${suites[@]}"; do
    rm -rf "${OUT:?}/$s-$t"
    mkdir -p "$OUT/$s-$t"
    [[ "$s" == tap ]] && mkdir -p "$OUT/$s-$t/tmp_check"
  done
done
[[ $AS_ROOT -eq 1 ]] && mkdir -p "$WORK/tmp"
if [[ $AS_ROOT -eq 1 ]]; then
  chown -R -h postgres:postgres "$WORK"
  chmod 0755 "$WORK"
fi

# run_in DIR CMD...: run CMD in DIR with the test environment, as postgres when root.
run_in() {
  local dir=$1; shift
  local envv=(
    env -u PGHOST -u PGHOSTADDR -u PGPORT -u PGUSER -u PGDATABASE -u PGSERVICE -u PGOPTIONS
    "PATH=$STAGE_BIN:$PATH"
    "PG_TVIEWS_TEST_CONF=$CONF"
    "PG_TVIEWS_TIER=$TIER"
    "PG_TVIEWS_SRC=$SRC"
    "PG_TVIEWS_CHECK=$CHECK_BIN"
    "PG_TVIEWS_UPGRADE_STAGE=$UPGRADE_STAGE"
  )
  if [[ $AS_ROOT -eq 1 ]]; then
    (cd "$dir" && runuser -u postgres -- "${envv[@]}" "$@")
  else
    (cd "$dir" && "${envv[@]}" "$@")
  fi
}

# crash_check SUITE LOGFILE...: fail if a server process died from a signal. In TAP logs,
# SIGKILL (signal 9) is how crash-recovery tests kill backends on purpose: allowed there.
crash_check() {
  local s=$1; shift
  local hits
  [[ $# -gt 0 ]] || return 0
  hits=$(grep -H "terminated by signal" "$@" 2>/dev/null || true)
  if [[ "$s" == tap ]]; then
    hits=$(printf '%s\n' "$hits" | grep -v "terminated by signal 9: Killed" || true)
  fi
  hits=$(printf '%s\n' "$hits" | sed '/^$/d')
  if [[ -n "$hits" ]]; then
    echo "run-tests: $s: a server process was terminated by a signal:" >&2
    printf '%s\n' "$hits" | head -n 20 >&2
    return 1
  fi
  return 0
}

show_tail() { # FILE LINES
  [[ -f "$1" ]] || return 0
  echo "----- ${1#"$OUT"/} (last $2 lines) -----"
  tail -n "$2" "$1"
}

run_regress() {
  local o=$OUT/regress-$TIER rc=0
  run_in "$o" "$PG_REGRESS" \
    --temp-instance="$o/tmp_instance" --temp-config="$CONF" --port=$REGRESS_PORT \
    --bindir="$STAGE_BIN" --inputdir="$SRC" --outputdir="$o" \
    --schedule="$SRC/test/regress_schedule" --dbname=contrib_regression \
    --encoding=UTF8 --no-locale || rc=1
  if [[ $rc -ne 0 ]]; then
    if [[ -f "$o/regression.diffs" ]]; then
      echo "----- regress: regression.diffs (first 200 lines) -----"
      head -n 200 "$o/regression.diffs"
    fi
    show_tail "$o/log/initdb.log" 20
    show_tail "$o/log/postmaster.log" 60
  fi
  crash_check regress "$o"/log/*.log || rc=1
  return $rc
}

run_isolation() {
  local o=$OUT/isolation-$TIER rc=0
  run_in "$o" "$PG_ISOLATION_REGRESS" \
    --temp-instance="$o/tmp_instance" --temp-config="$CONF" --port=$ISOLATION_PORT \
    --bindir="$STAGE_BIN" --inputdir="$SRC/test/isolation" --outputdir="$o" \
    --schedule="$SRC/test/isolation/schedule" \
    --encoding=UTF8 --no-locale || rc=1
  if [[ $rc -ne 0 ]]; then
    if [[ -f "$o/regression.diffs" ]]; then
      echo "----- isolation: regression.diffs (first 200 lines) -----"
      head -n 200 "$o/regression.diffs"
    fi
    show_tail "$o/log/initdb.log" 20
    show_tail "$o/log/postmaster.log" 60
  fi
  crash_check isolation "$o"/log/*.log || rc=1
  return $rc
}

run_tap() {
  local o=$OUT/tap-$TIER rc=0 f tests=() pflags=()
  read -r -a pflags <<<"${PROVE_FLAGS:-}"
  if [[ -n "${PG_TVIEWS_TAP_TESTS:-}" ]]; then
    read -r -a tests <<<"$PG_TVIEWS_TAP_TESTS"
  else
    for f in "$SRC"/test/tap/t/*.pl; do tests+=("t/${f##*/}"); done
  fi
  # As root, short-lived socket dirs go inside the work dir, not loose in /tmp.
  local tmp=${TMPDIR:-/tmp}
  [[ $AS_ROOT -eq 1 ]] && tmp=$WORK/tmp
  # The upgrade test replaces the earlier release's files with the current ones: stage them anew
  # for each tier.
  if [[ -n "$UPGRADE_STAGE" ]]; then
    "$ROOT/scripts/stage-release.sh" 0.1 "$BUILD_DIR" "$UPGRADE_STAGE" >/dev/null
    [[ $AS_ROOT -eq 1 ]] && chown -R -h postgres:postgres "$UPGRADE_STAGE"
  fi
  run_in "$SRC/test/tap" env TESTDIR="$o" PG_REGRESS="$PG_REGRESS" TMPDIR="$tmp" \
    prove -I "$TAP_PERL_LIB" -I "$SRC/test/tap" "${pflags[@]}" "${tests[@]}" || rc=1
  local logs=()
  shopt -s nullglob
  for f in "$o"/tmp_check/log/*.log; do
    [[ "${f##*/}" == regress_log_* ]] || logs+=("$f")
  done
  if [[ $rc -ne 0 ]]; then
    for f in "$o"/tmp_check/log/regress_log_*; do show_tail "$f" 60; done
    for f in "${logs[@]}"; do show_tail "$f" 30; done
  fi
  shopt -u nullglob
  crash_check tap "${logs[@]}" || rc=1
  return $rc
}

passed=0
failed=0
summary=()
for TIER in $TIERS; do
  CONF=$OUT/pg_tviews-$TIER.conf
  for s in "${suites[@]}"; do
    echo "===== $s ($TIER kernels) ====="
    if ! check_suite "$s"; then
      summary+=("$s ($TIER): FAILED (suite missing, incomplete or empty)")
      failed=$((failed + 1))
      continue
    fi
    if "run_$s"; then
      summary+=("$s ($TIER): passed")
      passed=$((passed + 1))
    else
      summary+=("$s ($TIER): FAILED (output in $RESULTS/$s-$TIER)")
      failed=$((failed + 1))
    fi
  done
done

if [[ $AS_ROOT -eq 1 ]]; then
  mkdir -p "$RESULTS"
  for t in $TIERS; do
    for s in "${suites[@]}"; do
      rm -rf "${RESULTS:?}/$s-$t"
      # keep outputs and logs, not the (large) temp instances
      (cd "$OUT" && tar --exclude=tmp_instance --exclude='pgdata' --exclude='t_*_data' -cf - "$s-$t") \
        | (cd "$RESULTS" && tar --no-same-owner -xf -) || true
    done
  done
  if [[ $failed -eq 0 && -z "${PG_TVIEWS_KEEP_TMP:-}" ]]; then
    rm -rf "$WORK"
  else
    echo "run-tests: work dir kept: $WORK"
  fi
fi

echo "===== summary ====="
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
