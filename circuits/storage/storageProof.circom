pragma circom 2.2.0;

// Proof of storage of one shard column (spec: docs/storage-proofs.md; commitment:
// docs/commitments.md). The prover shows it knows SAMPLES chunks of the column, drawn from the
// round's bound seed uniformly over the column's real leaves, with their Merkle paths to the
// column root.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// index = u mod leafCount, and the DEPTH bits of index (bit l = path direction at level l).
template ModLeafCount(U_BITS, DEPTH) {
    signal input u;
    signal input leafCount;
    signal output bits[DEPTH];

    signal quotient <-- u \ leafCount;
    signal index <-- u % leafCount;
    // u < 2^U_BITS, leafCount < 2^(DEPTH+1) and index < 2^DEPTH: no wrap-around modulo p.
    quotient * leafCount + index === u;
    _ <== Num2Bits(U_BITS)(quotient);
    bits <== Num2Bits(DEPTH)(index);
    signal below <== LessThan(DEPTH + 1)([index, leafCount]);
    below === 1;
}

// Root of the depth-DEPTH binary Poseidon tree above `leaf` at the position given by `bits`.
template MerkleFold(DEPTH) {
    signal input leaf;
    signal input bits[DEPTH];
    signal input siblings[DEPTH];
    signal output root;

    signal node[DEPTH + 1];
    signal left[DEPTH];
    node[0] <== leaf;
    for (var l = 0; l < DEPTH; l++) {
        // bit 1: the node is the right child.
        left[l] <== node[l] + bits[l] * (siblings[l] - node[l]);
        node[l + 1] <== Poseidon(2)([left[l], node[l] + siblings[l] - left[l]]);
    }
    root <== node[DEPTH];
}

// One challenged chunk: its leaf, at position u mod leafCount, folds up to merkleRoot.
template Sample(U_BITS, DEPTH, CHUNK_ELEMENTS) {
    signal input u;
    signal input leafCount;
    signal input merkleRoot;
    signal input chunk[CHUNK_ELEMENTS];
    signal input siblings[DEPTH];

    signal bits[DEPTH] <== ModLeafCount(U_BITS, DEPTH)(u, leafCount);
    signal leaf <== Poseidon(CHUNK_ELEMENTS)(chunk);
    signal root <== MerkleFold(DEPTH)(leaf, bits, siblings);
    root === merkleRoot;
}

template StorageProof(DEPTH, SAMPLES) {
    var CHUNK_ELEMENTS = 16;
    var U_BITS = 64; // bits of randomness per sample
    var PER_DRAW = 3; // samples per Poseidon draw (3 x 64 <= 253 bits)
    var DRAWS = (SAMPLES + PER_DRAW - 1) \ PER_DRAW;

    signal input columnRoot; // public
    signal input boundSeed; // public
    signal input merkleRoot;
    signal input leafCount;
    signal input chunks[SAMPLES][CHUNK_ELEMENTS];
    signal input siblings[SAMPLES][DEPTH];

    // The column root binds the tree and the real leaf count.
    signal rootCheck <== Poseidon(2)([merkleRoot, leafCount]);
    rootCheck === columnRoot;
    _ <== Num2Bits(DEPTH + 1)(leafCount);

    // draw_j = Poseidon2(boundSeed, j); sample i takes bits [64 (i mod 3), 64 (i mod 3) + 64) of draw_(i div 3).
    signal drawBits[DRAWS][254];
    for (var j = 0; j < DRAWS; j++) {
        drawBits[j] <== Num2Bits_strict()(Poseidon(2)([boundSeed, j]));
    }

    for (var i = 0; i < SAMPLES; i++) {
        var u = 0;
        for (var b = 0; b < U_BITS; b++) {
            u += drawBits[i \ PER_DRAW][U_BITS * (i % PER_DRAW) + b] * (1 << b);
        }
        Sample(U_BITS, DEPTH, CHUNK_ELEMENTS)(u, leafCount, merkleRoot, chunks[i], siblings[i]);
    }
}
