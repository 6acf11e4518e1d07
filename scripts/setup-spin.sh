#!/usr/bin/env bash
# Installs Debian's `spin` model checker, which scripts/checkModels.ts runs on the Promela models of
# formal/ (docs/formal-checks.md). spin writes the checker `pan` in C; gcc compiles it. The product does
# not need either.
# Idempotent: does nothing when `spin` is on PATH.
set -euo pipefail

if command -v spin >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq spin gcc >/dev/null
command -v spin >/dev/null
