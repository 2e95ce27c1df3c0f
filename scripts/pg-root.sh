#!/usr/bin/env bash
# Usage: scripts/pg-root.sh PG [CMD [ARG...]]      (PG: 17 or 18)
# Runs CMD (default: an interactive shell) inside a Debian root that has PostgreSQL PG, its
# server headers, the LLVM its JIT is built on, libpg_query, GoogleTest and the test tools, with
# this source tree mounted at the same path, as root. `make test PG=17` uses it.
#   PG 17: Debian 13 (trixie): PostgreSQL 17, LLVM 19.
#   PG 18: Debian unstable (sid): PostgreSQL 18 (its JIT is the postgresql-18-jit package),
#          LLVM 21, pg_ivm (postgresql-18-pg-ivm) for the benchmark.
# The root is built on first use with mmdebstrap (installed from Debian 12 when missing; about
# 3 minutes and 1.5 GB) under $PG_TVIEWS_ROOTS (default /var/cache/pg_tviews/roots), outside
# the repository, and reused afterwards; it is rebuilt when its package list changes.
# Mounts live in a private mount namespace (unshare): they disappear with the command, whether
# it succeeds, fails or is killed. Needs root. Exit status = CMD's.
# Environment: PG_TVIEWS_ROOTS, PG_TVIEWS_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG=${1:-}
[[ $# -gt 0 ]] && shift
ROOTS=${PG_TVIEWS_ROOTS:-/var/cache/pg_tviews/roots}
MIRROR=${PG_TVIEWS_MIRROR:-http://deb.debian.org/debian}

common=(cmake g++ make perl libipc-run-perl libpg-query-dev libgtest-dev ca-certificates)
case "$PG" in
  17) suite=trixie; llvm=19
      pkgs=(postgresql-17 postgresql-client-17 postgresql-server-dev-17) ;;
  18) suite=unstable; llvm=21
      pkgs=(postgresql-18 postgresql-client-18 postgresql-server-dev-18 postgresql-18-jit
            postgresql-18-pg-ivm) ;;
  *) echo "usage: $0 17|18 [CMD...]   (PostgreSQL 15 runs on this machine itself)" >&2; exit 2 ;;
esac
pkgs+=("llvm-$llvm-dev" "clang-$llvm" "libclang-rt-$llvm-dev" "${common[@]}")

if [[ $(id -u) -ne 0 ]]; then
  echo "pg-root: building and entering the PostgreSQL $PG root needs root (sudo $0 $PG ...)" >&2
  exit 1
fi

DIR=$ROOTS/pg$PG
STAMP=$DIR/.pg_tviews-root
want="suite=$suite packages=${pkgs[*]}"

build_root() {
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    echo "pg-root: installing mmdebstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q mmdebstrap </dev/null >/dev/null 2>&1 \
      || { apt-get update -q </dev/null >/dev/null && apt-get install -y -q mmdebstrap </dev/null >/dev/null; }
  fi
  local tmp=$DIR.new
  rm -rf "$tmp"
  echo "pg-root: building the PostgreSQL $PG root ($suite) in $DIR (first use: a few minutes)"
  local t0=$SECONDS
  # (unstable's Release file carries a Valid-Until date that a mirror may serve past)
  mmdebstrap --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' \
    --include="$(IFS=,; echo "${pkgs[*]}")" \
    "$suite" "$tmp" "deb $MIRROR $suite main" </dev/null
  # the server packages create their own cluster and start nothing in a chroot; drop the
  # default cluster: the suites start private ones
  rm -rf "$tmp/var/lib/postgresql/$PG/main" "$tmp/etc/postgresql/$PG/main"
  echo "$want" >"$tmp/.pg_tviews-root"
  rm -rf "$DIR"
  mv "$tmp" "$DIR"
  echo "pg-root: PostgreSQL $PG root ready in $((SECONDS - t0)) s"
}

mkdir -p "$ROOTS"
exec 9>"$ROOTS/pg$PG.lock"
flock 9
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$want" ]]; then
  build_root
fi
flock -u 9
exec 9>&-

[[ $# -gt 0 ]] || set -- bash -l
export PG_TVIEWS_IN_ROOT=$PG
cp -L /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
mkdir -p "$DIR$ROOT"

# In a private mount namespace: the tree at the same path, /proc, /sys, /dev (with /dev/shm for
# the server's shared memory). Nothing to unmount afterwards.
exec unshare --mount --propagation private -- /bin/bash -c '
  set -e
  dir=$1 src=$2; shift 2
  mount --bind "$src" "$dir$src"
  mount -t proc proc "$dir/proc"
  mount -t sysfs -o ro sysfs "$dir/sys" 2>/dev/null || mount --rbind /sys "$dir/sys"
  mount --rbind /dev "$dir/dev"
  mount -t tmpfs -o size=50% tmpfs "$dir/dev/shm" 2>/dev/null || true
  cd "$dir$src"
  exec chroot "$dir" /usr/bin/env -u LD_LIBRARY_PATH -u TMPDIR HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd \"\$0\" && exec \"\$@\"" "$src" "$@"
' pg-root "$DIR" "$ROOT" "$@"
