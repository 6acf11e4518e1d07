import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { isAddressEqual, zeroHash } from "viem";
import { followEvents } from "../chain/followEvents.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { VeritrainError } from "../errors.ts";
import { chainTime, DisputeRegistry, DisputeStatus, RESULT_DISPUTE } from "../jobs/jobOnChain.ts";
import { loadJob } from "../jobs/loadJob.ts";
import { checkServed, condemnsResult, fetchResult } from "../jobs/resultManifest.ts";
import type { RoleHealth } from "../runtime/roleHealth.ts";
import { loadRoundJob } from "../roundJobs/loadRoundJob.ts";
import { fetchBound } from "../roundJobs/roundInputs.ts";
import { AGGREGATE_SLOT } from "../roundJobs/roundJobStatus.ts";
import type { OpeningKeyHolder } from "../roundJobs/noiseOpening.ts";
import { committeeVerdict, judgeAggregate, judgeSlot, type RoundJudgementParameters } from "../roundJobs/roundJudgement.ts";
import { decideVerdict, type Verdict } from "./decideVerdict.ts";
import { retry } from "../runtime/retry.ts";
import { ensureOpeningKey } from "./openingKey.ts";
import type { VerdictReceipt, VerdictSubmission } from "./verdictRelay.ts";
import { verdictTypedData } from "./verdictTypedData.ts";

/** Parameters of {@link runValidatorRole}. */
export type ValidatorRoleParameters = {
  chain: ProtocolConnection;
  /** A listening store connected to the providers whose results are disputed. */
  store: HeliaContentStore;
  dataDir: string;
  /** Base URL of the verdict relay (`veritrain relay`). */
  relayUrl: string;
  threads: number;
  log: Logger;
  signal: AbortSignal;
  /** Served at `/healthz`: the loop's cursor, dead letters and the disputes being judged. */
  health?: RoleHealth;
  confirmations?: number;
  pollMs?: number;
  attempts?: number;
  /** Bound of each fetch of a distributed job's round blobs (global models, updates, residuals; ms): one not served within it counts as withheld. @default 30,000 */
  fetchTimeoutMs?: number;
  /**
   * How long to wait for a data owner's noise-seed opening sealed to this validator (ms). @default 10 min, or half the
   * time the dispute had left to its verdict deadline when the validator started judging it if that is less
   */
  openingWaitMs?: number;
};

/**
 * The longest a validator waits for a noise-seed opening by default: the owner retrains its round while the committee is
 * drawn, so its opening follows the draw by seconds to minutes; a bound keeps a dispute nobody opens from holding the
 * validator's one judging task for hours.
 */
const OPENING_WAIT_MS = 600_000;

/** Tasks of the validator are `dispute-<disputeId>`: judge it, sign and post the verdict. */
const TASK_PREFIX = "dispute-";

/**
 * The validator. First registers its opening key ({@link ensureOpeningKey}: data owners open their noise seeds to
 * it). Follows `CommitteeDrawn` from a persisted cursor ({@link followEvents}); for
 * each committee it sits on it starts the task `dispute-<id>` ({@link judgeDispute}, beside the
 * event loop, one at a time, resumed after a restart): while the dispute is open, fetch the job
 * and the provider's published result, re-execute the disputed segment ({@link decideVerdict}),
 * sign the EIP-712 verdict and post it to the relay. A result whose published data contradicts its on-chain commitment, or that no
 * connected peer serves within 30 s per block ({@link condemnsResult}), is a verdict against the
 * provider: keeping it available through the window is the provider's duty. A dispute of the result as published
 * (`RESULT_DISPUTE`, drawn a committee only on a job that commits no program) is decided by that alone, nothing
 * re-executed. A data owner's slot of a private-data job with DP-SGD is judged on its noise-seed opening to this
 * member too (`checkNoiseOpening`).
 * Signing twice is harmless: the relay counts a member once.
 *
 * @example
 * await runValidatorRole({ chain, store, dataDir, relayUrl: "http://127.0.0.1:8547", threads: 1, log, signal });
 */
export async function runValidatorRole(parameters: ValidatorRoleParameters): Promise<void> {
  const { chain, dataDir, log, signal, health, confirmations, pollMs, attempts } = parameters;
  const committee = chain.contracts.ValidatorCommittee;
  // Registered before any committee is judged; through an outage as every chain read of the role is.
  const holder = await retry(() => ensureOpeningKey({ chain, dataDir, log }), {
    attempts: Infinity, maxDelayMs: 5_000, signal, shouldRetry: (error) => !(error instanceof VeritrainError && error.code === "OPENING_KEY_INVALID"),
    onRetry: (err, attempt) => log.warn({ err, attempt }, "opening key not checked on-chain yet; retrying"),
  });
  await followEvents({
    chain,
    address: [committee.address],
    abi: committee.abi,
    eventName: ["CommitteeDrawn"],
    role: "validator",
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    handle: async (event, tasks) => {
      if (event.args.members.some((member) => isAddressEqual(member, chain.account.address))) tasks.start(`${TASK_PREFIX}${event.args.disputeId}`);
    },
    runTask: async (task, signal) => void (await judgeDispute({ ...parameters, signal }, BigInt(task.slice(TASK_PREFIX.length)), holder)),
  });
}

type VerdictInputs = Pick<ValidatorRoleParameters, "chain" | "store" | "threads" | "log" | "signal"> & { jobId: bigint };

/**
 * A single-provider job's dispute: re-execute the disputed segment of the published result; a dispute of the result as
 * published (`RESULT_DISPUTE`) asks only whether it is served and matches its commitment.
 */
async function decideJobVerdict({ chain, store, jobId, checkpointIndex, threads, log, signal }: VerdictInputs & { checkpointIndex: bigint }): Promise<Verdict> {
  const { onChain, prepared } = await loadJob({ chain, store, jobId, log, signal });
  try {
    const result = await fetchResult({ store, jobId, onChain, job: prepared, bounded: () => AbortSignal.any([signal, AbortSignal.timeout(30_000)]) });
    if (checkpointIndex === RESULT_DISPUTE) {
      await checkServed(result);
      return { providerWrong: false, reason: "the result is served and matches its on-chain commitment" };
    }
    return await decideVerdict({ job: prepared, result, checkpointIndex, threads, signal });
  } catch (error) {
    if (!condemnsResult(error, signal)) throw error;
    return { providerWrong: true, reason: error.message };
  }
}

/**
 * A round job's dispute (subject = round << 8 | slot, slot 255 the aggregate): re-execute that slot, or recompute the
 * aggregate; a data owner's slot is judged on what it serves and on its noise-seed opening to this member (`opening`);
 * a blob not served is not the committee's to condemn (`committeeVerdict`).
 */
async function decideRoundVerdict({ chain, store, jobId, subject, threads, fetchTimeoutMs, opening, log, signal }: VerdictInputs & { subject: bigint; fetchTimeoutMs?: number; opening: NonNullable<RoundJudgementParameters["opening"]> }): Promise<Verdict> {
  const round = Number(subject >> 8n);
  const slot = Number(subject & 0xffn);
  const { onChain, prepared: job } = await loadRoundJob({ chain, store, jobId, log, signal });
  const inputs = { chain, store, job, jobId, round, threads, signal, bounded: fetchBound(signal, fetchTimeoutMs) };
  return committeeVerdict(slot === AGGREGATE_SLOT ? await judgeAggregate({ ...inputs, onChain }) : await judgeSlot({ ...inputs, slot, opening }));
}

/**
 * Waits until the force period of a dispute that can become a game (a checkpoint of a job that committed a program) is over (no
 * verdict counts before: docs/dispute-game.md §5) and tells whether the dispute is still open to a verdict. The wait
 * is measured from the latest block's time, which never runs ahead of the next block's, so it ends no earlier than
 * the chain's deadline.
 */
async function awaitForcePeriod(chain: ProtocolConnection, disputeId: bigint, { registry, jobId, checkpointIndex, verdictDeadline }: { registry: number; jobId: bigint; checkpointIndex: bigint; verdictDeadline: number }, signal: AbortSignal): Promise<boolean> {
  const { Disputes, JobRegistry } = chain.contracts;
  if (registry !== DisputeRegistry.Jobs || checkpointIndex === RESULT_DISPUTE || (await JobRegistry.read.programOf([jobId])) === zeroHash) return true;
  const forceDeadline = BigInt(verdictDeadline) - BigInt(await Disputes.read.verdictPeriod()) + BigInt(await Disputes.read.forcePeriod());
  const remaining = forceDeadline - (await chainTime(chain));
  if (remaining > 0n) await sleep(Number(remaining) * 1000, undefined, { signal });
  return (await Disputes.read.getDispute([disputeId])).status === DisputeStatus.Open;
}

/** Decides dispute `disputeId`, signs and posts the verdict; returns the relay's receipt (undefined if the dispute is closed). */
export async function judgeDispute({ chain, store, relayUrl, threads, fetchTimeoutMs, openingWaitMs, pollMs, log, signal }: ValidatorRoleParameters, disputeId: bigint, holder: OpeningKeyHolder): Promise<VerdictReceipt | undefined> {
  const context = { disputeId: disputeId.toString() };
  const dispute = await chain.contracts.Disputes.read.getDispute([disputeId]);
  if (dispute.status !== DisputeStatus.Open || (await chainTime(chain)) >= dispute.verdictDeadline) {
    log.info({ ...context, status: dispute.status }, "dispute skipped: not open");
    return undefined;
  }
  const verdict = dispute.registry === DisputeRegistry.RoundJobs
    ? await decideRoundVerdict({
      chain, store, jobId: dispute.jobId, subject: dispute.checkpointIndex, threads, fetchTimeoutMs, log, signal,
      opening: { holder, disputeId, waitMs: openingWaitMs ?? Math.min(OPENING_WAIT_MS, Number(BigInt(dispute.verdictDeadline) - (await chainTime(chain))) * 500), pollMs: pollMs ?? 5_000 },
    })
    : await decideJobVerdict({ chain, store, jobId: dispute.jobId, checkpointIndex: dispute.checkpointIndex, threads, log, signal });
  log.info({ ...context, jobId: dispute.jobId.toString(), checkpointIndex: dispute.checkpointIndex.toString(), ...verdict }, "verdict decided");
  if (verdict.abstain === true) {
    log.warn(context, "no verdict signed: this member cannot judge the dispute");
    return undefined;
  }
  if (!(await awaitForcePeriod(chain, disputeId, dispute, signal))) {
    log.info(context, "dispute skipped: its provider turned it into a game");
    return undefined;
  }
  const signature = await chain.account.signTypedData(
    verdictTypedData({ chainId: await chain.publicClient.getChainId(), disputes: chain.contracts.Disputes.address, disputeId, providerWrong: verdict.providerWrong }),
  );
  const submission: VerdictSubmission = { disputeId: disputeId.toString(), providerWrong: verdict.providerWrong, signature };
  const response = await fetch(`${relayUrl}/verdicts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(submission),
    signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
  });
  const body = (await response.json()) as VerdictReceipt & { error?: string };
  if (!response.ok) {
    throw new VeritrainError(`verdict relay refused the signature: ${body.error}`, { code: "RELAY_REJECTED", details: { status: response.status, ...context } });
  }
  log.info({ ...context, ...body }, "verdict posted");
  return body as VerdictReceipt;
}
