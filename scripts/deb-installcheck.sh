#!/usr/bin/env bash
# Usage: scripts/deb-installcheck.sh [DEB_DIR]   (make deb-installcheck, after make deb)
# Installs each postgresql-N-pg-tviews_*.deb of DEB_DIR (default build/deb) with `apt install` into
# a clean Debian root (mmdebstrap, this machine's suite and apt sources), starts a cluster of
# PostgreSQL N there with pg_tviews preloaded (pg_virtualenv), and runs `make installcheck` (the
# regression suite) against it. Results in DEB_DIR/installcheck-N/ (regression.diffs on failure).
# Needs root (or sudo) for the root's chroot; installs mmdebstrap on demand.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEBDIR=$(cd "${1:-$ROOT/build/deb}" && pwd)
SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
if ! command -v mmdebstrap >/dev/null 2>&1; then
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap </dev/null
fi
. /etc/os-release
suite=${VERSION_CODENAME:-bookworm}
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -s "$f" ]] && sources+=("$f")
done

shopt -s nullglob
debs=("$DEBDIR"/postgresql-*-pg-tviews_*.deb)
shopt -u nullglob
[[ ${#debs[@]} -gt 0 ]] || { echo "deb-installcheck: no package in $DEBDIR (make deb)" >&2; exit 1; }

rc=0
for deb in "${debs[@]}"; do
  pkg=$(dpkg-deb -f "$deb" Package)
  v=${pkg#postgresql-}; v=${v%-pg-tviews}
  work=$(mktemp -d "${TMPDIR:-/tmp}/pg_tviews-deb-root.XXXXXX")
  out=$DEBDIR/installcheck-$v
  rm -rf "$out"; mkdir -p "$out" "$work/src/test"
  # What `make installcheck` reads: the Makefile, the suite and its schedule.
  cp -a "$ROOT/Makefile" "$ROOT/sql" "$ROOT/expected" "$work/src/"
  cp -a "$ROOT/test/regress_schedule" "$work/src/test/"
  echo "deb-installcheck: $pkg in a clean $suite root ($work/root)"
  "${SUDO[@]}" mmdebstrap --mode=root --variant=apt --include=make \
    --customize-hook='mkdir -p "$1/src"; printf "#!/bin/sh\nexit 101\n" > "$1/usr/sbin/policy-rc.d"; chmod +x "$1/usr/sbin/policy-rc.d"' \
    --customize-hook="copy-in $deb /tmp" \
    --customize-hook="sync-in $work/src /src" \
    --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt install -y -q /tmp/${deb##*/} >\"\$1/src/apt.log\" 2>&1" \
    --customize-hook="chroot \"\$1\" sh -c 'dpkg -s $pkg | grep -E \"^(Status|Version)\" > /src/installed.txt; cd /src && pg_virtualenv -v $v -o shared_preload_libraries=pg_tviews -o max_prepared_transactions=10 make installcheck PG_BIN=/usr/lib/postgresql/$v/bin > /src/installcheck.log 2>&1; echo \$? > /src/installcheck.rc'" \
    --customize-hook="sync-out /src $out" \
    "$suite" "$work/root" "${sources[@]}" >"$out/mmdebstrap.log" 2>&1 \
    || { tail -n 30 "$out/mmdebstrap.log" >&2; rc=1; "${SUDO[@]}" rm -rf "$work"; continue; }
  "${SUDO[@]}" rm -rf "$work"
  cat "$out/installed.txt"
  tail -n 5 "$out/installcheck.log"
  if [[ "$(cat "$out/installcheck.rc")" != 0 ]]; then
    echo "deb-installcheck: $pkg: installcheck FAILED (see $out)" >&2
    [[ -f "$out/build/installcheck/regression.diffs" ]] && head -n 100 "$out/build/installcheck/regression.diffs" >&2
    rc=1
  else
    echo "deb-installcheck: $pkg: installed with apt on a clean root, installcheck passed"
  fi
done
exit $rc
