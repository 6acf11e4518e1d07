import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { bytesToHex, hexToBytes, zeroHash, type Address, type Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { readEvents } from "../chain/readEvents.ts";
import { getBlob, putBlob } from "../content/chunkedBlob.ts";
import type { ContentStore } from "../content/contentStore.ts";
import { VeritrainError } from "../errors.ts";
import { DisputeStatus } from "../jobs/jobOnChain.ts";
import { binary64Rational, poissonBatch, PrivateGradient } from "../privacy/dpSgd.ts";
import { decodeGridSums, encodeGridSums, gridSumsBytes, leavesNoise, NOISE_CORRELATION_BOUND, withinClippingBound } from "../privacy/gridSums.ts";
import { openGridSums, openOpening, SEAL_TAG_BYTES, sealGridSums, sealOpening, usableOpeningKey, type OpeningContext, type OpeningRecipient, type OpeningSecret } from "../privacy/openingEnvelopes.ts";
import { retry } from "../runtime/retry.ts";
import type { ImageSet } from "../training/mnist.ts";
import { localUpdate } from "../rounds/localUpdate.ts";
import { replayPrivateUpdate } from "../rounds/privateUpdateReplay.ts";
import { encodeContribution } from "../rounds/slotContribution.ts";
import type { PreparedRoundJob } from "../rounds/preparedRoundJob.ts";
import { readNoiseSeedOpening, noiseSeedCommitment } from "./ownerCommitments.ts";
import { globalModelAt, residualBefore, ROUND_FETCH_TIMEOUT_MS, type RoundInputParameters } from "./roundInputs.ts";

// A data owner's noise seed opened to the committee of a dispute of its slot, and the committee's check of it
// (docs/distributed-training.md, "Noise-seed openings").

const notYet = (error: unknown) => error instanceof VeritrainError && error.code === "NOT_YET";

/** A validator's X25519 opening key: the secret half, and the account it is registered for on the ledger. */
export type OpeningKeyHolder = { account: Address; secretKey: Uint8Array };

async function openingContext(chain: ProtocolConnection, jobId: bigint, round: number, slot: number): Promise<OpeningContext> {
  return { chainId: BigInt(await chain.publicClient.getChainId()), ledger: chain.contracts.SecureAggregationLedger.address, jobId, round, slot };
}

/** Parameters of {@link openNoiseSeed}. */
export type OpenNoiseSeedParameters = {
  chain: ProtocolConnection;
  store: ContentStore;
  dataDir: string;
  /** The open committee dispute of the owner's slot, and its subject (round << 8 | slot). */
  disputeId: bigint;
  jobId: bigint;
  roundSlot: bigint;
  job: PreparedRoundJob;
  /** The owner's examples. */
  set: ImageSet;
  threads: number;
  bounded: () => AbortSignal;
  pollMs: number;
  /** Devnet fault demo (`falseNoiseSlot`): open even when the committed update is not what the seed gives. */
  openMismatched?: boolean;
  log: Logger;
  signal: AbortSignal;
};

/**
 * Opens the owner's noise seed of the disputed round to the dispute's committee (its update being in the clear: under
 * secure aggregation nothing is opened, the masked input cannot be tied to the seed). First the round's grid sums,
 * recomputed by training the round again from the seed (bit for bit the same run), while the committee is drawn; an
 * update the recomputation does not give back is not opened (the owner would lose anyway, and the members would learn
 * its sums). Then the sums encrypted once into the content store, their key, the seed and the salt sealed to each
 * member whose opening key can receive them (`sealOpening`, `usableOpeningKey`), posted on the ledger
 * (`openNoiseSeed`). Does nothing without the opening on disk (the keeper never committed that round) or when no
 * member registered a usable key.
 *
 * @example
 * await openNoiseSeed({ chain, store, dataDir, disputeId, jobId, roundSlot: dispute.checkpointIndex, job, set, threads: 2, bounded, pollMs: 1000, log, signal });
 */
export async function openNoiseSeed(parameters: OpenNoiseSeedParameters): Promise<void> {
  const { chain, store, dataDir, disputeId, jobId, roundSlot, job, set, threads, bounded, pollMs, openMismatched, log, signal } = parameters;
  const round = Number(roundSlot >> 8n);
  const slot = Number(roundSlot & 255n);
  const context = { disputeId: disputeId.toString(), jobId: jobId.toString(), round, slot };
  const opening = readNoiseSeedOpening(dataDir, jobId, round);
  if (opening === undefined || job.config.privateData?.secureAggregation !== undefined) {
    log.warn(context, opening === undefined ? "noise seed not opened: this keeper holds no opening of the round" : "noise seed not opened: under secure aggregation no committee asks for it");
    return;
  }
  const inputs = { chain, store, job, jobId, round, bounded };
  const global = (await globalModelAt(inputs)).params;
  const sums: Float64Array[] = [];
  const update = await localUpdate({ job, set, round, global, threads, signal, noiseSeed: opening.seed, onGridSum: (_, sum) => void sums.push(Float64Array.from(sum)) });
  const committed = await chain.contracts.RoundJobRegistry.read.commitmentOf([jobId, round, slot]);
  if (encodeContribution({ job, slot, round, update, residual: await residualBefore({ ...inputs, slot }) }).digest !== committed) {
    log.error(context, `the committed update is not what this keeper's seed and examples give: ${openMismatched === true ? "opened anyway" : "noise seed not opened"}`);
    if (openMismatched !== true) return;
  }
  const sealedTo = await openingContext(chain, jobId, round, slot);
  const secret: OpeningSecret = { ...opening, sumsKey: new Uint8Array(randomBytes(32)) };
  const sumsDigest = await putBlob(store, sealGridSums(sealedTo, secret.sumsKey, encodeGridSums({ firstStep: round * job.config.localSteps, sums })), { signal });
  const { Disputes, SecureAggregationLedger, ValidatorCommittee } = chain.contracts;
  const members = await retry(async () => {
    const drawn = await ValidatorCommittee.read.committeeOf([disputeId]);
    if (drawn.length > 0) return drawn;
    if ((await Disputes.read.getDispute([disputeId])).status !== DisputeStatus.Open) return [];
    throw new VeritrainError("committee not drawn yet", { code: "NOT_YET" });
  }, { attempts: Infinity, delayMs: pollMs, backoff: 1, signal, shouldRetry: notYet });
  const recipients: OpeningRecipient[] = [];
  for (const account of members) {
    const key = hexToBytes(await SecureAggregationLedger.read.openingKeyOf([account]));
    if (usableOpeningKey(key)) recipients.push({ account, key });
  }
  if (recipients.length === 0) {
    log.warn({ ...context, members: members.length }, "noise seed not opened: no member of the committee registered a usable opening key");
    return;
  }
  const envelopes = sealOpening({ context: sealedTo, secret, sumsDigest, recipients });
  await chain.send(() => SecureAggregationLedger.write.openNoiseSeed([jobId, round, bytesToHex(envelopes)]));
  log.info({ ...context, members: recipients.length, bytes: envelopes.length, sums: sumsDigest }, "noise seed opened to the committee");
}

/** Parameters of {@link checkNoiseOpening}. */
export type CheckNoiseOpeningParameters = RoundInputParameters & {
  slot: number;
  /** The dispute of the slot this member judges: its committee's draw is when the member's key must have been known. */
  disputeId: bigint;
  /** The slot's committed update (its digest on RoundJobRegistry). */
  committed: Hex;
  holder: OpeningKeyHolder;
  /** How long to wait for an opening sealed to `holder` (ms), polling every `pollMs`. */
  waitMs: number;
  pollMs: number;
  signal: AbortSignal;
};

/** A member's finding on an opening: the owner wrong, or no finding (abstain), each with its reason; undefined: it checks. */
export type OpeningFinding = { wrong: true; reason: string } | { abstain: true; reason: string } | undefined;

/**
 * A committee member's check of a data owner's noise-seed opening of a round whose update is in the clear. A member
 * whose opening key was registered at or after the committee's draw abstains (the owner, reading the keys of the
 * members drawn, need not have known it). Otherwise it waits up to `waitMs` for an opening posted since the draw with
 * an entry for it and judges the newest such one: it checks if the seed and salt open the owner's on-chain commitment,
 * its grid sums are served (bounded by what is left of the wait, and to the round's exact length), decrypt, each step's
 * sum is within the clipping bound of the step's Poisson batch (drawn from the seed) and is not anti-correlated with
 * the step's noise (`leavesNoise`), and the optimizer replayed from them with the seed's noise gives the committed
 * update bit for bit (`replayPrivateUpdate`). Anything else makes the owner wrong — an entry that does not open under
 * this member's key, or no opening for it by the end of the wait.
 *
 * @example
 * const finding = await checkNoiseOpening({ ...inputs, slot: 2, disputeId, committed, holder, waitMs: 600_000, pollMs: 5_000, signal });
 */
export async function checkNoiseOpening(parameters: CheckNoiseOpeningParameters): Promise<OpeningFinding> {
  const { chain, jobId, round, slot, disputeId, holder, waitMs, pollMs, signal } = parameters;
  const { SecureAggregationLedger, ValidatorCommittee } = chain.contracts;
  const context = await openingContext(chain, jobId, round, slot);
  const deadline = Date.now() + waitMs;
  const [drawn] = await readEvents({ chain, contract: ValidatorCommittee, eventName: "CommitteeDrawn", args: { disputeId } });
  const keySet = (await readEvents({ chain, contract: SecureAggregationLedger, eventName: "OpeningKeySet", args: { account: holder.account } })).at(-1);
  if (drawn === undefined || keySet === undefined || keySet.blockNumber >= drawn.blockNumber) {
    return { abstain: true, reason: `this member's opening key was not registered before dispute ${disputeId}'s committee was drawn: slot ${slot} need not have sealed its opening to it` };
  }
  const judged = async (): Promise<OpeningFinding> => {
    const openings = await readEvents({ chain, contract: SecureAggregationLedger, eventName: "NoiseSeedOpened", args: { jobId, round, slot }, fromBlock: drawn.blockNumber });
    for (const event of openings.reverse()) {
      let opened;
      try {
        opened = openOpening({ context, envelopes: hexToBytes(event.args.envelopes), account: holder.account, secretKey: holder.secretKey });
      } catch (error) {
        if (!(error instanceof VeritrainError && error.code === "NOISE_OPENING_INVALID")) throw error;
        return { wrong: true, reason: `slot ${slot}'s ${error.message}` };
      }
      if (opened !== undefined) return openingFault({ ...parameters, deadline }, context, opened);
    }
    if (Date.now() >= deadline) return { wrong: true, reason: `slot ${slot} did not open its round-${round} noise seed to this member within ${Math.round(waitMs / 1000)} s of the draw` };
    throw new VeritrainError("no opening yet", { code: "NOT_YET" });
  };
  return retry(judged, { attempts: Infinity, delayMs: pollMs, backoff: 1, signal, shouldRetry: notYet });
}

/** Why an opening this member opened makes the owner wrong, or undefined if it checks. */
async function openingFault(parameters: CheckNoiseOpeningParameters & { deadline: number }, context: OpeningContext, { secret, sumsDigest }: { secret: OpeningSecret; sumsDigest: Hex }): Promise<OpeningFinding> {
  const { chain, store, job, jobId, round, slot, committed, bounded, deadline, signal } = parameters;
  const wrong = (reason: string): OpeningFinding => ({ wrong: true, reason: `slot ${slot}'s ${reason}` });
  const [, commitment] = await chain.contracts.SecureAggregationLedger.read.ownerCommitmentOf([jobId, round, slot]);
  if ((await noiseSeedCommitment({ chain, jobId, round }, slot, secret)) !== commitment) return wrong(`opened noise seed and salt do not open its round-${round} commitment ${commitment}`);
  if (sumsDigest === zeroHash) return wrong("opening holds no grid sums, and its update is in the clear");
  const { step: config, privateData, localSteps } = job.config;
  const size = job.model.params.length;
  const expected = { firstStep: round * localSteps, steps: localSteps, size };
  let sealed: Uint8Array;
  try {
    const bound = AbortSignal.any([signal, AbortSignal.timeout(Math.max(deadline - Date.now(), ROUND_FETCH_TIMEOUT_MS))]);
    sealed = await getBlob(store, sumsDigest, { signal: bound, length: gridSumsBytes(localSteps, size) + SEAL_TAG_BYTES });
  } catch (cause) {
    signal.throwIfAborted();
    return wrong(`opened grid sums ${sumsDigest} were not served whole: ${(cause as Error).message}`);
  }
  let gridSums;
  try {
    gridSums = decodeGridSums(openGridSums(context, secret.sumsKey, sealed), expected);
  } catch (error) {
    if (!(error instanceof VeritrainError && error.code === "NOISE_OPENING_INVALID")) throw error;
    return wrong(error.message);
  }
  const privacy = config.privacy!;
  const gradient = new PrivateGradient({ config: privacy, size, batchSize: config.batchSize });
  const noiseMultiplier = binary64Rational(privacy.noiseMultiplier);
  for (const [t, sum] of gridSums.sums.entries()) {
    const step = expected.firstStep + t;
    const examples = poissonBatch({ seed: secret.seed, step, examples: privateData!.examples, batchSize: config.batchSize }).length;
    if (!withinClippingBound({ sum, examples, clipNorm: privacy.clipNorm })) {
      return wrong(`grid sum of step ${step} exceeds the clipping bound of its ${examples} sampled examples: its update is not DP-SGD's with the committed noise`);
    }
    if (!leavesNoise({ sum, noise: gradient.noiseGrid({ seed: secret.seed, step }), noiseMultiplier, clipNorm: privacy.clipNorm })) {
      return wrong(`grid sum of step ${step} cancels the step's noise (⟨S, z⟩ more than ${NOISE_CORRELATION_BOUND} standard deviations below 0): its update does not carry the committed noise`);
    }
  }
  const inputs = { chain, store, job, jobId, round, bounded };
  const update = replayPrivateUpdate({ job, round, global: (await globalModelAt(inputs)).params, seed: secret.seed, gridSums });
  const replayed = encodeContribution({ job, slot, round, update, residual: await residualBefore({ ...inputs, slot }) }).digest;
  return replayed === committed ? undefined : wrong(`update replayed from its opened grid sums and noise seed is ${replayed}, it committed ${committed}`);
}
