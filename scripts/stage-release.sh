#!/usr/bin/env bash
# Usage: scripts/stage-release.sh VERSION BUILD_DIR DEST
# A private server tree at DEST (as scripts/stage-install.sh makes it) holding an earlier release
# of pg_tviews instead of the current build: its module (built from its commit by
# scripts/build-release-module.sh, cached in BUILD_DIR) and its extension SQL and control file.
# The extension upgrade test (test/tap/t/080_extension_upgrade.pl) starts a cluster from it, then
# replaces those files with the current ones, as a package upgrade does.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 VERSION BUILD_DIR DEST" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSION=$1 BUILD_DIR=$2 DEST=$3

rel=$("$ROOT/scripts/build-release-module.sh" "$VERSION" "$BUILD_DIR" | tail -n 1)
"$ROOT/scripts/stage-install.sh" "$BUILD_DIR" "$DEST" >/dev/null
pg_config=$(ls "$DEST"/lib/postgresql/*/bin/pg_config | head -n 1)
pkglib=$("$pg_config" --pkglibdir)
ext=$("$pg_config" --sharedir)/extension
cp "$rel/pg_tviews.so" "$pkglib/.pg_tviews.so.tmp"
mv -f "$pkglib/.pg_tviews.so.tmp" "$pkglib/pg_tviews.so"
rm -f "$ext"/pg_tviews.control "$ext"/pg_tviews--*
cp "$rel"/extension/* "$ext/"
echo "stage-release: $DEST holds pg_tviews $VERSION"
