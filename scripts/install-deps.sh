#!/usr/bin/env bash
# Installs the Debian 12 packages pg_tviews needs to build and test (PostgreSQL 15 server,
# headers and test tools, LLVM 14, GoogleTest, libpg_query, IPC::Run, CMake, g++, clang 14 with
# libFuzzer for the checker's fuzz target).
# Does nothing (and prints one line) when everything is already installed.
set -euo pipefail

packages=(
  postgresql-15 postgresql-server-dev-15 postgresql-client-15
  libpg-query-dev llvm-14-dev libgtest-dev libipc-run-perl clang-14 libclang-rt-14-dev
  cmake g++ make perl
)

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
