#!/usr/bin/env bash
# Usage: scripts/check-reproducible.sh [WORK_DIR]   (make check-reproducible)
# Builds the Debian packages of HEAD twice from scratch (scripts/deb.sh, same path, everything
# removed in between) and compares them byte for byte, with their SBOMs. On a difference, lists
# which files inside the packages differ. Exit status 0 when every package is identical.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${1:-$ROOT/build/deb-repro}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
rm -rf "$WORK/first" "$WORK/out"
# Both builds package the same commit, whatever happens to HEAD meanwhile.
export PG_TVIEWS_DEB_COMMIT
PG_TVIEWS_DEB_COMMIT=$(git -C "$ROOT" rev-parse "${PG_TVIEWS_DEB_COMMIT:-HEAD}^{commit}")

for round in 1 2; do
  rm -rf "$WORK/out"
  echo "check-reproducible: build $round"
  "$ROOT/scripts/deb.sh" "$WORK/out" >"$WORK/build-$round.log" 2>&1 \
    || { tail -n 30 "$WORK/build-$round.log" >&2; exit 1; }
  if [[ $round == 1 ]]; then mv "$WORK/out" "$WORK/first"; fi
done

rc=0
shopt -s nullglob
for a in "$WORK"/first/*.deb "$WORK"/first/*.spdx.json; do
  name=${a##*/}
  b=$WORK/out/$name
  if [[ ! -f "$b" ]]; then
    echo "DIFFERENT $name: missing from the second build"; rc=1; continue
  fi
  if cmp -s "$a" "$b"; then
    echo "identical $name  sha256 $(sha256sum "$a" | cut -d' ' -f1)"
  else
    rc=1
    echo "DIFFERENT $name"
    if [[ $name == *.deb ]]; then
      for d in "$a" "$b"; do
        x=$WORK/x-$(basename "$(dirname "$d")")
        rm -rf "$x"; mkdir -p "$x"
        dpkg-deb -R "$d" "$x"
      done
      diff -r "$WORK/x-first" "$WORK/x-out" | head -n 20 || true
    fi
  fi
done
[[ $rc == 0 ]] && echo "check-reproducible: two builds of ${PG_TVIEWS_DEB_COMMIT:0:12} give the same bytes"
exit $rc
