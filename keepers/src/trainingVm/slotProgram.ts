import { checkpointHash, encodeCheckpoint } from "../training/checkpoint.ts";
import { optimizerStateVectors } from "../training/optimizer.ts";
import type { PreparedRoundJob } from "../rounds/preparedRoundJob.ts";
import { vmData } from "./trainingVm.ts";
import type { VmProgram } from "./vmProgram.ts";
import { VmTrace, type VmTraceParameters } from "./vmTrace.ts";

/** Parameters of {@link slotTrace}: slot `slot`'s local update of round `round`, from the global model's parameters. */
export type SlotTraceParameters = { job: PreparedRoundJob; slot: number; round: number; global: Float32Array; fault?: VmTraceParameters["fault"] };

/**
 * The checkpoint a slot's local update starts from in round `round` (docs/distributed-training.md, "Parts, local
 * updates and rounds"): step r·L, the global parameters G_r, zero optimizer state, its epoch and batch those of its
 * part (docs/training.md §8).
 *
 * @example
 * const bytes = roundStartCheckpoint(job, 1, 2, global);
 */
export function roundStartCheckpoint(job: PreparedRoundJob, slot: number, round: number, global: Float32Array): Uint8Array {
  const { step, localSteps } = job.config;
  const state = {
    step: round * localSteps,
    params: global,
    optimizerState: Array.from({ length: optimizerStateVectors(step.optimizer) }, () => new Float32Array(global.length)),
  };
  const stepsPerEpoch = Math.floor(job.parts[slot]!.count / step.batchSize);
  return encodeCheckpoint({ state, optimizer: step.optimizer.type, stepsPerEpoch, engineVersion: step.engineVersion });
}

/**
 * The training VM's run of a slot's local update (docs/training-vm.md §5, "A distributed job's slot"): L steps over
 * the slot's part from {@link roundStartCheckpoint}. Its program is the slot's ({@link slotProgram}) whatever the
 * round: the data root of the part, the job's step, checkpoints at the rounds' ends (every L steps up to R·L),
 * checkpoint 0 being round 0's start, and `rounds`, so that Adam's bias correction counts from the round's start
 * as the engine's does (`localUpdate`). The update is `fround(local − G_r)` of the checkpoint at step (r + 1)·L.
 *
 * @throws VeritrainError `VM_UNSUPPORTED` for a job the VM cannot run (docs/training-vm.md).
 * @example
 * const trace = slotTrace({ job, slot: 1, round: 2, global });
 * trace.checkpointAt(3 * job.config.localSteps);
 */
export function slotTrace({ job, slot, round, global, fault }: SlotTraceParameters): VmTrace {
  const { step: config, localSteps, rounds } = job.config;
  const part = job.parts[slot];
  if (part === undefined) throw new RangeError(`slot ${slot} is not a slot of this job (it has ${job.parts.length}; a private-data job has none the VM can run)`);
  const initial = roundStartCheckpoint(job, slot, 0, Float32Array.from(job.model.params));
  const schedule = { initialRoot: checkpointHash({ bytes: initial, engineVersion: config.engineVersion }), checkpointInterval: localSteps, totalSteps: rounds * localSteps, rounds: true };
  return new VmTrace({
    model: job.model.definition, config, data: vmData(part), examples: part.count,
    checkpoint: roundStartCheckpoint(job, slot, round, global), firstStep: round * localSteps, schedule, fault,
  });
}

/**
 * The training-VM program of slot `slot` of a distributed job: {@link slotTrace}'s, the same for every round.
 *
 * @throws VeritrainError `VM_UNSUPPORTED` for a job the VM cannot run.
 * @example
 * const { hash } = slotProgram(job, 0);
 */
export function slotProgram(job: PreparedRoundJob, slot: number): VmProgram {
  return slotTrace({ job, slot, round: 0, global: Float32Array.from(job.model.params) }).program;
}

