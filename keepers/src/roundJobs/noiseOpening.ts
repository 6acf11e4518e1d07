import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { bytesToHex, hexToBytes, zeroHash, type Address, type Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { readEvents } from "../chain/readEvents.ts";
import { getBlob, putBlob } from "../content/chunkedBlob.ts";
import type { ContentStore } from "../content/contentStore.ts";
import { VeritrainError } from "../errors.ts";
import { DisputeStatus } from "../jobs/jobOnChain.ts";
import { poissonBatch } from "../privacy/dpSgd.ts";
import { decodeGridSums, encodeGridSums, withinClippingBound } from "../privacy/gridSums.ts";
import { openGridSums, openOpening, sealGridSums, sealOpening, usableOpeningKey, type OpeningContext, type OpeningRecipient, type OpeningSecret } from "../privacy/openingEnvelopes.ts";
import { retry } from "../runtime/retry.ts";
import type { ImageSet } from "../training/mnist.ts";
import { localUpdate } from "../rounds/localUpdate.ts";
import { replayPrivateUpdate } from "../rounds/privateUpdateReplay.ts";
import { encodeContribution } from "../rounds/slotContribution.ts";
import type { PreparedRoundJob } from "../rounds/preparedRoundJob.ts";
import { readNoiseSeedOpening, noiseSeedCommitment } from "./ownerCommitments.ts";
import { globalModelAt, residualBefore, type RoundInputParameters } from "./roundInputs.ts";

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
  log: Logger;
  signal: AbortSignal;
};

/**
 * Opens the owner's noise seed of the disputed round to the dispute's committee, once drawn: its seed, salt and (its
 * update being in the clear) the round's grid sums — recomputed by training the round again from the seed, bit for
 * bit — encrypted once into the content store, their key and the seed sealed to each member that registered an opening
 * key (`sealOpening`; a member whose key cannot receive one, `usableOpeningKey`, is left out), posted on the ledger
 * (`openNoiseSeed`). Does nothing without the opening on disk (the keeper never committed that round) or when no member
 * registered a usable key.
 *
 * @example
 * await openNoiseSeed({ chain, store, dataDir, disputeId, jobId, roundSlot: dispute.checkpointIndex, job, set, threads: 2, bounded, pollMs: 1000, log, signal });
 */
export async function openNoiseSeed(parameters: OpenNoiseSeedParameters): Promise<void> {
  const { chain, store, dataDir, disputeId, jobId, roundSlot, job, set, threads, bounded, pollMs, log, signal } = parameters;
  const round = Number(roundSlot >> 8n);
  const slot = Number(roundSlot & 255n);
  const context = { disputeId: disputeId.toString(), jobId: jobId.toString(), round, slot };
  const opening = readNoiseSeedOpening(dataDir, jobId, round);
  if (opening === undefined) {
    log.warn(context, "noise seed not opened: this keeper holds no opening of the round");
    return;
  }
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
    log.warn({ ...context, members: members.length }, "noise seed not opened: no member of the committee registered an opening key");
    return;
  }
  const sealedTo = await openingContext(chain, jobId, round, slot);
  const secret: OpeningSecret = { ...opening, sumsKey: new Uint8Array(randomBytes(32)) };
  let sumsDigest: Hex = zeroHash;
  if (job.config.privateData?.secureAggregation === undefined) {
    const inputs = { chain, store, job, jobId, round, bounded };
    const global = (await globalModelAt(inputs)).params;
    const sums: Float64Array[] = [];
    const update = await localUpdate({ job, set, round, global, threads, signal, noiseSeed: opening.seed, onGridSum: (_, sum) => void sums.push(Float64Array.from(sum)) });
    const committed = await chain.contracts.RoundJobRegistry.read.commitmentOf([jobId, round, slot]);
    if (encodeContribution({ job, slot, round, update, residual: await residualBefore({ ...inputs, slot }) }).digest !== committed) {
      log.error(context, "the committed update is not what this keeper's seed and examples give: opened anyway");
    }
    sumsDigest = await putBlob(store, sealGridSums(sealedTo, secret.sumsKey, encodeGridSums({ firstStep: round * job.config.localSteps, sums })), { signal });
  }
  const envelopes = sealOpening({ context: sealedTo, secret, sumsDigest, recipients });
  await chain.send(() => SecureAggregationLedger.write.openNoiseSeed([jobId, round, bytesToHex(envelopes)]));
  log.info({ ...context, members: recipients.length, bytes: envelopes.length, sums: sumsDigest }, "noise seed opened to the committee");
}

/** Parameters of {@link checkNoiseOpening}. */
export type CheckNoiseOpeningParameters = RoundInputParameters & {
  slot: number;
  /** The slot's committed update (its digest on RoundJobRegistry). */
  committed: Hex;
  holder: OpeningKeyHolder;
  /** How long to wait for an opening sealed to `holder` (ms), polling every `pollMs`. */
  waitMs: number;
  pollMs: number;
  signal: AbortSignal;
};

/**
 * A committee member's check of a data owner's noise-seed opening of a round: why the owner is wrong, or undefined if
 * an opening sealed to this member checks. Waits up to `waitMs` for one. An opening checks if the seed and salt open
 * the owner's on-chain commitment and — its update being in the clear — its grid sums decrypt, each step's sum is
 * within the clipping bound of the step's Poisson batch (drawn from the seed), and the optimizer replayed from them
 * with the seed's noise gives the committed update bit for bit (`replayPrivateUpdate`). Under secure aggregation the
 * input is masked: only the commitment is checked. Sums not served within the bound condemn too: serving its
 * opening through the dispute is the owner's duty.
 *
 * @example
 * const wrong = await checkNoiseOpening({ ...inputs, slot: 2, committed, holder, waitMs: 600_000, pollMs: 1_000, signal });
 */
export async function checkNoiseOpening(parameters: CheckNoiseOpeningParameters): Promise<string | undefined> {
  const { chain, jobId, round, slot, holder, waitMs, pollMs, signal } = parameters;
  const context = await openingContext(chain, jobId, round, slot);
  const deadline = Date.now() + waitMs;
  const sealedToMe = async () => {
    const events = await readEvents({ chain, contract: chain.contracts.SecureAggregationLedger, eventName: "NoiseSeedOpened", args: { jobId, round, slot } });
    const reasons: string[] = [];
    for (const event of events.reverse()) {
      try {
        const opened = openOpening({ context, envelopes: hexToBytes(event.args.envelopes), account: holder.account, secretKey: holder.secretKey });
        if (opened !== undefined) reasons.push((await openingFault(parameters, context, opened)) ?? "");
      } catch (error) {
        if (!(error instanceof VeritrainError && error.code === "NOISE_OPENING_INVALID")) throw error;
        reasons.push(error.message);
      }
    }
    if (reasons.includes("")) return "";
    if (reasons.length > 0 || Date.now() >= deadline) return reasons[0] ?? `slot ${slot} did not open its round-${round} noise seed to this member within ${Math.round(waitMs / 1000)} s`;
    throw new VeritrainError("no opening yet", { code: "NOT_YET" });
  };
  const reason = await retry(sealedToMe, { attempts: Infinity, delayMs: pollMs, backoff: 1, signal, shouldRetry: notYet });
  return reason === "" ? undefined : reason;
}

/** What is wrong with an opening this member opened, or undefined if it checks. */
async function openingFault(parameters: CheckNoiseOpeningParameters, context: OpeningContext, { secret, sumsDigest }: { secret: OpeningSecret; sumsDigest: Hex }): Promise<string | undefined> {
  const { chain, store, job, jobId, round, slot, committed, bounded, signal } = parameters;
  const [, commitment] = await chain.contracts.SecureAggregationLedger.read.ownerCommitmentOf([jobId, round, slot]);
  if ((await noiseSeedCommitment({ chain, jobId, round }, slot, secret)) !== commitment) return `slot ${slot}'s opened noise seed and salt do not open its round-${round} commitment ${commitment}`;
  if (job.config.privateData?.secureAggregation !== undefined) return undefined;
  if (sumsDigest === zeroHash) return `slot ${slot}'s opening holds no grid sums, and its update is in the clear`;
  let sealed: Uint8Array;
  try {
    sealed = await getBlob(store, sumsDigest, { signal: bounded() });
  } catch (cause) {
    signal.throwIfAborted();
    return `slot ${slot}'s opened grid sums ${sumsDigest} were not served: ${(cause as Error).message}`;
  }
  const gridSums = decodeGridSums(openGridSums(context, secret.sumsKey, sealed));
  const { step: config, privateData } = job.config;
  for (const [t, sum] of gridSums.sums.entries()) {
    const step = gridSums.firstStep + t;
    const examples = poissonBatch({ seed: secret.seed, step, examples: privateData!.examples, batchSize: config.batchSize }).length;
    if (sum.length === job.model.params.length && !withinClippingBound({ sum, examples, clipNorm: config.privacy!.clipNorm })) {
      return `slot ${slot}'s grid sum of step ${step} exceeds the clipping bound of its ${examples} sampled examples: its update is not DP-SGD's with the committed noise`;
    }
  }
  const inputs = { chain, store, job, jobId, round, bounded };
  const update = replayPrivateUpdate({ job, round, global: (await globalModelAt(inputs)).params, seed: secret.seed, gridSums });
  const replayed = encodeContribution({ job, slot, round, update, residual: await residualBefore({ ...inputs, slot }) }).digest;
  return replayed === committed ? undefined : `slot ${slot}'s update replayed from its opened grid sums and noise seed is ${replayed}, it committed ${committed}`;
}
