#!/usr/bin/env bash
# Installs the PostgreSQL server binaries (Debian's `postgresql` package) used by
# test/keepers/indexer/postgresStore.test.ts, which starts its own throwaway server from them.
# Idempotent: does nothing when `initdb` is on PATH or in /usr/lib/postgresql/<version>/bin.
# The package also creates the `postgres` user the test runs the server as under root.
set -euo pipefail

if command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql >/dev/null
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
