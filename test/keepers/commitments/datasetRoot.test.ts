import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { datasetRoot } from "../../../keepers/src/commitments/datasetRoot.ts";
import { FIELD_MODULUS, fieldFromBytes32Hex, fieldToBytes32Hex } from "../../../keepers/src/commitments/field.ts";
import { referencePoseidon } from "./referenceCommitment.ts";

const columnRoots = [
  "0x25e60cd1af2556303875c4c5991f56ba76d11a3f961e1c9c08afd3cc732b1bac",
  "0x27e63fa105fcdca80d57c8890ea9a8026d44711adaa46393e34f0410fdfc414a",
  "0x2340d2779268f67685c64f462e121edb6f561acf8c5a519a816f0fbfff807ba6",
].map(fieldFromBytes32Hex);

describe("datasetRoot", () => {
  it("test vector: the three column roots of the column-root vectors", () => {
    assert.equal(fieldToBytes32Hex(datasetRoot(columnRoots)), "0x24a8f9df160cc722d0ff09f3c1faacc717f2c7890397c6bd08ceb89d7a278c87");
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
