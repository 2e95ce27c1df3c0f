#!/usr/bin/env bash
# Installs the Debian packages pg_tviews needs to build and test for PostgreSQL $PG (default 15:
# Debian 12's server, headers and test tools, LLVM 14; in the Debian root of PG=17 or PG=18, that
# server and the LLVM its JIT is built on: 19 or 21), GoogleTest, libpg_query, IPC::Run, CMake,
# g++, clang with libFuzzer for the checker's fuzz target.
# Does nothing (and prints one line) when everything is already installed.
set -euo pipefail

PG=${PG:-15}
case "$PG" in
  15) llvm=14 ;;
  17) llvm=19 ;;
  18) llvm=21 ;;
  *) echo "install-deps: PG=$PG: pg_tviews builds for PostgreSQL 15, 17 and 18" >&2; exit 2 ;;
esac
packages=(
  "postgresql-$PG" "postgresql-server-dev-$PG" "postgresql-client-$PG"
  libpg-query-dev "llvm-$llvm-dev" libgtest-dev libipc-run-perl "clang-$llvm" "libclang-rt-$llvm-dev"
  cmake g++ make perl
)
# PostgreSQL 18's JIT is a package of its own
[[ $PG == 18 ]] && packages+=(postgresql-18-jit)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: not root and sudo is not available; install them as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}" </dev/null
echo "install-deps: done"
