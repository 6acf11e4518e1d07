#!/usr/bin/env bash
# Development trusted setup of the storage-proof circuit, reproducible byte for byte.
#
#   npm run zk:ceremony            # everything from scratch (~30 min on 2 cores)
#   npm run zk:ceremony -- --check # rebuild into .cache and compare with the committed files
#
# INSECURE BY DESIGN: every contribution is a public beacon, so the toxic waste is public and
# anyone can forge proofs. Fine for development and CI; a production deployment needs a real
# multi-party ceremony (docs/storage-proofs.md, "Trusted setup").
#
# Outputs (committed): circuits/build/storageProof.{wasm,zkey}, circuits/build/verification_key.json,
# contracts/proofs/StorageProofVerifierV1.sol (rendered from the key by scripts/storageVerifierSource.ts),
# and circuits/build/SHA256SUMS over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

POWER=16
# keccak256("veritrain development ceremony, insecure"): a fixed, public "beacon".
BEACON=fe75777d3f6467a5ed174f4d18947f1f99e43d22c4d83fd8c880b02180ceb29c
BEACON_ITERATIONS=10
WORK=.cache/ceremony
OUT=circuits/build
VERIFIER=contracts/proofs/StorageProofVerifierV1.sol
if [[ "${1:-}" == "--check" ]]; then OUT=$WORK/check; VERIFIER=$OUT/StorageProofVerifierV1.sol; fi
mkdir -p "$WORK" "$OUT" "$(dirname "$VERIFIER")"

step() { echo "[ceremony $(date +%T)] $*" >&2; }

step "compile circuits/storage/main.circom (circom 2, --O2)"
circom2 circuits/storage/main.circom --r1cs --wasm --O2 -l node_modules -o "$WORK" >&2

PTAU=$WORK/pot${POWER}_final.ptau
if [[ ! -f $PTAU ]]; then
  step "phase 1: powers of tau 2^$POWER (new, beacon, prepare phase2: the slow step)"
  snarkjs powersoftau new bn128 "$POWER" "$WORK/pot${POWER}_0000.ptau" >&2
  snarkjs powersoftau beacon "$WORK/pot${POWER}_0000.ptau" "$WORK/pot${POWER}_beacon.ptau" \
    "$BEACON" "$BEACON_ITERATIONS" -n="veritrain development beacon" >&2
  snarkjs powersoftau prepare phase2 "$WORK/pot${POWER}_beacon.ptau" "$PTAU" >&2
else
  step "phase 1: reusing $PTAU (delete it to redo phase 1)"
fi

step "phase 2: groth16 setup + beacon"
snarkjs groth16 setup "$WORK/main.r1cs" "$PTAU" "$WORK/storageProof_0000.zkey" >&2
snarkjs zkey beacon "$WORK/storageProof_0000.zkey" "$OUT/storageProof.zkey" \
  "$BEACON" "$BEACON_ITERATIONS" -n="veritrain development phase 2 beacon" >&2

step "export the verification key, the Solidity verifier and the witness generator"
snarkjs zkey export verificationkey "$OUT/storageProof.zkey" "$OUT/verification_key.json" >&2
node scripts/storageVerifierSource.ts "$OUT/verification_key.json" StorageProofVerifierV1 > "$VERIFIER"
cp "$WORK/main_js/main.wasm" "$OUT/storageProof.wasm"

if [[ "$OUT" == circuits/build ]]; then
  sha256sum circuits/build/storageProof.wasm circuits/build/storageProof.zkey \
    circuits/build/verification_key.json "$VERIFIER" > circuits/build/SHA256SUMS
  step "done: outputs in circuits/build and $VERIFIER"
else
  step "comparing with the committed files"
  sed -e "s#circuits/build/#$OUT/#" -e "s#contracts/proofs/#$OUT/#" circuits/build/SHA256SUMS | sha256sum -c
fi
