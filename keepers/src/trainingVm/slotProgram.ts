import { checkpointHash, encodeCheckpoint } from "../training/checkpoint.ts";
import { optimizerStateVectors } from "../training/optimizer.ts";
import { encodeGlobalModel } from "../rounds/globalModel.ts";
import type { PreparedRoundJob } from "../rounds/preparedRoundJob.ts";
import { vmData } from "./trainingVm.ts";
import type { VmProgram } from "./vmProgram.ts";
import { VmTrace, type VmTraceParameters } from "./vmTrace.ts";

/** Parameters of {@link slotTrace}: slot `slot`'s local update of round `round`, from the round's global-model blob. */
export type SlotTraceParameters = { job: PreparedRoundJob; slot: number; round: number; globalModel: Uint8Array; fault?: VmTraceParameters["fault"] };

/**
 * The checkpoint a slot's round starts from in the training VM (docs/training-vm.md §4, `load`): step r·L, its epoch
 * and batch those of the slot's part (docs/training.md §8), parameters and optimizer state +0. The round's first
 * step loads the global model's parameters into it, which gives the engine's start (docs/distributed-training.md,
 * "Parts, local updates and rounds": `{step r·L, G_r, zero optimizer state}`).
 *
 * @example
 * const bytes = roundStartCheckpoint(job, 1, 2);
 */
export function roundStartCheckpoint(job: PreparedRoundJob, slot: number, round: number): Uint8Array {
  const { step, localSteps } = job.config;
  const size = job.model.definition.parameterCount;
  const state = {
    step: round * localSteps,
    params: new Float32Array(size),
    optimizerState: Array.from({ length: optimizerStateVectors(step.optimizer) }, () => new Float32Array(size)),
  };
  const stepsPerEpoch = Math.floor(job.parts[slot]!.count / step.batchSize);
  return encodeCheckpoint({ state, optimizer: step.optimizer.type, stepsPerEpoch, engineVersion: step.engineVersion });
}

/**
 * The training VM's run of a slot's local update (docs/training-vm.md §5, "A distributed job's slot"): L steps over
 * the slot's part from {@link roundStartCheckpoint}, the round's first step loading `globalModel`'s parameters. Its
 * program is the slot's ({@link slotProgram}) whatever the round: the data root of the part, the job's step,
 * checkpoints at the rounds' ends (every L steps up to R·L), checkpoint 0 being round 0's start before its `load`,
 * and `rounds`, so that Adam's bias correction counts from the round's start as the engine's does (`localUpdate`).
 * The update is `fround(local − G_r)` of the checkpoint at step (r + 1)·L.
 *
 * @throws VeritrainError `VM_UNSUPPORTED` for a job the VM cannot run (docs/training-vm.md).
 * @example
 * const trace = slotTrace({ job, slot: 1, round: 2, globalModel });
 * trace.checkpointAt(3 * job.config.localSteps);
 */
export function slotTrace({ job, slot, round, globalModel, fault }: SlotTraceParameters): VmTrace {
  const { step: config, localSteps, rounds } = job.config;
  const part = job.parts[slot];
  if (part === undefined) throw new RangeError(`slot ${slot} is not a slot of this job (it has ${job.parts.length}; a private-data job has none the VM can run)`);
  const initialRoot = checkpointHash({ bytes: roundStartCheckpoint(job, slot, 0), engineVersion: config.engineVersion });
  return new VmTrace({
    model: job.model.definition, config, data: vmData(part), examples: part.count, checkpoint: roundStartCheckpoint(job, slot, round), globalModel,
    firstStep: round * localSteps, schedule: { initialRoot, checkpointInterval: localSteps, totalSteps: rounds * localSteps, rounds: true }, fault,
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
  const globalModel = encodeGlobalModel({ round: 0, params: Float32Array.from(job.model.params) });
  return slotTrace({ job, slot, round: 0, globalModel }).program;
}
