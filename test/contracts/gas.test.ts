import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { CONTINUE_DRAW_STEPS, GAS_CEILINGS, GAS_SNAPSHOT, measureGas, SET_SIZES } from "../../bench/gas.ts";

/** The deployment's VRF callback gas limit (Ignition's default `vrfCallbackGasLimit`). */
const CALLBACK_GAS_LIMIT = 2_000_000;

describe("gas per operation", () => {
  it("stays under the issue's ceilings, keeps placement and the committee draw flat in the set sizes, and matches the committed snapshot", async () => {
    const report = await measureGas();
    for (const [op, ceiling] of Object.entries(GAS_CEILINGS)) {
      assert.ok(report[op as keyof typeof GAS_CEILINGS] <= ceiling, `${op}: ${report[op as keyof typeof GAS_CEILINGS]} > ${ceiling}`);
    }
    for (const op of ["placement_callback_gas", "redraw_callback_gas", "apply_placement_gas", "committee_callback_gas"] as const) {
      const figures = SET_SIZES.map((count) => report[op][`${count}`]);
      // Flat: a set of 10,000 costs what one of 10 does, up to a couple of extra draw tries (~10 %).
      assert.ok(Math.max(...figures) <= Math.min(...figures) * 1.1, `${op} grows with the set size: ${figures.join(", ")}`);
    }
    for (const op of ["placement_callback_gas", "redraw_callback_gas", "committee_callback_gas"] as const) {
      for (const count of SET_SIZES) assert.ok(report[op][`${count}`] < CALLBACK_GAS_LIMIT / 4, `${op} at ${count}: near the callback gas limit`);
    }
    // A padded list's draw goes on at ~30k gas a step (a stored swap): the keeper's chunk fits in any block.
    assert.ok(report.continue_draw_gas < Number(CONTINUE_DRAW_STEPS) * 35_000, `continueDraw of ${CONTINUE_DRAW_STEPS} steps: ${report.continue_draw_gas}`);
    assert.ok(existsSync(GAS_SNAPSHOT), `no snapshot for this EVM target: review the figures, then write ${fileURLToPath(GAS_SNAPSHOT)} with \`npm run bench:gas -- --write\``);
    const snapshot = JSON.parse(readFileSync(GAS_SNAPSHOT, "utf8"));
    assert.deepEqual(report, snapshot, "gas changed: review it, then run `npm run bench:gas -- --write` (with the same VERITRAIN_EVM_TARGET)");
  });
});
