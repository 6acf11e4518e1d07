import { VeritrainError } from "../errors.ts";
import { initialState, type PreparedJob } from "../training/preparedJob.ts";
import { makeCheckpoint } from "../training/checkpoint.ts";
import { vmData } from "./trainingVm.ts";
import type { VmProgram } from "./vmProgram.ts";
import { VmTrace, type VmTraceParameters } from "./vmTrace.ts";

/**
 * The training VM's run of `job` from its checkpoint `index`, whose bytes are `checkpoint` (a provider's own, or the
 * one a challenger re-executes from): the states and witnesses of a game over the segment after it. Its program
 * is the job's ({@link jobProgram}), whichever checkpoint it starts from; `fault` makes it a dishonest run's.
 *
 * @throws VeritrainError `VM_UNSUPPORTED` for a job the VM cannot run (engine version 1, overlapping pooling).
 * @example
 * const trace = jobTrace(job, 2, await result.checkpoint(2));
 * trace.stateAt(job.checkpointSteps[3]!);
 */
export function jobTrace(job: PreparedJob, index: number, checkpoint: Uint8Array, fault?: VmTraceParameters["fault"]): VmTrace {
  return stepTrace(job, job.checkpointSteps[index]!, checkpoint, fault);
}

/** {@link jobTrace} from the state at any step `step` (its checkpoint bytes `checkpoint`), not only a checkpoint's. */
export function stepTrace(job: PreparedJob, step: number, checkpoint: Uint8Array, fault?: VmTraceParameters["fault"]): VmTrace {
  return new VmTrace(stepTraceParameters({ job, step, checkpoint, fault }));
}

/** Parameters of {@link stepTraceParameters}: a run of `job` from step `step`, whose checkpoint bytes are `checkpoint`. */
export type StepTraceParameters = { job: PreparedJob; step: number; checkpoint: Uint8Array; fault?: VmTraceParameters["fault"] };

/**
 * What {@link stepTrace} builds its VmTrace from: plain data (the training split as a fresh `vmData` array), so that
 * the same trace can be built in a worker thread (games/traceWorker.ts) from a structured clone of it.
 *
 * @example
 * const trace = await TraceWorker.start(stepTraceParameters({ job, step: job.checkpointSteps[2]!, checkpoint }));
 */
export function stepTraceParameters({ job, step, checkpoint, fault }: StepTraceParameters): VmTraceParameters {
  const schedule = { initialRoot: makeCheckpoint(job, 0, initialState(job)).hash, checkpointInterval: job.config.checkpointInterval, totalSteps: job.totalSteps };
  const examples = job.sets.train.count;
  return { model: job.model.definition, config: job.config, data: vmData(job.sets.train), examples, checkpoint, firstStep: step, schedule, fault };
}

/**
 * The training-VM program of a job (docs/training-vm.md §5): its model's step program, the data root of its
 * training split, its hyper-parameters and its checkpoint schedule, the initial root being checkpoint 0's hash.
 * Its `hash` is what the job's order commits (`Order.program`), so that a dispute can become a game: the poster
 * computes it, a provider computes it again before bidding.
 *
 * @throws VeritrainError `VM_UNSUPPORTED` for a job the VM cannot run.
 * @example
 * const { hash } = jobProgram(prepareJob({ spec, modelBytes, sources }));
 */
export function jobProgram(job: PreparedJob): VmProgram {
  return jobTrace(job, 0, makeCheckpoint(job, 0, initialState(job)).bytes).program;
}

/** {@link jobProgram}, or undefined for a job the training VM cannot run (its disputes go to the committee only). */
export function programOf(job: PreparedJob): VmProgram | undefined {
  try {
    return jobProgram(job);
  } catch (error) {
    if (error instanceof VeritrainError && error.code === "VM_UNSUPPORTED") return undefined;
    throw error;
  }
}
