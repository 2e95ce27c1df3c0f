#!/usr/bin/env bash
# Usage: scripts/deb.sh [OUT_DIR]   (make deb; PG_TVIEWS_DEB_COMMIT=rev packages another commit)
# Builds the Debian packages postgresql-N-pg-tviews with Debian's tooling for PostgreSQL
# extensions (debian/, pg_buildext, debhelper), one per PostgreSQL major version N listed in
# debian/pgversions whose postgresql-server-dev-N is installed in this root (the packages for
# other versions are built in roots that have their server headers). Then runs lintian and writes
# an SPDX 2.3 SBOM next to each package (scripts/deb-sbom.py).
# Reproducible: the tree is the committed files of HEAD (or PG_TVIEWS_DEB_COMMIT), built under a fixed path with
# SOURCE_DATE_EPOCH = the commit time, so two builds of one commit give the same bytes
# (scripts/check-reproducible.sh checks it). Build tools missing from this root are installed
# first (apt-get, as root or with sudo).
# Output (default OUT_DIR build/deb): *.deb, *.ddeb (debug symbols), *.buildinfo, *.changes,
# *.spdx.json, lintian.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/build/deb}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# ---- build tools, on demand -------------------------------------------------------------------
tools=(debhelper dpkg-dev postgresql-server-dev-all postgresql-common lintian cmake g++ llvm-14-dev
       libpg-query-dev python3 git)
missing=()
for p in "${tools[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=()
  [[ $(id -u) -eq 0 ]] || SUDO=(sudo)
  echo "deb: installing ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >/dev/null
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" </dev/null >/dev/null
fi

# ---- the source tree: HEAD's files, at a fixed path --------------------------------------------
version=$(git -C "$ROOT" show "${PG_TVIEWS_DEB_COMMIT:-HEAD}:debian/changelog" | dpkg-parsechangelog -l - -S Version)
control_version=$(git -C "$ROOT" show "${PG_TVIEWS_DEB_COMMIT:-HEAD}:pg_tviews.control" | sed -n "s/^default_version = '\(.*\)'/\1/p")
meta_version=$(git -C "$ROOT" show "${PG_TVIEWS_DEB_COMMIT:-HEAD}:META.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
if [[ "${version%%-*}" != "$control_version" ]]; then
  echo "deb: debian/changelog says $version, pg_tviews.control says $control_version" >&2
  exit 1
fi
if [[ "$meta_version" != "$control_version" && "$meta_version" != "$control_version.0" ]]; then
  echo "deb: META.json says $meta_version, pg_tviews.control says $control_version" >&2
  exit 1
fi
commit=$(git -C "$ROOT" rev-parse "${PG_TVIEWS_DEB_COMMIT:-HEAD}^{commit}")
if [[ -z "${PG_TVIEWS_DEB_COMMIT:-}" && -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  echo "deb: note: uncommitted changes are not packaged (the package is HEAD's files)" >&2
fi
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct "$commit")

WORK=$OUT/work
SRC=$WORK/pg-tviews-$version
rm -rf "$WORK"
mkdir -p "$SRC"
git -C "$ROOT" archive --format=tar "$commit" | tar -x -C "$SRC"
rm -f "$OUT"/*.deb "$OUT"/*.ddeb "$OUT"/*.buildinfo "$OUT"/*.changes "$OUT"/*.spdx.json "$OUT"/lintian.txt

# The versions to build for: those listed that have server headers here.
export PG_SUPPORTED_VERSIONS=${PG_SUPPORTED_VERSIONS:-installed}
(cd "$SRC" && pg_buildext updatecontrol)
versions=$(cd "$SRC" && pg_buildext supported-versions | xargs)
echo "deb: pg_tviews $version ($commit) for PostgreSQL $versions, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"

(cd "$SRC" && dpkg-buildpackage -b -us -uc -j"${JOBS:-2}") >"$OUT/build.log" 2>&1 \
  || { tail -n 40 "$OUT/build.log" >&2; echo "deb: dpkg-buildpackage failed (log: $OUT/build.log)" >&2; exit 1; }
shopt -s nullglob
for f in "$WORK"/*.deb "$WORK"/*.ddeb "$WORK"/*.buildinfo "$WORK"/*.changes; do mv "$f" "$OUT/"; done
shopt -u nullglob
rm -rf "$WORK"

# ---- lintian ------------------------------------------------------------------------------------
lintian_rc=0
lintian --display-info --pedantic "$OUT"/*.changes >"$OUT/lintian.txt" 2>&1 || lintian_rc=$?
echo "deb: lintian (exit $lintian_rc):"
if [[ -s "$OUT/lintian.txt" ]]; then sed 's/^/  /' "$OUT/lintian.txt"; else echo "  (no tags)"; fi

# ---- SBOM ---------------------------------------------------------------------------------------
for deb in "$OUT"/*.deb; do
  python3 "$ROOT/scripts/deb-sbom.py" "$deb" "$commit" >"${deb%.deb}.spdx.json"
done

for f in "$OUT"/*.deb; do
  printf 'deb: %s  %s bytes  sha256 %s\n' "${f##*/}" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
done
echo "deb: SBOMs: $(cd "$OUT" && ls ./*.spdx.json | sed 's|^\./||' | xargs)"
# lintian's exit status is 1 when it reports errors (E:), 2 on its own failures.
if grep -q '^E: ' "$OUT/lintian.txt" || [[ $lintian_rc -gt 1 ]]; then
  echo "deb: lintian reports errors" >&2
  exit 1
fi
