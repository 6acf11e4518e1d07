import { initialState, type PreparedJob } from "../training/preparedJob.ts";
import { makeCheckpoint } from "../training/trainJob.ts";
import { stepProgram } from "./stepProgram.ts";
import { TrainingVm, vmData } from "./trainingVm.ts";
import { VmProgram } from "./vmProgram.ts";

/**
 * The training-VM program of a job (docs/training-vm.md §5): its model's step program, the data root of its
 * training split, its hyper-parameters and its checkpoint schedule, the initial root being checkpoint 0's hash.
 * Its `hash` is what the job's order commits (`Order.program`), so that a dispute can become a game: the poster
 * computes it, a provider computes it again before bidding.
 *
 * @throws VeritrainError `VM_UNSUPPORTED` for a job the VM cannot run (engine version 1, overlapping pooling).
 * @example
 * const { hash } = jobProgram(prepareJob({ spec, modelBytes, sources }));
 */
export function jobProgram(job: PreparedJob): VmProgram {
  const program = stepProgram({ model: job.model.definition, config: job.config, examples: job.sets.train.count, step: 0 });
  const checkpoint = makeCheckpoint(job, 0, initialState(job));
  const dataRoot = new TrainingVm({ program, checkpoint: checkpoint.bytes, data: vmData(job.sets.train) }).dataRoot();
  return new VmProgram(program, dataRoot, { initialRoot: checkpoint.hash, checkpointInterval: job.config.checkpointInterval, totalSteps: job.totalSteps });
}
