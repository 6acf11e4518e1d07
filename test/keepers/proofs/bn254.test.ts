import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { G2 } from "mcl-wasm";
import { type Bn254, isInG2, loadBn254, multiMillerLoop } from "../../../keepers/src/proofs/bn254.ts";
import { SeededRandom } from "../commitments/seededRandom.ts";

/** Points of the twist y² = x³ + 3/(9 + u) from seeded x coordinates: almost none is in G2 (the cofactor is ~2^254). */
function twistPoints(bn254: Bn254, count: number): G2[] {
  const random = new SeededRandom(254n);
  const xi = new bn254.Fp2();
  xi.setInt(9, 1);
  const three = new bn254.Fp2();
  three.setInt(3, 0);
  const b = bn254.div(three, xi);
  const points: G2[] = [];
  while (points.length < count) {
    const x = new bn254.Fp2();
    x.setStr(`${random.bits(253)} ${random.bits(253)}`, 10);
    const [onCurve, y] = bn254.squareRoot(bn254.add(bn254.mul(bn254.sqr(x), x), b));
    if (!onCurve) continue;
    const point = new bn254.G2();
    point.setStr(`1 ${x.getStr(10)} ${y.getStr(10)}`, 10);
    points.push(point);
  }
  return points;
}

describe("BN254 helpers on mcl-wasm", () => {
  it("isInG2 agrees with mcl's multiplication by r on twist points in and outside G2", async () => {
    const bn254 = await loadBn254();
    const outside = twistPoints(bn254, 40);
    for (const point of outside) {
      assert.ok(point.isValid(), "a sample point is on the twist");
      assert.equal(isInG2(bn254, point), point.isValidOrder(), `point ${point.getStr(10)}`);
    }
    assert.ok(outside.filter((point) => !point.isValidOrder()).length >= 39, "the sample has points outside G2");
    for (let i = 0; i < 40; i++) {
      const scalar = new bn254.Fr();
      scalar.setInt(i + 2);
      const inside = bn254.mul(bn254.hashAndMapToG2(`point ${i}`), scalar);
      assert.ok(inside.isValidOrder() && isInG2(bn254, inside), `G2 point ${i}`);
      // A G2 point plus a point outside G2 is outside G2.
      const shifted = bn254.add(inside, outside[i]!);
      assert.equal(isInG2(bn254, shifted), false, `shifted point ${i}`);
    }
    assert.equal(isInG2(bn254, new bn254.G2()), true, "the point at infinity");
  });

  it("isInG2 leaves its argument unchanged", async () => {
    const bn254 = await loadBn254();
    const point = bn254.hashAndMapToG2("unchanged");
    const before = point.getStr(16);
    isInG2(bn254, point);
    assert.equal(point.getStr(16), before);
  });

  it("multiMillerLoop equals the product of single Miller loops, after the final exponentiation", async () => {
    const bn254 = await loadBn254();
    const g1s = [0, 1, 2].map((i) => bn254.hashAndMapToG1(`g1 ${i}`));
    const g2s = [0, 1, 2].map((i) => bn254.hashAndMapToG2(`g2 ${i}`));
    const product = g1s.map((point, i) => bn254.millerLoop(point, g2s[i]!)).reduce((left, right) => bn254.mul(left, right));
    assert.ok(bn254.finalExp(multiMillerLoop(bn254, g1s, g2s)).isEqual(bn254.finalExp(product)));
    assert.ok(!bn254.finalExp(multiMillerLoop(bn254, g1s, [g2s[1]!, g2s[0]!, g2s[2]!])).isEqual(bn254.finalExp(product)));
  });
});
