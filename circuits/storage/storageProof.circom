pragma circom 2.2.0;

// Proof of storage of one shard column (spec: docs/storage-proofs.md; commitment:
// docs/commitments.md). The prover shows it knows SAMPLES chunks of the column, drawn from the
// round's seed and the prover's address uniformly over the column's real leaves, with their
// paths in the column's 4-ary Merkle tree to the column root. The prover's address and the
// round's seed are public inputs, so a proof holds for one prover and one round; the column root
// names the column.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// index = u mod leafCount, and the 2 DEPTH bits of index (bits 2l and 2l + 1: the path's base-4
// digit at level l).
template ModLeafCount(U_BITS, DEPTH) {
    signal input u;
    signal input leafCount;
    signal output bits[2 * DEPTH];

    signal quotient <-- u \ leafCount;
    signal index <-- u % leafCount;
    // u < 2^U_BITS, leafCount < 2^(2 DEPTH + 1) and index < 2^(2 DEPTH): no wrap-around modulo p.
    quotient * leafCount + index === u;
    _ <== Num2Bits(U_BITS)(quotient);
    bits <== Num2Bits(2 * DEPTH)(index);
    signal below <== LessThan(2 * DEPTH + 1)([index, leafCount]);
    below === 1;
}

// The four children of a node: `node` at position low + 2 high, the three siblings in order around it.
template InsertChild() {
    signal input node;
    signal input siblings[3];
    signal input low;
    signal input high;
    signal output children[4];

    // One-hot position: at[k] = 1 iff the position is k.
    signal both <== low * high;
    signal at[4];
    at[0] <== 1 - low - high + both;
    at[1] <== low - both;
    at[2] <== high - both;
    at[3] <== both;
    // Child k is siblings[k - 1] after the node, the node at its position, siblings[k] before it.
    children[0] <== siblings[0] + at[0] * (node - siblings[0]);
    signal before1 <== siblings[1] + at[0] * (siblings[0] - siblings[1]);
    children[1] <== before1 + at[1] * (node - siblings[1]);
    signal before2 <== siblings[2] + (1 - high) * (siblings[1] - siblings[2]);
    children[2] <== before2 + at[2] * (node - siblings[2]);
    children[3] <== siblings[2] + at[3] * (node - siblings[2]);
}

// Root of the depth-DEPTH 4-ary Poseidon tree above `leaf` at the position given by `bits`.
template MerkleFold(DEPTH) {
    signal input leaf;
    signal input bits[2 * DEPTH];
    signal input siblings[DEPTH][3];
    signal output root;

    signal node[DEPTH + 1];
    node[0] <== leaf;
    for (var l = 0; l < DEPTH; l++) {
        node[l + 1] <== Poseidon(4)(InsertChild()(node[l], siblings[l], bits[2 * l], bits[2 * l + 1]));
    }
    root <== node[DEPTH];
}

// One challenged chunk: its leaf, at position u mod leafCount, folds up to merkleRoot.
template Sample(U_BITS, DEPTH, CHUNK_ELEMENTS) {
    signal input u;
    signal input leafCount;
    signal input merkleRoot;
    signal input chunk[CHUNK_ELEMENTS];
    signal input siblings[DEPTH][3];

    signal bits[2 * DEPTH] <== ModLeafCount(U_BITS, DEPTH)(u, leafCount);
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
    signal input prover; // public: the prover's address
    signal input seed; // public: the round's VRF word mod r
    signal input merkleRoot;
    signal input leafCount;
    signal input chunks[SAMPLES][CHUNK_ELEMENTS];
    signal input siblings[SAMPLES][DEPTH][3];

    // The column root binds the tree and the real leaf count.
    signal rootCheck <== Poseidon(2)([merkleRoot, leafCount]);
    rootCheck === columnRoot;
    _ <== Num2Bits(2 * DEPTH + 1)(leafCount);

    // draw_j = Poseidon3(seed, prover, j); sample i takes bits [64 (i mod 3), 64 (i mod 3) + 64) of draw_(i div 3).
    signal drawBits[DRAWS][254];
    for (var j = 0; j < DRAWS; j++) {
        drawBits[j] <== Num2Bits_strict()(Poseidon(3)([seed, prover, j]));
    }

    for (var i = 0; i < SAMPLES; i++) {
        var u = 0;
        for (var b = 0; b < U_BITS; b++) {
            u += drawBits[i \ PER_DRAW][U_BITS * (i % PER_DRAW) + b] * (1 << b);
        }
        Sample(U_BITS, DEPTH, CHUNK_ELEMENTS)(u, leafCount, merkleRoot, chunks[i], siblings[i]);
    }
}
