import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  loadBn254,
  millerLoopInG2,
  precomputeLines,
  precomputedMillerLoop2,
  toMclG2,
  toMclTwistPoint,
} from "../../../keepers/src/proofs/bn254.ts";
import { nonSubgroupTwistPoint } from "./zkVectors.ts";

const source = { code: "PROOF_MALFORMED", field: "b" };

describe("BN254 Miller loops over precomputed lines, and the G2 check split from parsing", () => {
  it("precomputedMillerLoop2 equals the plain Miller loops, whichever lines were used last", async () => {
    const bn254 = await loadBn254();
    const q = [0, 1, 2, 3].map((i) => bn254.hashAndMapToG2(`q ${i}`));
    const lines = q.map((point) => precomputeLines(bn254, point));
    const plain = (p1: ReturnType<typeof bn254.hashAndMapToG1>, i: number, p2: typeof p1, j: number) => bn254.finalExp(bn254.mul(bn254.millerLoop(p1, q[i]!), bn254.millerLoop(p2, q[j]!)));
    // Pairs of lines in an order that changes one side, the other, both and neither between calls.
    for (const [step, [i, j]] of [[0, 1], [0, 2], [3, 2], [1, 0], [1, 0], [2, 2]].entries()) {
      const [p1, p2] = [bn254.hashAndMapToG1(`p ${step}`), bn254.hashAndMapToG1(`p' ${step}`)];
      const fast = bn254.finalExp(precomputedMillerLoop2(bn254, p1, lines[i!]!, p2, lines[j!]!));
      assert.ok(fast.isEqual(plain(p1, i!, p2, j!)), `lines ${i}, ${j}`);
      assert.ok(!fast.isEqual(plain(p2, i!, p1, j!)) || i === j, `lines ${i}, ${j}, points swapped`);
    }
  });

  it("millerLoopInG2 is mcl's Miller loop for Q in G2 and undefined for Q outside it", async () => {
    const bn254 = await loadBn254();
    const p = bn254.hashAndMapToG1("p");
    const q = bn254.hashAndMapToG2("q");
    assert.ok(millerLoopInG2(bn254, p, q)!.isEqual(bn254.millerLoop(p, q)));
    const outside = toMclTwistPoint(bn254, nonSubgroupTwistPoint, source);
    assert.equal(millerLoopInG2(bn254, p, outside), undefined);
    assert.equal(millerLoopInG2(bn254, p, bn254.add(q, outside)), undefined);
    assert.ok(bn254.finalExp(millerLoopInG2(bn254, p, new bn254.G2())!).isOne(), "Q at infinity: e = 1");
  });

  it("toMclTwistPoint accepts a twist point outside G2, which toMclG2 rejects", async () => {
    const bn254 = await loadBn254();
    const point = toMclTwistPoint(bn254, nonSubgroupTwistPoint, source);
    assert.ok(point.isValid() && !point.isValidOrder());
    assert.throws(() => toMclG2(bn254, nonSubgroupTwistPoint, source), { code: "PROOF_MALFORMED", message: /^b is on the twist but not in the order-r subgroup G2/ });
    const { x, y } = nonSubgroupTwistPoint;
    assert.throws(() => toMclTwistPoint(bn254, { x: { c0: x.c1, c1: x.c0 }, y }, source), { code: "PROOF_MALFORMED", message: /^b is not on the BN254 twist/ });
  });
});
