import type { Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { getBlob, putBlob } from "../content/chunkedBlob.ts";
import type { ContentStore } from "../content/contentStore.ts";
import { rawDigestCid } from "../content/rawDigestCid.ts";
import { VeritrainError } from "../errors.ts";
import { decodeGlobalModel, encodeGlobalModel, type GlobalModel } from "../rounds/globalModel.ts";
import type { SlotContribution } from "../rounds/slotContribution.ts";
import { decodeResidual, decodeUpdate, type DecodedUpdate } from "../rounds/updateEncoding.ts";
import { readPublishedBlob } from "./updatePublication.ts";

/** Parameters of the fetches below: a store connected to the job's keepers, and a bound per block. */
export type RoundFetchParameters = { store: ContentStore; signal: AbortSignal };

/**
 * The block whose SHA-256 is `digest`, from the connected peers (the store checks the hash): a residual.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` (no peer serves it within `signal`: its committer is the one to dispute).
 */
async function fetchBlock({ store, signal }: RoundFetchParameters, digest: Hex, what: string): Promise<Uint8Array> {
  const cid = rawDigestCid(digest);
  try {
    return await store.get(cid, { signal });
  } catch (cause) {
    throw new VeritrainError(`${what} ${cid} was not served by any connected peer`, { code: "RESULT_NOT_FOUND", details: { cid: cid.toString(), digest }, cause });
  }
}

/** Parameters of {@link fetchCommitted}: the blob's digest on-chain, and the chain that may hold the blob itself. */
export type CommittedFetchParameters = RoundFetchParameters & { chain: Pick<ProtocolConnection, "contracts" | "publicClient" | "deploymentBlock">; commitment: Hex };

/**
 * The chunked blob (docs/distributed-training.md, "Chunked blobs") committed on RoundJobRegistry: a slot's update blob,
 * its masked input under secure aggregation, or a posted global model. Read from the chain if an availability dispute
 * published it (`readPublishedBlob`), else fetched from the connected peers (every block checked against the digest).
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` (no peer serves it within `signal`, and the chain does not hold it: its
 * committer is the one to dispute, by `challengeUpdate`), `RESULT_INVALID` (blocks that contradict the commitment).
 * @example
 * const bytes = await fetchCommitted({ store, signal, chain, jobId, round: 0, slot: 2, commitment }, "slot 2's masked input");
 */
export async function fetchCommitted(parameters: CommittedFetchParameters, what: string): Promise<Uint8Array> {
  const { store, signal, commitment } = parameters;
  const published = await readPublishedBlob({ chain: parameters.chain, digest: commitment });
  if (published !== undefined) return published;
  try {
    return await getBlob(store, commitment, { signal });
  } catch (cause) {
    if (cause instanceof VeritrainError && cause.code === "BLOB_INVALID") throw contradicts(what, cause.message, cause);
    const cid = rawDigestCid(commitment);
    throw new VeritrainError(`${what} ${cid} was not served by any connected peer`, { code: "RESULT_NOT_FOUND", details: { cid: cid.toString(), digest: commitment }, cause });
  }
}

function contradicts(what: string, rule: string, cause?: unknown): VeritrainError {
  return new VeritrainError(`${what} contradicts its on-chain commitment: ${rule}`, { code: "RESULT_INVALID", details: { rule }, cause });
}

/**
 * Stores a slot's update blob (a chunked blob) and residual blob (one raw block) and pins them: the provider serves
 * them through the round's challenge window.
 *
 * @example
 * await publishContribution(store, contribution);
 */
export async function publishContribution(store: ContentStore, contribution: SlotContribution): Promise<void> {
  await putBlob(store, contribution.updateBytes);
  if (contribution.residualBytes !== undefined) await store.pin(await store.put(contribution.residualBytes));
}

/** Parameters of {@link fetchUpdate}. */
export type FetchUpdateParameters = CommittedFetchParameters & {
  round: number;
  slot: number;
  size: number;
  /** Whether the job compresses its updates; without compression only a dense binary32 update is one. */
  compressed: boolean;
};

/**
 * The update slot `slot` committed for round `round` ({@link fetchCommitted}), decoded; a blob for another round, slot
 * or model size, one that breaks the layout, or, in a job without compression, one not dense binary32, contradicts the
 * commitment (the aggregate referee reads an update's values at fixed offsets: docs/dispute-game.md §7).
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID` (both condemn the slot: `condemnsResult`).
 */
export async function fetchUpdate(parameters: FetchUpdateParameters): Promise<DecodedUpdate> {
  const { round, slot, size } = parameters;
  const what = `round ${round} slot ${slot}'s update`;
  const bytes = await fetchCommitted(parameters, what);
  let update: DecodedUpdate;
  try {
    update = decodeUpdate(bytes);
  } catch (cause) {
    throw contradicts(what, "not a valid update blob", cause);
  }
  if (update.round !== round || update.slot !== slot || update.values.length !== size) {
    throw contradicts(what, `blob is for round ${update.round}, slot ${update.slot}, ${update.values.length} parameters`);
  }
  if (!parameters.compressed && update.payload.encoding !== "denseF32") {
    throw contradicts(what, `a job without compression sends dense binary32 updates, not ${update.payload.encoding}`);
  }
  return update;
}

/**
 * The error-feedback residual a compressed update names (the residual its slot carries into the
 * next round).
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID`.
 */
export async function fetchResidual(parameters: RoundFetchParameters & { update: DecodedUpdate }): Promise<Float32Array> {
  const { update } = parameters;
  const what = `round ${update.round} slot ${update.slot}'s residual`;
  if (update.residualDigest === undefined) throw contradicts(what, "the update names no residual");
  try {
    return decodeResidual(await fetchBlock(parameters, update.residualDigest, what)).residual;
  } catch (cause) {
    if (cause instanceof VeritrainError && cause.code === "RESULT_NOT_FOUND") throw cause;
    throw contradicts(what, "not a valid residual blob", cause);
  }
}

/**
 * Stores and pins the global model after `round` rounds as a chunked blob; returns the digest to post
 * (`globalModelDigest`).
 *
 * @example
 * const digest = await publishGlobalModel(store, { round: 1, params });
 */
export async function publishGlobalModel(store: ContentStore, model: GlobalModel): Promise<Hex> {
  return putBlob(store, encodeGlobalModel(model));
}

/**
 * The global model an aggregator posted (`commitment`, its chunked-blob digest) for the end of round `round − 1`
 * ({@link fetchCommitted}), checked to be that round's and to carry the outer momentum iff `momentum`.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID`.
 */
export async function fetchGlobalModel(parameters: CommittedFetchParameters & { round: number; size: number; momentum: boolean }): Promise<GlobalModel> {
  const { round, size, momentum } = parameters;
  const what = `the global model after round ${round - 1}`;
  const bytes = await fetchCommitted(parameters, what);
  try {
    const model = decodeGlobalModel(bytes);
    if (model.round !== round || model.params.length !== size) throw new Error(`blob is for round ${model.round} with ${model.params.length} parameters`);
    if ((model.momentum !== undefined) !== momentum) throw new Error(`blob ${momentum ? "lacks" : "carries"} the outer momentum`);
    return model;
  } catch (cause) {
    throw contradicts(what, "not this round's global model", cause);
  }
}
