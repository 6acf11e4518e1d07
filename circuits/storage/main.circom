pragma circom 2.2.0;

include "storageProof.circom";

// The deployed parameter set: depth 25 (columns up to 2^25 x 496 B = 16.6 GB), 9 samples per proof.
component main {public [columnRoot, boundSeed]} = StorageProof(25, 9);
