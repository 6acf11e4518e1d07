import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { smtCheck } from "../../scripts/smtCheck.ts";

/** A register any caller may set, and a check that it stays below 200: `guard` decides whether it does. */
const register = (guard: string) => `// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;
contract Register {
    uint8 public x;
    function set(uint8 v) external { ${guard} x = v; }
    function check() external view { assert(x < 200); }
    function next() external view returns (uint8) { return x + 56; }
}
`;
const check = (guard: string, target: "assert" | "overflow") =>
  smtCheck({ sources: { "Register.sol": register(guard) }, file: "Register.sol", contract: "Register", target, cpuSeconds: 30 });

describe("smtCheck", () => {
  describe("when the assertion can fail", () => {
    it("reports the counterexample: a call to set, then to check", async () => {
      const result = await check("", "assert");
      assert.deepEqual(result.problems, []);
      assert.equal(result.counterexamples.length, 1);
      const [finding] = result.counterexamples;
      assert.equal(finding?.target, "assert");
      assert.equal(finding?.location, "Register.sol:6");
      assert.match(finding?.message ?? "", /^CHC: Assertion violation happens here\.\nCounterexample:/);
      assert.match(finding?.message ?? "", /Register\.set\(/);
    });

    it("reports the checked addition that can overflow (it would revert with a Panic)", async () => {
      const result = await check("", "overflow");
      assert.equal(result.counterexamples.length, 1);
      assert.match(result.counterexamples[0]?.message ?? "", /^CHC: Overflow \(resulting value larger than 255\) happens here/);
    });
  });

  describe("when set keeps the register below 200", () => {
    it("proves the assertion and the addition safe", async () => {
      const guard = "require(v < 200);";
      for (const target of ["assert", "overflow"] as const) {
        const result = await check(guard, target);
        assert.deepEqual({ ...result, seconds: 0, cpuSeconds: 0 }, {
          safe: 1,
          unproved: [],
          counterexamples: [],
          problems: [],
          budgetReached: false,
          seconds: 0,
          cpuSeconds: 0,
        });
      }
    });
  });

  it("stops a check at its CPU budget and reports it unproved, not failed", async () => {
    // StakeManager's division checks take far longer than 2 s (docs/formal-checks.md); its imports are read from node_modules.
    const file = "contracts/staking/StakeManager.sol";
    const source = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
    const result = await smtCheck({ sources: { [file]: source }, file, contract: "StakeManager", target: "divByZero", cpuSeconds: 2 });
    assert.equal(result.budgetReached, true);
    assert.deepEqual(result.counterexamples, []);
    assert.deepEqual(result.problems, []);
  });
});
