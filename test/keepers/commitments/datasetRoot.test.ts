import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { datasetRoot } from "../../../keepers/src/commitments/datasetRoot.ts";
import { FIELD_MODULUS, fieldFromBytes32Hex, fieldToBytes32Hex } from "../../../keepers/src/commitments/field.ts";
import { referencePoseidon } from "./referenceCommitment.ts";

const columnRoots = [
  "0x23e7ae3f8b8ecf6ad2b0013c81befaef0903337b27341ac5aedfb29bb050c6d4",
  "0x0b7621b4912fff29e7deac84c1e52de868489c0397bd522ea4c0c65fb5e98595",
  "0x1b2cfd06028d8b3eed78080b6159fcbfe90953bdf91a7c0fc3c40b83e3a279f7",
].map(fieldFromBytes32Hex);

describe("datasetRoot", () => {
  it("test vector: the three column roots of the column-root vectors", () => {
    assert.equal(fieldToBytes32Hex(datasetRoot(columnRoots)), "0x2b94a0ce84dbcf5ca98067dcc11533af76b1a3aa166e7af3ad803f2ea95e0cc2");
  });

  it("is the zero-padded Poseidon2 tree of depth ceil(log2 n)", () => {
    const [a = 0n, b = 0n, c = 0n] = columnRoots;
    assert.equal(datasetRoot([a]), a);
    assert.equal(datasetRoot([a, b]), referencePoseidon([a, b]));
    assert.equal(datasetRoot([a, b, c]), referencePoseidon([referencePoseidon([a, b]), referencePoseidon([c, 0n])]));
    const five = [a, b, c, a, b];
    const zero1 = referencePoseidon([0n, 0n]);
    const expected = referencePoseidon([
      referencePoseidon([referencePoseidon([a, b]), referencePoseidon([c, a])]),
      referencePoseidon([referencePoseidon([b, 0n]), zero1]),
    ]);
    assert.equal(datasetRoot(five), expected);
  });

  it("rejects an empty list and values outside the field", () => {
    assert.throws(() => datasetRoot([]), /columnRoots must hold at least one column root, got none/);
    assert.throws(() => datasetRoot([FIELD_MODULUS]), /columnRoots\[0\] must be a BN254 field element/);
    assert.throws(() => fieldFromBytes32Hex("0x12"), /root must be 0x followed by 64 hex digits/);
  });
});
