import type { Logger } from "pino";
import type { Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { predictWithEngine } from "../training/predict.ts";
import { loadRoundJob } from "./loadRoundJob.ts";
import { globalModelAt } from "./roundInputs.ts";
import { RoundJobStatus } from "./roundJobStatus.ts";

/** A round's global model scored on the job's validation split. */
export type RoundScore = { round: number; globalModelDigest: Hex; accuracy: number; images: number };

/** Parameters of {@link roundValidationScores}. */
export type RoundValidationScoresParameters = {
  chain: ProtocolConnection;
  /** Connected to the job's providers (global models) and able to reach its dataset's holders (the validation split). */
  store: HeliaContentStore;
  jobId: bigint;
  /** Bounds each fetch of a global model. */
  bounded: () => AbortSignal;
  log: Logger;
  signal?: AbortSignal;
};

/**
 * The validation score of every round's global model so far (docs/distributed-training.md, "Private-data jobs"): the
 * accuracy of the engine's predictions on the job's validation split, which its public dataset holds, for the global
 * model each round's aggregate on-chain names. Recomputable by anyone from the chain, the dataset and the blobs.
 *
 * @example
 * const scores = await roundValidationScores({ chain, store, jobId: 3n, bounded, log });
 */
export async function roundValidationScores({ chain, store, jobId, bounded, log, signal }: RoundValidationScoresParameters): Promise<RoundScore[]> {
  const { onChain, prepared: job } = await loadRoundJob({ chain, store, jobId, log, signal });
  const done = onChain.status === RoundJobStatus.Finalized ? onChain.rounds : onChain.round;
  const set = job.sets.validation;
  const scores: RoundScore[] = [];
  for (let round = 0; round < done; round++) {
    const globalModelDigest = await chain.contracts.RoundJobRegistry.read.aggregateOf([jobId, round]);
    const { params } = await globalModelAt({ chain, store, job, jobId, round: round + 1, bounded });
    const { classes } = predictWithEngine({ model: job.model.definition, params, set });
    const correct = classes.filter((predicted, example) => predicted === set.labels[example]).length;
    scores.push({ round, globalModelDigest, accuracy: correct / set.count, images: set.count });
  }
  return scores;
}
