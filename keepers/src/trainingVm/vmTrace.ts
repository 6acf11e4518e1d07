import type { Hex } from "viem";
import type { StepConfig } from "../training/jobSpec.ts";
import type { ModelDefinition } from "../training/modelDefinition.ts";
import { stepProgram } from "./stepProgram.ts";
import { stateCommitment, TrainingVm, type VmPosition } from "./trainingVm.ts";
import { VmProgram, type CheckpointSchedule } from "./vmProgram.ts";
import { wordTreeRoot } from "./wordTree.ts";

/** Parameters of the {@link VmTrace} constructor. */
export type VmTraceParameters = {
  model: ModelDefinition;
  config: StepConfig;
  /** The training split as the VM's data memory (`vmData`). */
  data: Uint8Array;
  examples: number;
  /** The checkpoint bytes the trace starts from, at step `firstStep` (a distributed slot's round: parameters +0, before `load`). */
  checkpoint: Uint8Array;
  /** A distributed slot's round (a `rounds` schedule): the global model's blob its first step loads. */
  globalModel?: Uint8Array;
  firstStep: number;
  /** The job's checkpoint schedule (part of its program hash). */
  schedule: CheckpointSchedule;
  /**
   * A dishonest run (the devnet's `--dishonest`): after instruction `position` of step `step`, the value it stored
   * (or, if it stored none, the accumulator) is increased by 1. Every state from there on is false.
   */
  fault?: { step: number; position: VmPosition };
};

/**
 * The states of a training run from a checkpoint, at every position a dispute game names: a step's start
 * (level 0), an operator's start (level 1), an instruction (level 2); and the witnesses the game's moves need.
 * Steps are run once and their checkpoints kept; a position inside a step is reached by re-running that step.
 *
 * @example
 * const trace = new VmTrace({ model, config, data, examples, checkpoint, firstStep: 12, schedule });
 * trace.stateAt(13); trace.stateAt(13, { operator: 4, instruction: 100 });
 */
export class VmTrace {
  readonly program: VmProgram;
  private readonly parameters: VmTraceParameters;
  /** checkpoints[s]: the checkpoint at step firstStep + s. */
  private readonly checkpoints: Uint8Array[];
  private current: { step: number; vm: TrainingVm } | undefined;

  constructor(parameters: VmTraceParameters) {
    this.parameters = parameters;
    this.checkpoints = [parameters.checkpoint];
    const vm = this.vmAt(parameters.firstStep);
    this.program = new VmProgram(vm.program, vm.dataRoot(), parameters.schedule);
  }

  /** The state commitment at step `step`'s start, or at `position` inside it. */
  stateAt(step: number, position: VmPosition = { operator: 0, instruction: 0 }): Hex {
    return this.vmAt(step).runTo(position).commitment();
  }

  /** The operator count of a step (level 1's range) and the instruction count of operator `operator` (level 2's). */
  counts(step: number): number[] {
    return this.vmAt(step).program.counts;
  }

  /** The checkpoint bytes at step `step`'s start (the engine's, docs/training.md §8). */
  checkpointAt(step: number): Uint8Array {
    this.vmAt(step);
    return this.checkpoints[step - this.parameters.firstStep]!;
  }

  /** The word-tree root of the checkpoint at step `step`'s start: its leaf in the job's trace (docs/training.md §8). */
  checkpointRoot(step: number): Hex {
    const { depths } = this.vmAt(step).program;
    return wordTreeRoot(this.checkpointAt(step), depths.checkpoint);
  }

  /** The pre-state and the `step` witness of instruction `position` of step `step`. */
  stepWitness(step: number, position: VmPosition): { preState: Hex; witness: Hex } {
    const proof = this.vmAt(step).runTo(position).proveInstruction();
    return { preState: stateCommitment(proof.checkpointRoot, proof.scratchRoot, proof.acc), witness: this.program.stepWitness(proof) };
  }

  /** A VM at step `step`'s start (or further into it: the caller's `runTo` goes back when it must). */
  private vmAt(step: number): TrainingVm {
    if (this.current?.step === step) return this.current.vm;
    const { firstStep } = this.parameters;
    if (!Number.isInteger(step) || step < firstStep) throw new RangeError(`step ${step} is before the trace's first step ${firstStep}`);
    while (this.checkpoints.length <= step - firstStep) {
      const at = firstStep + this.checkpoints.length - 1;
      this.checkpoints.push(Uint8Array.from(this.newVm(at).runStep()));
    }
    const vm = this.newVm(step);
    this.current = { step, vm };
    return vm;
  }

  private newVm(step: number): TrainingVm {
    const { model, config, examples, data, fault, firstStep, schedule, globalModel } = this.parameters;
    const program = stepProgram({ model, config, examples, step, roundSteps: schedule.rounds === true ? schedule.checkpointInterval : undefined });
    return new TrainingVm({ program, checkpoint: this.checkpoints[step - firstStep]!, data, fault: fault?.step === step ? fault.position : undefined, globalModel });
  }
}
