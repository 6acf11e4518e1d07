pragma circom 2.2.0;

include "storageProof.circom";

// The deployed parameter set: depth 13 (4-ary: columns up to 4^13 x 496 B = 33.3 GB), 13 samples per proof.
// Public inputs in this order: IC1, IC2, IC3 of the verifying key (contracts/interfaces/IStorageProofVerifier.sol).
component main {public [columnRoot, prover, seed]} = StorageProof(13, 13);
