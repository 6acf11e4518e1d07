import type { Hex } from "viem";
import { CheckpointTree } from "../training/checkpointTree.ts";
import { aggregateRound } from "./aggregateRound.ts";
import { encodeGlobalModel, globalModelDigest, type GlobalModel } from "./globalModel.ts";
import type { PreparedRoundJob } from "./preparedRoundJob.ts";
import { slotContribution, type SlotContribution } from "./slotContribution.ts";

/** Parameters of {@link trainRounds}. */
export type TrainRoundsParameters = {
  job: PreparedRoundJob;
  threads: number;
  /** Told after each round with the slots' contributions and the next global model. */
  onRound?: (round: number, contributions: SlotContribution[], global: GlobalModel) => void | Promise<void>;
  signal?: AbortSignal;
};

/** A whole distributed run: the global-model digests of rounds 0…R, their tree, the final parameters. */
export type TrainRoundsResult = { hashes: Hex[]; tree: CheckpointTree; finalParams: Float32Array };

/**
 * Runs every slot of every round on this machine, then aggregates, exactly as P providers and
 * an aggregator would: the provider count never changes a bit (docs/distributed-training.md).
 *
 * @example
 * const { tree, finalParams } = await trainRounds({ job, threads: 2 });
 */
export async function trainRounds({ job, threads, onRound, signal }: TrainRoundsParameters): Promise<TrainRoundsResult> {
  let global: GlobalModel = { round: 0, params: Float32Array.from(job.model.params) };
  const hashes: Hex[] = [globalModelDigest(encodeGlobalModel(global))];
  const residuals: (Float32Array | undefined)[] = new Array(job.config.slots).fill(undefined);
  for (let round = 0; round < job.config.rounds; round++) {
    const contributions: SlotContribution[] = [];
    for (let slot = 0; slot < job.config.slots; slot++) {
      const contribution = await slotContribution({ job, slot, round, global: global.params, residual: residuals[slot], threads, signal });
      residuals[slot] = contribution.residual;
      contributions.push(contribution);
    }
    const updates = contributions.map((contribution, slot) => ({ slot, values: contribution.transmitted }));
    global = await aggregateRound({ job, global, updates, threads, signal });
    hashes.push(globalModelDigest(encodeGlobalModel(global)));
    await onRound?.(round, contributions, global);
  }
  return { hashes, tree: new CheckpointTree(hashes), finalParams: global.params };
}
