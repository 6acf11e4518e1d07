import type { Hex } from "viem";
import type { ContentStore } from "../content/contentStore.ts";
import { rawDigestCid } from "../content/rawDigestCid.ts";
import { VeritrainError } from "../errors.ts";
import { decodeGlobalModel, encodeGlobalModel, globalModelDigest, type GlobalModel } from "../rounds/globalModel.ts";
import type { SlotContribution } from "../rounds/slotContribution.ts";
import { decodeResidual, decodeUpdate, type DecodedUpdate } from "../rounds/updateEncoding.ts";

/** Parameters of the fetches below: a store connected to the job's keepers, and a bound per block. */
export type RoundFetchParameters = { store: ContentStore; signal: AbortSignal };

/**
 * The block whose SHA-256 is `digest`, from the connected peers (the store checks the hash).
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` (no peer serves it within `signal`: its committer is the one to dispute).
 * @example
 * const bytes = await fetchBlock({ store, signal }, commitment, "slot 2's masked input");
 */
export async function fetchBlock({ store, signal }: RoundFetchParameters, digest: Hex, what: string): Promise<Uint8Array> {
  const cid = rawDigestCid(digest);
  try {
    return await store.get(cid, { signal });
  } catch (cause) {
    throw new VeritrainError(`${what} ${cid} was not served by any connected peer`, { code: "RESULT_NOT_FOUND", details: { cid: cid.toString(), digest }, cause });
  }
}

function contradicts(what: string, rule: string, cause?: unknown): VeritrainError {
  return new VeritrainError(`${what} contradicts its on-chain commitment: ${rule}`, { code: "RESULT_INVALID", details: { rule }, cause });
}

/**
 * Stores a slot's update blob (and residual blob) and pins them: the provider serves them through
 * the round's challenge window.
 *
 * @example
 * await publishContribution(store, contribution);
 */
export async function publishContribution(store: ContentStore, contribution: SlotContribution): Promise<void> {
  for (const bytes of [contribution.updateBytes, contribution.residualBytes]) {
    if (bytes !== undefined) await store.pin(await store.put(bytes));
  }
}

/** Parameters of {@link fetchUpdate}. */
export type FetchUpdateParameters = RoundFetchParameters & { commitment: Hex; round: number; slot: number; size: number };

/**
 * The update slot `slot` committed for round `round`, fetched by its commitment (the blob's
 * SHA-256) and decoded; a blob for another round, slot or model size, or one that breaks the
 * layout, contradicts the commitment.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID` (both condemn the slot: `condemnsResult`).
 */
export async function fetchUpdate(parameters: FetchUpdateParameters): Promise<DecodedUpdate> {
  const { commitment, round, slot, size } = parameters;
  const what = `round ${round} slot ${slot}'s update`;
  const bytes = await fetchBlock(parameters, commitment, what);
  let update: DecodedUpdate;
  try {
    update = decodeUpdate(bytes);
  } catch (cause) {
    throw contradicts(what, "not a valid update blob", cause);
  }
  if (update.round !== round || update.slot !== slot || update.values.length !== size) {
    throw contradicts(what, `blob is for round ${update.round}, slot ${update.slot}, ${update.values.length} parameters`);
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
 * Stores and pins the global model after `round` rounds; returns the digest to post.
 *
 * @example
 * const digest = await publishGlobalModel(store, { round: 1, params });
 */
export async function publishGlobalModel(store: ContentStore, model: GlobalModel): Promise<Hex> {
  const bytes = encodeGlobalModel(model);
  await store.pin(await store.put(bytes));
  return globalModelDigest(bytes);
}

/**
 * The global model an aggregator posted (digest = its blob's SHA-256) for the end of round
 * `round − 1`, checked to be that round's and to carry the outer momentum iff `momentum`.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID`.
 */
export async function fetchGlobalModel(parameters: RoundFetchParameters & { digest: Hex; round: number; size: number; momentum: boolean }): Promise<GlobalModel> {
  const { digest, round, size, momentum } = parameters;
  const what = `the global model after round ${round - 1}`;
  const bytes = await fetchBlock(parameters, digest, what);
  try {
    const model = decodeGlobalModel(bytes);
    if (model.round !== round || model.params.length !== size) throw new Error(`blob is for round ${model.round} with ${model.params.length} parameters`);
    if ((model.momentum !== undefined) !== momentum) throw new Error(`blob ${momentum ? "lacks" : "carries"} the outer momentum`);
    return model;
  } catch (cause) {
    throw contradicts(what, "not this round's global model", cause);
  }
}
