import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatGasTable } from "../../../keepers/src/devnet/gasTable.ts";

describe("formatGasTable", () => {
  it("shows every operation with its count, gas per call (rounded) and total, and a total row", () => {
    const lines = formatGasTable(
      {
        deployment: { count: 40, gas: "19220000" },
        "StorageProofs.submitProof": { count: 11, gas: "2493970" },
        "JobRegistry.bid": { count: 3, gas: "200000" },
      },
      "21913970",
    );
    assert.deepEqual(lines, [
      "operation                  count  per call       total",
      "deployment                    40   480,500  19,220,000",
      "StorageProofs.submitProof     11   226,725   2,493,970",
      "JobRegistry.bid                3    66,667     200,000",
      "total                         54            21,913,970",
    ]);
  });

  it("keeps operations past the eighth (nothing is cut)", () => {
    const gas = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`Op.f${i}`, { count: 1, gas: "21000" }]));
    assert.equal(formatGasTable(gas, "252000").length, 14);
  });
});
