import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { GAS_CEILINGS, measureCommitteeCallbackGas, measureGas } from "../../bench/gas.ts";

const snapshot = JSON.parse(readFileSync(new URL("../../bench/gas-snapshot.json", import.meta.url), "utf8"));

describe("gas per operation", () => {
  it("stays under the issue's ceilings and matches the committed snapshot", async () => {
    const report = await measureGas();
    for (const [op, ceiling] of Object.entries(GAS_CEILINGS)) {
      assert.ok(report[op as keyof typeof report] <= ceiling, `${op}: ${report[op as keyof typeof report]} > ${ceiling}`);
    }
    assert.deepEqual(report, snapshot, "gas changed: review it, then run `npm run bench:gas -- --write`");
  });

  it("keeps the committee draw's VRF callback flat from 10 to 10,000 validators, well under its gas limit", async () => {
    const gas = Object.values(await measureCommitteeCallbackGas());
    assert.ok(Math.max(...gas) - Math.min(...gas) < 5_000, `callback gas grows with the validators: ${gas.join(", ")}`);
    assert.ok(Math.max(...gas) < 500_000, `callback gas ${Math.max(...gas)} near the 2M callback gas limit`);
  });
});
