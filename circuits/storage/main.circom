pragma circom 2.2.0;

include "storageProof.circom";

// The deployed parameter set: depth 13 (4-ary: columns up to 4^13 x 496 B = 33.3 GB), 13 samples per proof.
component main {public [columnRoot, boundSeed]} = StorageProof(13, 13);
