import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, concat, getContract, keccak256, numberToHex, parseAbi, size, slice, stringToHex, toHex, type Hex } from "viem";
import {
  BN254_TEST_NETWORK,
  EVMNET,
  EVMNET_BEACONS,
  HASH_TO_CURVE_VECTORS,
  MAP_TO_CURVE_VECTORS,
  publicKeyWords,
  signatureWords,
} from "./drandVectors.ts";
import { networkHelpers, viem } from "./fixture.ts";

const P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;
const DST = stringToHex(EVMNET.dst);

/** drand's message for `round`: keccak256 of the round as 8 big-endian bytes. */
function roundMessage(round: bigint): Hex {
  return keccak256(numberToHex(round, { size: 8 }));
}

/** RFC 9380 §5.3.1 expand_message_xmd with keccak256 (b_in_bytes 32, s_in_bytes 136), written from the RFC. */
function expandMessageXmd(message: Hex, dst: Hex, length: number): Hex {
  const dstPrime = concat([dst, numberToHex(size(dst), { size: 1 })]);
  const ell = Math.ceil(length / 32);
  const b0 = keccak256(
    concat([toHex(new Uint8Array(136)), message, numberToHex(length, { size: 2 }), "0x00", dstPrime]),
  );
  const blocks: Hex[] = [keccak256(concat([b0, "0x01", dstPrime]))];
  for (let i = 2; i <= ell; i++) {
    const xored = numberToHex(BigInt(b0) ^ BigInt(blocks[i - 2]!), { size: 32 });
    blocks.push(keccak256(concat([xored, numberToHex(i, { size: 1 }), dstPrime])));
  }
  return slice(concat(blocks), 0, length);
}

/** ABI of test/contracts/utils/BlsBn254Harness.sol (Hardhat types only contracts/ sources). */
const HARNESS_ABI = parseAbi([
  "function hashToPoint(bytes message, bytes dst) view returns (uint256[2])",
  "function hashToField(bytes message, bytes dst) pure returns (uint256, uint256)",
  "function expandMessageXmd(bytes message, bytes dst, uint256 lengthInBytes) pure returns (bytes)",
  "function mapToPoint(uint256 u) view returns (uint256[2])",
  "function verify(uint256[2] signature, uint256[4] publicKey, bytes message, bytes dst) view returns (bool)",
  "function isG2(uint256[4] point) view returns (bool)",
  "function verifyGas(uint256[2] signature, uint256[4] publicKey, bytes message, bytes dst) view returns (uint256 gasUsed, bool valid)",
  "function hashToPointGas(bytes message, bytes dst) view returns (uint256 gasUsed)",
  "error BlsBn254NotCanonical(uint256 coordinate)",
  "error BlsBn254NotOnCurve(uint256 x, uint256 y)",
  "error BlsBn254InvalidExpandParameters(uint256 dstLength, uint256 lengthInBytes)",
  "error BlsBn254PrecompileFailed(address precompile)",
]);

async function deployHarness() {
  const { address }: { address: Address } = await viem.deployContract("BlsBn254Harness");
  return { harness: getContract({ address, abi: HARNESS_ABI, client: { public: await viem.getPublicClient() } }) };
}

describe("BlsBn254", () => {
  describe("hashToPoint (RFC 9380, expand_message_xmd keccak256, SVDW)", () => {
    it("matches an independent implementation (@kevincharm/noble-bn254-drand)", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      for (const v of HASH_TO_CURVE_VECTORS) {
        const [x, y] = await harness.read.hashToPoint([v.message, DST]);
        assert.deepEqual([x, y], [BigInt(v.x), BigInt(v.y)], `message ${v.message}`);
        if (v.round !== undefined) assert.equal(v.message, roundMessage(v.round));
      }
    });

    it("maps field elements like the independent implementation, u = 0 and u = p - 1 included", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      for (const v of MAP_TO_CURVE_VECTORS) {
        const [x, y] = await harness.read.mapToPoint([v.u]);
        assert.deepEqual([x, y], [BigInt(v.x), BigInt(v.y)], `u ${v.u}`);
      }
    });

    it("expands a message to the requested length and refuses a DST over 255 bytes", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      for (const [message, length] of [[toHex("abc"), 96], [toHex(""), 20], [toHex(new Uint8Array(300)), 200]] as const) {
        const out = await harness.read.expandMessageXmd([message, DST, BigInt(length)]);
        assert.equal(out, expandMessageXmd(message, DST, length), `${message.slice(0, 10)}… to ${length} bytes`);
      }
      const longDst = toHex(new Uint8Array(256));
      await viem.assertions.revertWithCustomErrorWithArgs(
        harness.read.expandMessageXmd([toHex("abc"), longDst, 96n]),
        harness,
        "BlsBn254InvalidExpandParameters",
        [256n, 96n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        harness.read.expandMessageXmd([toHex("abc"), DST, 0n]),
        harness,
        "BlsBn254InvalidExpandParameters",
        [BigInt(EVMNET.dst.length), 0n],
      );
    });
  });

  describe("verify", () => {
    it("accepts real evmnet beacons and the BN254 test network's beacons", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      for (const b of EVMNET_BEACONS) {
        const ok = await harness.read.verify([
          signatureWords(b.signature),
          publicKeyWords(EVMNET.publicKey),
          roundMessage(b.round),
          DST,
        ]);
        assert.equal(ok, true, `evmnet round ${b.round}`);
      }
      for (const b of BN254_TEST_NETWORK.beacons) {
        const ok = await harness.read.verify([
          signatureWords(b.signature),
          publicKeyWords(BN254_TEST_NETWORK.publicKey),
          roundMessage(b.round),
          DST,
        ]);
        assert.equal(ok, true, `test network round ${b.round}`);
      }
    });

    it("refuses a signature for another round, another key, or another DST", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      const [b] = EVMNET_BEACONS;
      const sig = signatureWords(b!.signature);
      const pk = publicKeyWords(EVMNET.publicKey);
      assert.equal(await harness.read.verify([sig, pk, roundMessage(b!.round + 1n), DST]), false);
      assert.equal(await harness.read.verify([sig, publicKeyWords(BN254_TEST_NETWORK.publicKey), roundMessage(b!.round), DST]), false);
      assert.equal(await harness.read.verify([sig, pk, roundMessage(b!.round), stringToHex("BLS_SIG_OTHER_DST")]), false);
    });

    it("refuses the negated signature (a flipped y), a flipped bit off the curve, a non-canonical coordinate", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      const [b] = EVMNET_BEACONS;
      const [x, y] = signatureWords(b!.signature);
      const pk = publicKeyWords(EVMNET.publicKey);
      const message = roundMessage(b!.round);
      assert.equal(await harness.read.verify([[x, P - y], pk, message, DST]), false, "-σ is on the curve but wrong");
      await viem.assertions.revertWithCustomErrorWithArgs(
        harness.read.verify([[x ^ 1n, y], pk, message, DST]),
        harness,
        "BlsBn254NotOnCurve",
        [x ^ 1n, y],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        harness.read.verify([[x + P, y], pk, message, DST]),
        harness,
        "BlsBn254NotCanonical",
        [x + P],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        harness.read.verify([[x, y + P], pk, message, DST]),
        harness,
        "BlsBn254NotCanonical",
        [y + P],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        harness.read.verify([[0n, 0n], pk, message, DST]),
        harness,
        "BlsBn254NotOnCurve",
        [0n, 0n],
      );
    });

    it("fails with BlsBn254PrecompileFailed for a public key off the twist", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      const [b] = EVMNET_BEACONS;
      const [a, c, d, e] = publicKeyWords(EVMNET.publicKey);
      await viem.assertions.revertWithCustomErrorWithArgs(
        harness.read.verify([signatureWords(b!.signature), [a, c, d, e ^ 1n], roundMessage(b!.round), DST]),
        harness,
        "BlsBn254PrecompileFailed",
        ["0x0000000000000000000000000000000000000008"],
      );
      assert.equal(await harness.read.isG2([[a, c, d, e ^ 1n]]), false);
      assert.equal(await harness.read.isG2([[0n, 0n, 0n, 0n]]), false);
      assert.equal(await harness.read.isG2([[a, c, d, e]]), true);
    });

    it("costs about 150k gas (hash to G1 and a 2-pair pairing)", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      const [b] = EVMNET_BEACONS;
      const [gas, valid] = await harness.read.verifyGas([
        signatureWords(b!.signature),
        publicKeyWords(EVMNET.publicKey),
        roundMessage(b!.round),
        DST,
      ]);
      const hashGas = await harness.read.hashToPointGas([roundMessage(b!.round), DST]);
      assert.equal(valid, true);
      console.log(`BlsBn254: verify ${gas} gas, hashToPoint ${hashGas} gas`);
      assert.ok(gas < 200_000n, `verify used ${gas}`);
    });
  });
});
