#!/usr/bin/env bash
# Usage: scripts/stage-install.sh BUILD_DIR DEST        (PG_BIN: the server's bin directory,
# default /usr/lib/postgresql/$PG/bin, PG defaulting to 15)
# Builds a private, relocated PostgreSQL install tree at DEST holding the freshly built
# pg_tviews.so and extension files, so the test suites never need root and always test the
# current build. Server binaries are copied (the server resolves paths from its own
# location), everything else from the system install is symlinked.
# Idempotent: if DEST exists and the system server binary is unchanged, only pg_tviews's own
# files (and the symlinks) are refreshed.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR DEST" >&2
  exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$(cd "$1" && pwd)
mkdir -p "$2"
DEST=$(cd "$2" && pwd)

SYS_BIN=${PG_BIN:-/usr/lib/postgresql/${PG:-15}/bin}
if [[ ! -x "$SYS_BIN/pg_config" ]]; then
  echo "stage-install: $SYS_BIN/pg_config not found (run scripts/install-deps.sh)" >&2
  exit 1
fi
SYS_PKGLIB=$("$SYS_BIN/pg_config" --pkglibdir)
SYS_SHARE=$("$SYS_BIN/pg_config" --sharedir)
MAJOR=$("$SYS_BIN/pg_config" --version | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p')

SO="$BUILD_DIR/pg_tviews.so"
CONTROL="$ROOT/pg_tviews.control"
[[ -f "$SO" ]] || { echo "stage-install: $SO not found (build first: make)" >&2; exit 1; }
[[ -f "$CONTROL" ]] || { echo "stage-install: $CONTROL not found" >&2; exit 1; }
shopt -s nullglob
ext_sql=("$ROOT"/extension/pg_tviews--*.sql)
shopt -u nullglob
[[ ${#ext_sql[@]} -gt 0 ]] || { echo "stage-install: no extension/pg_tviews--*.sql" >&2; exit 1; }

BIN="$DEST/lib/postgresql/$MAJOR/bin"
LIB="$DEST/lib/postgresql/$MAJOR/lib"
SHARE="$DEST/share/postgresql/$MAJOR"

# Full (re)build of the copied binaries when the tree is new or the system server changed
# (e.g. a 15.x upgrade pulled in by postgresql-server-dev-15).
if [[ ! -x "$BIN/postgres" ]] || ! cmp -s "$SYS_BIN/postgres" "$BIN/postgres"; then
  rm -rf "${DEST:?}/lib" "${DEST:?}/share"
  mkdir -p "$BIN"
  cp -a "$SYS_BIN/." "$BIN/"
fi
mkdir -p "$LIB" "$SHARE/extension"

# link_entries SRC_DIR DST_DIR [skip-name...]: DST_DIR/x -> SRC_DIR/x for every entry x,
# dropping dangling links and links for skipped names; never touches regular files.
link_entries() {
  local src=$1 dst=$2; shift 2
  local e name skip
  for e in "$dst"/* "$dst"/.[!.]*; do
    [[ -L "$e" && ! -e "$e" ]] && rm -f "$e"
  done
  for e in "$src"/* "$src"/.[!.]*; do
    [[ -e "$e" || -L "$e" ]] || continue
    name=${e##*/}
    for skip in "$@"; do
      # shellcheck disable=SC2053  # glob match intended
      if [[ "$name" == $skip ]]; then continue 2; fi
    done
    if [[ -L "$dst/$name" && "$dst/$name" -ef "$e" ]]; then
      continue                      # already right: no fork
    elif [[ -L "$dst/$name" || ! -e "$dst/$name" ]]; then
      ln -sfn "$e" "$dst/$name"
    fi
  done
}

# pkglibdir: everything from the system except any installed pg_tviews, plus our .so.
link_entries "$SYS_PKGLIB" "$LIB" 'pg_tviews.so' 'pg_tviews_probes.so'
# sharedir: everything except extension/, which is a real directory.
link_entries "$SYS_SHARE" "$SHARE" 'extension'
link_entries "$SYS_SHARE/extension" "$SHARE/extension" 'pg_tviews.control' 'pg_tviews--*'

# Our files. Replace via rename so a running server keeps its mapped copy intact.
cp "$SO" "$LIB/.pg_tviews.so.tmp"
mv -f "$LIB/.pg_tviews.so.tmp" "$LIB/pg_tviews.so"
# The boundary probes of the regression suite: built by test builds only, never installed.
if [[ -f "$BUILD_DIR/pg_tviews_probes.so" ]]; then
  cp "$BUILD_DIR/pg_tviews_probes.so" "$LIB/.pg_tviews_probes.so.tmp"
  mv -f "$LIB/.pg_tviews_probes.so.tmp" "$LIB/pg_tviews_probes.so"
fi
rm -f "$SHARE"/extension/pg_tviews.control "$SHARE"/extension/pg_tviews--*
cp "$CONTROL" "${ext_sql[@]}" "$SHARE/extension/"

# Sanity check: the copied pg_config must see the relocated tree.
got_share=$("$BIN/pg_config" --sharedir)
got_lib=$("$BIN/pg_config" --pkglibdir)
if [[ "$got_share" != "$SHARE" || "$got_lib" != "$LIB" ]]; then
  echo "stage-install: relocation failed: pg_config reports $got_share, $got_lib" >&2
  exit 1
fi
echo "stage-install: $DEST ready (pg_tviews.so from $BUILD_DIR)"
