#!/usr/bin/env bash
# `npm test`: every check of the project. Two lanes of builds and checks run side by side (this
# machine class has 2 cores); each lane's output is printed whole when it ends, in lane order. Then
# every node test file, two at a time (scripts/runTests.ts: the devnet files keep both cores busy, a
# third only adds contention). Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# Every node process of the run (test files, keepers, CLIs) reuses V8's compiled code of the same modules.
export NODE_COMPILE_CACHE="$PWD/.cache/node-compile"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# lane FUNCTION: runs FUNCTION in the background, its output (and how long it took) to $logs/FUNCTION.
lanes=()
pids=()
lane() {
  (
    started=$SECONDS
    "$1"
    status=$?
    echo "--- $1 took $((SECONDS - started)) s"
    exit $status
  ) >"$logs/$1" 2>&1 &
  lanes+=("$1")
  pids+=("$!")
}

# Waits for every lane, prints each one's output and whether it passed; returns 1 if any failed.
finish_lanes() {
  local failed=0 i status
  for i in "${!lanes[@]}"; do
    if wait "${pids[$i]}"; then status=passed; else status=FAILED; failed=1; fi
    echo "=== ${lanes[$i]}: $status"
    cat "$logs/${lanes[$i]}"
  done
  return $failed
}

# Compile, the app's ABIs (test/app imports them), subgraph build, type-check (keepers and app), Solidity tests.
# Last, the devnets' build (Ignition's production profile: the same solc input and bytecode, no Solidity
# tests): Hardhat rewrites artifacts/ whenever the profile changes, so a devnet compiling it first would do so
# under the contract test files running beside it; built here, every devnet start finds it up to date.
default_build() {
  set -e
  hardhat compile --quiet
  node scripts/appArtifacts.ts
  npm run subgraph:build
  tsc -p .
  tsc -p app
  hardhat test solidity --network default
  hardhat --build-profile production compile --no-tests --quiet
}

# The contracts as Cardona runs them (shanghai: docs/deployment.md), then every network's build scanned. The
# contracts' node test files run here only (scripts/runTests.ts runs just the cancun gas snapshot and hardfork
# check): the cancun bytecode is what the default lane's Solidity tests and every devnet test file run.
shanghai_build() {
  set -e
  export VERITRAIN_EVM_TARGET=shanghai
  hardhat compile --quiet
  hardhat test solidity --network default
  # test/harness/blockingStdout.ts: forceExit must not cut a test file's report short (as in scripts/runTests.ts).
  NODE_OPTIONS="--import=$(node -p 'require("node:url").pathToFileURL("test/harness/blockingStdout.ts").href')" \
    node --test --test-concurrency=2 --test-force-exit --test-reporter=spec "test/contracts/*.test.ts" "test/ignition/*.test.ts"
  unset VERITRAIN_EVM_TARGET
  npm run scan:opcodes
}

lane default_build
lane shanghai_build
finish_lanes || exit 1

node scripts/runTests.ts
