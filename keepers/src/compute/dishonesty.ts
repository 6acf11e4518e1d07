import { VeritrainError } from "../errors.ts";
import type { PreparedJob } from "../training/preparedJob.ts";
import { decodeCheckpoint, makeCheckpoint } from "../training/checkpoint.ts";
import { Trainer } from "../training/trainer.ts";
import { stepTrace } from "../trainingVm/jobProgram.ts";
import { stepProgram } from "../trainingVm/stepProgram.ts";
import type { VmPosition } from "../trainingVm/trainingVm.ts";

/** Offset of the first parameter in a checkpoint's canonical bytes (docs/training.md §8). */
const FIRST_PARAMETER_OFFSET = 36;

/** The levels of a dispute game a dishonest run can be wrong at (docs/dispute-game.md §2). */
export const DISHONESTY_LEVELS = ["checkpoint", "step", "instruction"] as const;

/**
 * The devnet's dishonest provider (`compute --dishonest <level>:<n>`), wrong at one level of a dispute game:
 * - `checkpoint`: every step is right, but checkpoint `at` is posted with its first weight's lowest bit flipped;
 * - `step`: step `at`'s result is wrong: the middle instruction of its `optimizer` operator (the update of the
 *   weights) stores a value off by one;
 * - `instruction`: the middle instruction of step `at`'s middle operator does, so one instruction inside an
 *   operator is wrong.
 * Every later checkpoint follows from the first wrong one, and the provider plays its games from its own run.
 */
export type Dishonesty = { level: (typeof DISHONESTY_LEVELS)[number]; at: number };

const invalid = (message: string) => new VeritrainError(message, { code: "INVALID_ARGUMENT" });

/**
 * `--dishonest`'s value: `<level>:<n>`, or `<n>` alone for `checkpoint:<n>`; the flag alone is `checkpoint:1`.
 *
 * @throws VeritrainError `INVALID_ARGUMENT` naming the accepted forms.
 * @example
 * parseDishonesty("instruction:7"); // { level: "instruction", at: 7 }
 */
export function parseDishonesty(text: string | true): Dishonesty {
  if (text === true) return { level: "checkpoint", at: 1 };
  const match = /^(?:(checkpoint|step|instruction):)?(\d{1,9})$/.exec(text);
  if (match === null) throw invalid(`--dishonest must be <n>, checkpoint:<n>, step:<n> or instruction:<n>, got "${text}"`);
  return { level: (match[1] ?? "checkpoint") as Dishonesty["level"], at: Number(match[2]) };
}

/** The `--dishonest` value of `dishonesty` (parsed back by {@link parseDishonesty}). */
export function dishonestyFlag({ level, at }: Dishonesty): string {
  return `${level}:${at}`;
}

/**
 * The index of the first checkpoint `dishonesty` makes wrong in `job`: the one it names, or the first after its step.
 *
 * @throws VeritrainError `INVALID_ARGUMENT` for a checkpoint outside 1 … count − 1 or a step outside the job.
 */
export function firstWrongCheckpoint(job: PreparedJob, { level, at }: Dishonesty): number {
  const count = job.checkpointSteps.length;
  if (level === "checkpoint") {
    if (!(at >= 1 && at < count)) throw invalid(`a dishonest checkpoint must be in [1, ${count - 1}] for this job, got ${at}`);
    return at;
  }
  if (!(at >= 0 && at < job.totalSteps)) throw invalid(`a dishonest ${level} must be in a step of [0, ${job.totalSteps - 1}] for this job, got step ${at}`);
  return job.checkpointSteps.findIndex((step) => step > at);
}

/**
 * The training VM's fault of the dishonest run inside checkpoint `checkpoint`'s segment (the step and the
 * instruction whose stored value is off by one), if `dishonesty` puts one there.
 */
export function segmentFault(job: PreparedJob, dishonesty: Dishonesty | undefined, checkpoint: number): { step: number; position: VmPosition } | undefined {
  if (dishonesty === undefined || dishonesty.level === "checkpoint" || firstWrongCheckpoint(job, dishonesty) !== checkpoint) return undefined;
  const step = dishonesty.at;
  const { operators, counts } = stepProgram({ model: job.model.definition, config: job.config, examples: job.sets.train.count, step });
  const operator = dishonesty.level === "step" ? operators.findIndex(({ kind }) => kind === "optimizer") : Math.floor(counts.length / 2);
  return { step, position: { operator, instruction: Math.floor(counts[operator]! / 2) } };
}

/** Parameters of {@link dishonestCheckpoint}. */
export type DishonestCheckpointParameters = {
  job: PreparedJob;
  dishonesty: Dishonesty;
  /** The first wrong checkpoint's index ({@link firstWrongCheckpoint}). */
  index: number;
  /** Checkpoint `index − 1`'s bytes, which are right. */
  previous: Uint8Array;
  /** Checkpoint `index`'s right bytes. */
  honest: Uint8Array;
  /** Training threads of the engine's part. */
  threads: number;
};

/**
 * The dishonest run's checkpoint `index`: the right one with a flipped bit (level `checkpoint`); for levels `step`
 * and `instruction`, the engine's run to the faulty step, the training VM's run of that one step with its fault, and
 * the engine's run from there to the checkpoint. The engine and the VM agree bit for bit on any state, so this is the
 * VM's run of the whole segment with the fault (what the keeper's games assert), while the keeper's event loop is
 * held for one VM step only, not a segment of them (its peers would drop it).
 *
 * @throws VeritrainError `INVALID_ARGUMENT` if the fault leaves the checkpoint right (a value nothing reads again).
 */
export async function dishonestCheckpoint({ job, dishonesty, index, previous, honest, threads }: DishonestCheckpointParameters): Promise<Uint8Array> {
  if (dishonesty.level === "checkpoint") {
    const bytes = Uint8Array.from(honest);
    bytes[FIRST_PARAMETER_OFFSET] = bytes[FIRST_PARAMETER_OFFSET]! ^ 1;
    return bytes;
  }
  const fault = segmentFault(job, dishonesty, index)!;
  const engine = async (from: Uint8Array, steps: number) => {
    const trainer = await Trainer.create({ model: job.model.definition, config: job.config, sets: job.sets, state: decodeCheckpoint(from).state, threads });
    try {
      await trainer.runSteps(steps);
      return makeCheckpoint(job, index, trainer.snapshot()).bytes;
    } finally {
      await trainer.close();
    }
  };
  const atFault = await engine(previous, fault.step - job.checkpointSteps[index - 1]!);
  const afterFault = stepTrace(job, fault.step, atFault, fault).checkpointAt(fault.step + 1);
  const bytes = await engine(afterFault, job.checkpointSteps[index]! - (fault.step + 1));
  if (Buffer.from(bytes).equals(honest)) throw invalid(`the fault of --dishonest ${dishonestyFlag(dishonesty)} leaves checkpoint ${index} right: choose another step`);
  return bytes;
}
