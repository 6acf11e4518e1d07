/**
 * One slot's round in its own process, as a provider's machine would run it: reads the spec,
 * the model, the round's global-model blob and (with compression) the slot's previous residual,
 * writes `update.bin` (and `residual.bin`) into --out. Used by test/keepers/rounds/processIdentity.test.ts.
 *
 *   node test/harness/slotProcess.ts --spec s.json --model m.onnx --slot 1 --round 0 --global g.bin [--residual r.bin] --threads 2 --out dir
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { decodeGlobalModel } from "../../keepers/src/rounds/globalModel.ts";
import { prepareRoundJob } from "../../keepers/src/rounds/preparedRoundJob.ts";
import { slotContribution } from "../../keepers/src/rounds/slotContribution.ts";
import { decodeResidual } from "../../keepers/src/rounds/updateEncoding.ts";
import { loadMnist } from "../../keepers/src/training/mnist.ts";

const { values } = parseArgs({
  options: {
    spec: { type: "string" }, model: { type: "string" }, slot: { type: "string" }, round: { type: "string" },
    global: { type: "string" }, residual: { type: "string" }, threads: { type: "string" }, out: { type: "string" },
  },
});
const job = prepareRoundJob({ spec: JSON.parse(readFileSync(values.spec!, "utf8")), modelBytes: readFileSync(values.model!), sources: loadMnist() });
const contribution = await slotContribution({
  job,
  slot: Number(values.slot),
  round: Number(values.round),
  global: decodeGlobalModel(readFileSync(values.global!)).params,
  residual: values.residual === undefined ? undefined : decodeResidual(readFileSync(values.residual)).residual,
  threads: Number(values.threads),
});
writeFileSync(join(values.out!, "update.bin"), contribution.updateBytes);
if (contribution.residualBytes !== undefined) writeFileSync(join(values.out!, "residual.bin"), contribution.residualBytes);
