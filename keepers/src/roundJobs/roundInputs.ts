import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { ContentStore } from "../content/contentStore.ts";
import type { GlobalModel } from "../rounds/globalModel.ts";
import type { PreparedRoundJob } from "../rounds/preparedRoundJob.ts";
import { fetchGlobalModel, fetchResidual, fetchUpdate } from "./roundContent.ts";
import { setBits } from "../chain/setBits.ts";

/** How long a keeper waits for a block of a round's inputs by default before it counts as not served. */
export const ROUND_FETCH_TIMEOUT_MS = 30_000;

/**
 * The bound of each block fetch of a round's inputs: `timeoutMs`, or the caller's shutdown.
 *
 * @example
 * const bounded = fetchBound(signal);
 */
export function fetchBound(signal: AbortSignal, timeoutMs = ROUND_FETCH_TIMEOUT_MS): () => AbortSignal {
  return () => AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
}

/** Parameters of {@link globalModelAt} and {@link residualBefore}. */
export type RoundInputParameters = {
  chain: ProtocolConnection;
  store: ContentStore;
  job: PreparedRoundJob;
  jobId: bigint;
  round: number;
  /** Bounds each block fetch. */
  bounded: () => AbortSignal;
};

/**
 * The global model round `round` starts from: the model file's weights in round 0, else the
 * aggregate posted for round `round − 1` (final once that round advanced).
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID` for an unavailable or wrong blob.
 */
export async function globalModelAt({ chain, store, job, jobId, round, bounded }: RoundInputParameters): Promise<GlobalModel> {
  if (round === 0) return { round, params: Float32Array.from(job.model.params) };
  const digest = await chain.contracts.RoundJobRegistry.read.aggregateOf([jobId, round - 1]);
  return fetchGlobalModel({ chain, store, signal: bounded(), commitment: digest, round, size: job.model.params.length, momentum: job.config.outer.momentum !== 0 });
}

/**
 * With compression: the residual slot `slot` carries into round `round` — none in round 0, else
 * the residual its round `round − 1` update names (committed with it, final once that round
 * advanced). Undefined without compression.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID`.
 */
export async function residualBefore(parameters: RoundInputParameters & { slot: number }): Promise<Float32Array | undefined> {
  const { chain, store, job, jobId, round, slot, bounded } = parameters;
  if (job.config.compression === undefined || round === 0) return undefined;
  const commitment = await chain.contracts.RoundJobRegistry.read.commitmentOf([jobId, round - 1, slot]);
  const update = await fetchUpdate({ chain, store, signal: bounded(), commitment, round: round - 1, slot, size: job.model.params.length, compressed: true });
  return fetchResidual({ store, signal: bounded(), update });
}

/**
 * The decoded updates of the slots in `mask` (ascending) for the round, fetched by their commitments.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID` for an update that cannot be had.
 */
export async function includedUpdates(parameters: RoundInputParameters & { mask: number }): Promise<{ slot: number; values: Float32Array }[]> {
  const { chain, store, job, jobId, round, mask, bounded } = parameters;
  const updates = [];
  for (const slot of setBits(mask)) {
    const commitment = await chain.contracts.RoundJobRegistry.read.commitmentOf([jobId, round, slot]);
    const compressed = job.config.compression !== undefined;
    updates.push({ slot, values: (await fetchUpdate({ chain, store, signal: bounded(), commitment, round, slot, size: job.model.params.length, compressed })).values });
  }
  return updates;
}
