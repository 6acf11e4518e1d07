import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import * as snarkjs from "snarkjs";
import { BASE_FIELD_MODULUS, type Fp2, type G1Affine, type G2Affine, fp2IsLexicographicallyLargest, loadBn254 } from "../../../keepers/src/proofs/bn254.ts";
import {
  COMPRESSED_PROOF_BYTES,
  type Groth16Proof,
  compressProof,
  decompressProof,
  proofFromCalldata,
  proofFromSnarkjs,
  proofToCalldata,
  proofToSnarkjs,
} from "../../../keepers/src/proofs/proofEncoding.ts";
import { nonCanonicalCompressedProofs, nonCanonicalProofs } from "./nonCanonicalWords.ts";
import { nonSubgroupTwistPoint, stopSnarkjs, xOffG1, xOffTwist, zkVectorFiles } from "./zkVectors.ts";

after(stopSnarkjs);

const P = BASE_FIELD_MODULUS;
const G1_GENERATOR: G1Affine = { x: 1n, y: 2n };
const G2_GENERATOR: G2Affine = {
  x: {
    c0: 10857046999023057135944570762232829481370756359578518086990519993285655852781n,
    c1: 11559732032986387107991004021392285783925812861821192530917403151452391805634n,
  },
  y: {
    c0: 8495653923123431417604973247489272438418190587263600148770280649306958101930n,
    c1: 4082367875863433681332203403145435568316851327593401208105741076214120093531n,
  },
};
const G1_INFINITY: G1Affine = { x: 0n, y: 0n };
const G2_INFINITY: G2Affine = { x: { c0: 0n, c1: 0n }, y: { c0: 0n, c1: 0n } };
const negateG1 = ({ x, y }: G1Affine): G1Affine => ({ x, y: P - y });
const negateG2 = ({ x, y }: G2Affine): G2Affine => ({ x, y: { c0: P - y.c0, c1: P - y.c1 } });

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, "hex"));
const word = (value: bigint) => value.toString(16).padStart(64, "0");
const malformed = (reason: RegExp) => (error: unknown) => {
  assert.equal((error as { code?: string }).code, "PROOF_MALFORMED");
  assert.match((error as Error).message, reason);
  return true;
};

const allProofs = zkVectorFiles.flatMap(({ file, proofs }) => proofs.map(({ proof, publicSignals }, i) => ({ name: `${file}#${i}`, proof, publicSignals })));

describe("fixture vectors", () => {
  it("exist: at least one file with at least 20 proofs", () => {
    assert.ok(zkVectorFiles.length >= 1);
    assert.ok(allProofs.length >= 20);
  });
});

describe("snarkjs object <-> proof <-> calldata", () => {
  it("round-trips every fixture proof through the decoded form, exactly", () => {
    for (const { name, proof } of allProofs) assert.deepEqual(proofToSnarkjs(proofFromSnarkjs(proof)), proof, name);
  });

  it("writes the calldata snarkjs's exportSolidityCallData writes (G2 imaginary part first)", async () => {
    for (const { name, proof, publicSignals } of allProofs) {
      const [a, b, c] = JSON.parse(`[${await snarkjs.groth16.exportSolidityCallData(proof, publicSignals)}]`) as [string[], string[][], string[]];
      assert.deepEqual(proofToCalldata(proofFromSnarkjs(proof)), [...a, ...b.flat(), ...c].map(BigInt), name);
    }
  });

  it("round-trips calldata, with (0, 0) for the point at infinity", () => {
    const proof: Groth16Proof = { a: G1_INFINITY, b: G2_INFINITY, c: G1_GENERATOR };
    assert.deepEqual(proofToCalldata(proof), [0n, 0n, 0n, 0n, 0n, 0n, 1n, 2n]);
    assert.deepEqual(proofToSnarkjs(proof).pi_a, ["0", "1", "0"]);
    assert.deepEqual(proofToSnarkjs(proof).pi_b, [["0", "0"], ["1", "0"], ["0", "0"]]);
    assert.deepEqual(proofFromSnarkjs(proofToSnarkjs(proof)), proof);
    for (const { proof: fixture } of allProofs) {
      const decoded = proofFromSnarkjs(fixture);
      assert.deepEqual(proofFromCalldata(proofToCalldata(decoded)), decoded);
    }
  });

  it("rejects calldata of the wrong length or with a value >= p", () => {
    const calldata = [...proofToCalldata(proofFromSnarkjs(allProofs[0]!.proof))];
    assert.throws(() => proofFromCalldata(calldata.slice(0, 7)), malformed(/calldata must be 8 uint256 values/));
    assert.throws(() => proofFromCalldata([...calldata, 0n]), malformed(/calldata must be 8 uint256 values/));
    calldata[3] = P;
    assert.throws(() => proofFromCalldata(calldata), malformed(/calldata\[3\] \(b\.x\.c0\) must have coordinates in \[0, p\)/));
    calldata[3] = -1n;
    assert.throws(() => proofFromCalldata(calldata), malformed(/calldata\[3\]/));
  });

  it("rejects calldata with any of the 8 words replaced by a value >= p (word + k·p, and a.y's wrapped negations)", () => {
    for (const { name, proof } of allProofs) {
      for (const { index, label, calldata } of nonCanonicalProofs(proofToCalldata(proofFromSnarkjs(proof)))) {
        assert.throws(() => proofFromCalldata(calldata), malformed(new RegExp(`^calldata\\[${index}\\] \\(.+\\) must have coordinates in \\[0, p\\)`)), `${name}: ${label}`);
      }
    }
  });

  it("rejects snarkjs objects that are not BN254 Groth16 proofs in canonical form", () => {
    const good = allProofs[0]!.proof;
    const variants: [string, unknown, RegExp][] = [
      ["null", null, /protocol "groth16"/],
      ["plonk", { ...good, protocol: "plonk" }, /protocol "groth16" and curve "bn128"/],
      ["bls12381", { ...good, curve: "bls12381" }, /protocol "groth16" and curve "bn128"/],
      ["hex string", { ...good, pi_a: ["0x01", good.pi_a[1], "1"] }, /pi_a must hold canonical decimal strings/],
      ["leading zero", { ...good, pi_a: [`0${good.pi_a[0]}`, good.pi_a[1], "1"] }, /canonical decimal/],
      ["number", { ...good, pi_c: [1, 2, 1] }, /pi_c must hold canonical decimal strings/],
      ["x >= p", { ...good, pi_a: [`${BigInt(good.pi_a[0]) + P}`, good.pi_a[1], "1"] }, /pi_a must have coordinates in \[0, p\)/],
      ["projective z", { ...good, pi_a: [good.pi_a[0], good.pi_a[1], "2"] }, /pi_a must be affine/],
      ["G2 projective z", { ...good, pi_b: [good.pi_b[0], good.pi_b[1], ["1", "1"]] }, /pi_b must be affine/],
      ["affine (0, 0)", { ...good, pi_c: ["0", "0", "1"] }, /pi_c is \(0, 0\) with z = 1/],
      ["short G1", { ...good, pi_a: good.pi_a.slice(0, 2) }, /pi_a must be \[x, y, z\]/],
      ["flat G2", { ...good, pi_b: good.pi_b.flat() }, /pi_b must be \[\[x\.c0, x\.c1\]/],
    ];
    for (const [name, proof, reason] of variants) assert.throws(() => proofFromSnarkjs(proof), malformed(reason), name);
  });
});

describe("compressProof / decompressProof (gnark-crypto BN254 compression)", () => {
  it("encodes the published test vectors byte for byte (docs/proof-encoding.md)", async () => {
    const generators = await compressProof({ a: G1_GENERATOR, b: G2_GENERATOR, c: negateG1(G1_GENERATOR) });
    assert.equal(
      hex(generators),
      "8000000000000000000000000000000000000000000000000000000000000001" +
        "998e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2" +
        "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed" +
        "c000000000000000000000000000000000000000000000000000000000000001",
    );
    const infinities = await compressProof({ a: G1_INFINITY, b: G2_INFINITY, c: G1_INFINITY });
    assert.equal(hex(infinities), `40${"00".repeat(31)}40${"00".repeat(63)}40${"00".repeat(31)}`);
    assert.deepEqual(await decompressProof(generators), { a: G1_GENERATOR, b: G2_GENERATOR, c: negateG1(G1_GENERATOR) });
    assert.deepEqual(await decompressProof(infinities), { a: G1_INFINITY, b: G2_INFINITY, c: G1_INFINITY });
    const negatedB = await compressProof({ a: G1_GENERATOR, b: negateG2(G2_GENERATOR), c: G1_GENERATOR });
    assert.equal(negatedB[32], 0xd9, "-G2 has the larger y: flag 11 over x.c1's top byte 0x19");
  });

  it("encodes the documented real proof (B's y decided by y.c1, not y.c0)", async () => {
    const calldata = [
      "20c3767157bc5499b016c90d6a9c07f8f794c4571421afa6a945acaa1d4c0359",
      "2ca151843eb3fe546d836b596a7b3ce1cab8736ce8e3faee7736bf5a3abc8fcf",
      "2ee8c2f9136824f1c93702ef70415a6f0769f207889ba7424f6e5e16122dd4f3",
      "151f8d0c67e6096d361efa66a30e04c02b756cc4877ef804b52ef6d8a90c57fe",
      "2445bce5044aeb58132b3843e4e6b25d54862189802e1ba13aa6e76a32f3c044",
      "03140aeaad1b0f093a9c417be773f54af0fbb694f80566b798406f2a9dc388ef",
      "14fd7e4d8ebc8b7be05ec6b7a177244f839f5f462d6b37f4df1bcd5d22f9f68d",
      "03f73e8bca50bf238b302a4bf8d649c6d889be1cb32a8a6950966825e969ec51",
    ].map((word) => BigInt(`0x${word}`));
    const proof = proofFromCalldata(calldata);
    assert.ok(proof.b.y.c1 > (P - 1n) / 2n && proof.b.y.c0 <= (P - 1n) / 2n, "y.c1 and y.c0 disagree, so the vector tells the rules apart");
    assert.equal(
      hex(await compressProof(proof)),
      "e0c3767157bc5499b016c90d6a9c07f8f794c4571421afa6a945acaa1d4c0359" +
        "eee8c2f9136824f1c93702ef70415a6f0769f207889ba7424f6e5e16122dd4f3" +
        "151f8d0c67e6096d361efa66a30e04c02b756cc4877ef804b52ef6d8a90c57fe" +
        "94fd7e4d8ebc8b7be05ec6b7a177244f839f5f462d6b37f4df1bcd5d22f9f68d",
    );
  });

  it("round-trips every fixture proof and re-encodes to the same 128 bytes (canonical)", async () => {
    for (const { name, proof } of allProofs) {
      const decoded = proofFromSnarkjs(proof);
      const bytes = await compressProof(decoded);
      assert.equal(bytes.length, COMPRESSED_PROOF_BYTES);
      assert.deepEqual(await decompressProof(bytes), decoded, name);
      assert.deepEqual(await compressProof(await decompressProof(bytes)), bytes, name);
      assert.deepEqual(await decompressProof(await compressProof({ ...decoded, a: negateG1(decoded.a), b: negateG2(decoded.b) })), {
        ...decoded,
        a: negateG1(decoded.a),
        b: negateG2(decoded.b),
      });
    }
  });

  it("round-trips 64 hashed G1 and G2 points and their negations (both y flags)", async () => {
    const bn254 = await loadBn254();
    const flags = new Set<number>();
    for (let i = 0; i < 64; i++) {
      const g1 = bn254.hashAndMapToG1(`veritrain g1 ${i}`);
      const g2 = bn254.hashAndMapToG2(`veritrain g2 ${i}`);
      g1.normalize();
      g2.normalize();
      const a = { x: BigInt(g1.getX().getStr(10)), y: BigInt(g1.getY().getStr(10)) };
      const [x, y] = [g2.getX(), g2.getY()].map((v) => ({ c0: BigInt(v.get_a().getStr(10)), c1: BigInt(v.get_b().getStr(10)) })) as [Fp2, Fp2];
      for (const proof of [
        { a, b: { x, y }, c: negateG1(a) },
        { a: negateG1(a), b: negateG2({ x, y }), c: a },
      ]) {
        const bytes = await compressProof(proof);
        flags.add(bytes[0]! >> 6).add(bytes[32]! >> 6);
        assert.deepEqual(await decompressProof(bytes), proof);
      }
    }
    assert.deepEqual([...flags].sort(), [0b10, 0b11]);
  });

  it("orders Fp2 elements by c1, or by c0 when c1 = 0 (gnark-crypto's LexicographicallyLargest)", () => {
    assert.equal(fp2IsLexicographicallyLargest({ c0: P - 1n, c1: 0n }), true);
    assert.equal(fp2IsLexicographicallyLargest({ c0: 1n, c1: 0n }), false);
    assert.equal(fp2IsLexicographicallyLargest({ c0: P - 1n, c1: 1n }), false);
    assert.equal(fp2IsLexicographicallyLargest({ c0: 1n, c1: (P - 1n) / 2n + 1n }), true);
    assert.equal(fp2IsLexicographicallyLargest({ c0: 0n, c1: (P - 1n) / 2n }), false);
  });

  it("refuses to compress points that are off the curve or outside G2", async () => {
    const good = proofFromSnarkjs(allProofs[0]!.proof);
    await assert.rejects(compressProof({ ...good, a: { x: good.a.x, y: good.a.y + 1n } }), malformed(/^a is not on the BN254 curve/));
    await assert.rejects(compressProof({ ...good, c: { x: P, y: 2n } }), malformed(/^c must have coordinates in \[0, p\)/));
    await assert.rejects(compressProof({ ...good, b: nonSubgroupTwistPoint }), malformed(/^b is on the twist but not in the order-r subgroup/));
  });

  describe("rejects tampered bytes", () => {
    const valid = async () => compressProof(proofFromSnarkjs(allProofs[0]!.proof));

    it("of the wrong length", async () => {
      const bytes = await valid();
      await assert.rejects(decompressProof(bytes.subarray(0, 127)), malformed(/compressed proof must be 128 bytes/));
      await assert.rejects(decompressProof(new Uint8Array(129)), malformed(/must be 128 bytes/));
      await assert.rejects(decompressProof(hex(bytes) as unknown as Uint8Array), malformed(/must be 128 bytes/));
    });

    it("with flag bits 00 (uncompressed) on any point", async () => {
      for (const [offset, field] of [[0, "a"], [32, "b"], [96, "c"]] as const) {
        const bytes = await valid();
        bytes[offset]! &= 0x3f;
        await assert.rejects(decompressProof(bytes), malformed(new RegExp(`^${field} has flag bits 00`)));
      }
    });

    it("with the infinity flag 01 and any other bit set", async () => {
      const bytes = new Uint8Array(128);
      bytes[0] = 0x40;
      bytes[32] = 0x40;
      bytes[96] = 0x40;
      await decompressProof(bytes);
      for (const [index, field] of [[0, "a"], [63, "b"], [95, "b"], [127, "c"]] as const) {
        const tampered = Uint8Array.from(bytes);
        tampered[index]! |= 0x01;
        await assert.rejects(decompressProof(tampered), malformed(new RegExp(`^${field} is flagged as infinity \\(01\\) but has non-zero bits`)));
      }
    });

    it("with a coordinate >= p", async () => {
      for (const [offset, field, value] of [[0, "a", P], [32, "b", P], [64, "b", P + 5n], [96, "c", (1n << 254n) - 1n]] as const) {
        const bytes = await valid();
        const flags = offset === 64 ? 0 : bytes[offset]! & 0xc0;
        bytes.set(fromHex(word(value)), offset);
        bytes[offset]! |= flags;
        await assert.rejects(decompressProof(bytes), malformed(new RegExp(`^${field} must have coordinates in \\[0, p\\)`)));
      }
    });

    it("with any x coordinate + k·p that the bytes can hold", async () => {
      const lifted = new Set<string>();
      for (const { name, proof } of allProofs) {
        const decoded = proofFromSnarkjs(proof);
        for (const { word, label, bytes } of nonCanonicalCompressedProofs(await compressProof(decoded), proofToCalldata(decoded))) {
          await assert.rejects(decompressProof(bytes), malformed(new RegExp(`^${word[0]} must have coordinates in \\[0, p\\)`)), `${name}: ${label}`);
          lifted.add(word);
        }
      }
      assert.deepEqual([...lifted].sort(), ["a.x", "b.x0", "b.x1", "c.x"], "the fixtures have liftable values of every x word");
    });

    it("with an x that has no curve point", async () => {
      const bytes = await valid();
      bytes.set(fromHex(word(xOffG1)), 96);
      bytes[96]! |= 0x80;
      await assert.rejects(decompressProof(bytes), malformed(/^c has an x with no point on the curve/));
      const twist = await valid();
      twist.set(fromHex(word(0n) + word(xOffTwist)), 32);
      twist[32]! |= 0xc0;
      await assert.rejects(decompressProof(twist), malformed(/^b has an x with no point on the twist/));
    });

    it("that gnark-crypto rejects in its users' published tests (no square root, subgroup check)", async () => {
      const g2Generator = "998e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed";
      const g1 = "8000000000000000000000000000000000000000000000000000000000000099";
      const g1Generator = `80${"00".repeat(30)}01`;
      await decompressProof(fromHex(g1Generator + g2Generator + g1Generator));
      await assert.rejects(decompressProof(fromHex(g1 + g2Generator + g1Generator)), malformed(/^a has an x with no point on the curve/));
      await assert.rejects(decompressProof(fromHex(g1Generator + `8${g2Generator.slice(1)}` + g1Generator)), malformed(/^b is on the twist but not in the order-r subgroup/));
      await assert.rejects(decompressProof(fromHex(g1Generator + `${g2Generator.slice(0, -4)}ffff` + g1Generator)), malformed(/^b has an x with no point on the twist/));
    });

    it("with a B on the twist but outside G2", async () => {
      const bytes = await valid();
      bytes.set(fromHex(word(nonSubgroupTwistPoint.x.c1) + word(nonSubgroupTwistPoint.x.c0)), 32);
      bytes[32]! |= 0x80;
      await assert.rejects(decompressProof(bytes), malformed(/^b is on the twist but not in the order-r subgroup G2/));
    });
  });
});
