import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import type { Hex } from "viem";
import { aggregateRound } from "../../../keepers/src/rounds/aggregateRound.ts";
import { encodeGlobalModel, globalModelDigest, type GlobalModel } from "../../../keepers/src/rounds/globalModel.ts";
import { prepareRoundJob } from "../../../keepers/src/rounds/preparedRoundJob.ts";
import type { DistributedSpec } from "../../../keepers/src/rounds/roundJobSpec.ts";
import { trainRounds } from "../../../keepers/src/rounds/trainRounds.ts";
import { contributionDigest, decodeUpdate } from "../../../keepers/src/rounds/updateEncoding.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { mnistSources } from "../training/fixtures.ts";
import { smallRoundJobSpec } from "./fixtures.ts";

const run = promisify(execFile);
const SLOT_PROCESS = new URL("../../harness/slotProcess.ts", import.meta.url).pathname;
const modelBytes = createLeNet5Onnx({ seed: 3n });
const directory = mkdtempSync(join(tmpdir(), "veritrain-rounds-"));
after(() => rmSync(directory, { recursive: true, force: true }));

/**
 * The property that lets one challenger re-execute any slot: P processes, each running only its
 * slot from the round's global-model blob (with two threads), give the same contributions,
 * global models and final weights as one machine running every slot (with one thread).
 */
async function compareProcessesWithOneMachine(name: string, distributed: Partial<DistributedSpec> & { slots: number }): Promise<void> {
  const spec = smallRoundJobSpec({ modelBytes, trainCount: 400, distributed });
  const job = prepareRoundJob({ spec, modelBytes, sources: mnistSources() });
  const oneMachineDigests: Hex[][] = [];
  const oneMachine = await trainRounds({ job, threads: 1, onRound: (_, contributions) => void oneMachineDigests.push(contributions.map((c) => c.digest)) });

  const base = join(directory, name);
  mkdirSync(base);
  writeFileSync(join(base, "spec.json"), JSON.stringify(spec));
  writeFileSync(join(base, "model.onnx"), modelBytes);
  let global: GlobalModel = { round: 0, params: Float32Array.from(job.model.params) };
  const hashes: Hex[] = [globalModelDigest(encodeGlobalModel(global))];
  for (let round = 0; round < job.config.rounds; round++) {
    const globalPath = join(base, `global-${round}.bin`);
    writeFileSync(globalPath, encodeGlobalModel(global));
    const outs = Array.from({ length: job.config.slots }, (_, slot) => join(base, `round-${round}-slot-${slot}`));
    await Promise.all(outs.map((out, slot) => {
      mkdirSync(out);
      const previous = join(base, `round-${round - 1}-slot-${slot}`, "residual.bin");
      const residual = existsSync(previous) ? ["--residual", previous] : [];
      return run(process.execPath, [SLOT_PROCESS, "--spec", join(base, "spec.json"), "--model", join(base, "model.onnx"),
        "--slot", String(slot), "--round", String(round), "--global", globalPath, ...residual, "--threads", "2", "--out", out]);
    }));
    const blobs = outs.map((out) => ({
      update: readFileSync(join(out, "update.bin")),
      residual: existsSync(join(out, "residual.bin")) ? readFileSync(join(out, "residual.bin")) : undefined,
    }));
    assert.deepEqual(blobs.map((b) => contributionDigest(b.update)), oneMachineDigests[round], `round ${round}: every slot's commitment`);
    const updates = blobs.map((b, slot) => ({ slot, values: decodeUpdate(b.update).values }));
    global = await aggregateRound({ job, global, updates, threads: 2 });
    hashes.push(globalModelDigest(encodeGlobalModel(global)));
  }
  assert.deepEqual(hashes, oneMachine.hashes);
  assert.deepEqual(Buffer.from(global.params.buffer), Buffer.from(oneMachine.finalParams.buffer));
  assert.notDeepEqual(hashes[1], hashes[0], "training moved the model");
}

describe("distributed rounds: the provider count never changes a bit", () => {
  it("2 slots, FedAvg, dense updates: 2 processes = 1 machine", async () => {
    await compareProcessesWithOneMachine("p2", { slots: 2 });
  });

  it("4 slots, trimmed mean, outer Nesterov momentum, top-10% int8 updates with error feedback: 4 processes = 1 machine", async () => {
    await compareProcessesWithOneMachine("p4", {
      slots: 4, aggregation: { rule: "trimmedMean", trim: 1 }, outer: { learningRate: "0.7", momentum: "0.9" }, compression: { topK: "0.1", quantize: "int8" },
    });
  });
});
