#!/usr/bin/env bash
# `npm test`: every check of the project. First two lanes of builds side by side (this machine class
# has 2 cores); then every node test file, two at a time (scripts/runTests.ts: the devnet files keep
# both cores busy, a third file only adds contention), with the remaining checks in a lane beside
# them. Each lane's output is printed whole when it ends, in lane order; the node tests' summary is
# printed again last. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# Every node process of the run (test files, keepers, CLIs) reuses V8's compiled code of the same modules.
export NODE_COMPILE_CACHE="$PWD/.cache/node-compile"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# lane FUNCTION: runs FUNCTION in the background, its output to $logs/FUNCTION.
lanes=()
pids=()
lane() {
  "$1" >"$logs/$1" 2>&1 &
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

# Phase 1, everything the test files read, two lanes side by side. The default lane compiles, writes
# the app's ABIs (test/app imports them), builds the subgraph from the ABIs (the indexer loads it),
# runs the Solidity tests, and last builds the devnets' profile (Ignition's production profile: the
# same solc input and bytecode, no Solidity tests): Hardhat rewrites artifacts/ whenever the profile
# changes, so from here on nothing compiles into it and every devnet start finds it up to date. The
# other lane compiles the contracts as Cardona runs them (shanghai: docs/deployment.md) into builds/.
default_build() {
  set -e
  hardhat compile --quiet
  node scripts/appArtifacts.ts
  npm run subgraph:build
  hardhat test solidity --network default
  hardhat --build-profile production compile --no-tests --quiet
}

shanghai_build() {
  set -e
  VERITRAIN_EVM_TARGET=shanghai hardhat compile --quiet
}

# Phase 2, beside the test files (they read nothing it writes): type-checks, the shanghai build's
# Solidity, contract and Ignition tests, then every network's build scanned.
checks() {
  set -e
  tsc -p .
  tsc -p app
  export VERITRAIN_EVM_TARGET=shanghai
  hardhat test solidity --network default
  node --test --test-concurrency=1 --test-force-exit --test-reporter=spec "test/contracts/*.test.ts" "test/ignition/*.test.ts"
  unset VERITRAIN_EVM_TARGET
  npm run scan:opcodes
}

lane default_build
lane shanghai_build
finish_lanes || exit 1

# The checks start with the test files: the devnet files' keepers wait on the chain much of the time.
lanes=()
pids=()
lane checks
node scripts/runTests.ts | tee "$logs/node-tests"
tests=${PIPESTATUS[0]}
finish_lanes
checked=$?
echo "=== node tests: summary"
grep -E "^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) " "$logs/node-tests"
[ "$tests" -eq 0 ] && [ "$checked" -eq 0 ]
