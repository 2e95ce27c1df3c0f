#!/usr/bin/env bash
# Usage: scripts/build-release-module.sh VERSION BUILD_DIR
# Builds the server module of an earlier release of pg_tviews from its git commit (listed in
# test/upgrade/releases) and stages it with that release's extension SQL and control file (kept in
# test/upgrade/), for the extension upgrade test (test/tap/t/080_extension_upgrade.pl):
#   BUILD_DIR/release-VERSION/pg_tviews.so
#   BUILD_DIR/release-VERSION/extension/{pg_tviews.control,pg_tviews--VERSION.sql}
# Cached: built once per commit; later runs print the directory and return at once.
# Prints the directory on its last line. Needs git and the commit (a clone of the repository).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 VERSION BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSION=$1
mkdir -p "$2"
BUILD_DIR=$(cd "$2" && pwd)
OUT=$BUILD_DIR/release-$VERSION

commit=$(awk -v v="$VERSION" '$1 == v { print $2 }' "$ROOT/test/upgrade/releases")
[[ -n "$commit" ]] || { echo "build-release-module: no commit for $VERSION in test/upgrade/releases" >&2; exit 1; }
sql=$ROOT/test/upgrade/pg_tviews--$VERSION.sql
control=$ROOT/test/upgrade/pg_tviews.control-$VERSION
[[ -f "$sql" && -f "$control" ]] || { echo "build-release-module: $sql or $control missing" >&2; exit 1; }

if [[ -f "$OUT/pg_tviews.so" && "$(cat "$OUT/commit" 2>/dev/null)" == "$commit" ]]; then
  echo "$OUT"
  exit 0
fi

git -C "$ROOT" rev-parse -q --verify "$commit^{commit}" >/dev/null \
  || { echo "build-release-module: commit $commit of $VERSION not in this repository" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT/src" "$OUT/extension"
git -C "$ROOT" archive "$commit" | tar -x -C "$OUT/src"
# Only the server module: no unit tests, no checker run.
cmake -S "$OUT/src" -B "$OUT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPG_TVIEWS_TESTS=OFF >"$OUT/build.log" 2>&1 \
  || { tail -n 30 "$OUT/build.log" >&2; exit 1; }
cmake --build "$OUT/build" --target pg_tviews -j"${JOBS:-2}" >>"$OUT/build.log" 2>&1 \
  || { tail -n 30 "$OUT/build.log" >&2; exit 1; }
cp "$OUT/build/pg_tviews.so" "$OUT/pg_tviews.so"
cp "$control" "$OUT/extension/pg_tviews.control"
cp "$sql" "$OUT/extension/pg_tviews--$VERSION.sql"
rm -rf "$OUT/src" "$OUT/build"
echo "$commit" >"$OUT/commit"
echo "$OUT"
