#!/usr/bin/env bash
# Usage: scripts/fuzz-checker.sh [SECONDS]   (default 20)
# Builds the libFuzzer target of pg_tviews_check (test/fuzz/checker_fuzz.cpp) with the clang of
# PostgreSQL $PG's LLVM (15: clang-14, 17: clang-19, 18: clang-21),
# AddressSanitizer and UndefinedBehaviorSanitizer, and runs it for SECONDS from the seed corpus
# (test/fuzz/seeds and the checker's agreement corpus test/checker) plus what earlier runs found
# ($BUILD_DIR/fuzz-corpus). Fails on a crash, a
# sanitizer report or a timeout; the reproducer is left in $BUILD_DIR/fuzz-artifacts.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
SECONDS_TO_RUN=${1:-20}
case "${PG:-15}" in 17) llvm=19 ;; 18) llvm=21 ;; *) llvm=14 ;; esac
CXX=${FUZZ_CXX:-clang++-$llvm}
command -v "$CXX" >/dev/null || { echo "fuzz-checker: $CXX missing (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$BUILD_DIR/fuzz-corpus" "$BUILD_DIR/fuzz-artifacts"
BIN=$BUILD_DIR/checker_fuzz
SOURCES=("$ROOT"/test/fuzz/checker_fuzz.cpp "$ROOT"/src/planner/*.cpp "$ROOT"/src/core/*.cpp)
for f in "$ROOT"/src/checker/*.cpp; do [[ $f == */main.cpp ]] || SOURCES+=("$f"); done
newest=$(ls -t "${SOURCES[@]}" "$ROOT"/src/checker/*.hpp "$ROOT"/src/planner/*.hpp | head -n 1)
if [[ ! -x "$BIN" || "$newest" -nt "$BIN" ]]; then
  echo "fuzz-checker: building $BIN"
  grammar=$(sed -n 's/^#define PG_MAJORVERSION "\([0-9]*\)"/\1/p' /usr/include/pg_query.h)
  "$CXX" -std=gnu++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DPG_TVIEWS_GRAMMAR_MAJOR="${grammar:-15}" \
    -I"$ROOT/src" "${SOURCES[@]}" /usr/lib/x86_64-linux-gnu/libpg_query.a -lpthread -o "$BIN"
fi
echo "fuzz-checker: running for ${SECONDS_TO_RUN}s"
ASAN_OPTIONS=detect_leaks=0 "$BIN" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$BUILD_DIR/fuzz-artifacts/" -print_final_stats=1 \
  "$BUILD_DIR/fuzz-corpus" "$ROOT/test/fuzz/seeds" "$ROOT/test/checker" 2>&1 | tail -n 12
exit "${PIPESTATUS[0]}"
