import { parseEventLogs, type TransactionReceipt } from "viem";
import { approveThenSend } from "../chain/approveThenSend.ts";
import { explainReverts } from "../chain/describeRevert.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { requireFunds } from "../chain/requireFunds.ts";
import { signPermit } from "../chain/signPermit.ts";
import { VeritrainError } from "../errors.ts";

/** JobRegistry's `JobStatus`, by name. */
export const JobStatus = { None: 0, Bidding: 1, Assigned: 2, Submitted: 3, Disputed: 4, Finalized: 5, Cancelled: 6, Failed: 7 } as const;

/** The status names, indexed by status number. */
export const JOB_STATUS_NAMES = Object.keys(JobStatus) as (keyof typeof JobStatus)[];

/** Disputes' `DisputeStatus`, by name. */
export const DisputeStatus = { None: 0, Open: 1, ProviderWrong: 2, ChallengerWrong: 3, Expired: 4, NoCommittee: 5, InGame: 6 } as const;

/** Disputes' `DisputeRegistry`: where a dispute's job lives. */
export const DisputeRegistry = { Jobs: 0, RoundJobs: 1 } as const;

/** Disputes' `RESULT_DISPUTE`: the `checkpointIndex` of a dispute of a result as published (`challengeResult`): answered by publication on a job that commits a program, by the committee otherwise. */
export const RESULT_DISPUTE = 2n ** 64n - 1n;

/** A job as JobRegistry stores it. */
export type JobOnChain = Awaited<ReturnType<ProtocolConnection["contracts"]["JobRegistry"]["read"]["getJob"]>>;

/** An order as JobRegistry takes it. */
export type JobOrder = Parameters<ProtocolConnection["contracts"]["JobRegistry"]["write"]["post"]>[0][0];

/**
 * Job `jobId` as stored, or `JOB_UNKNOWN` if no such job was posted.
 *
 * @example
 * const job = await readJob(chain, 1n); // job.status === JobStatus.Bidding
 */
export async function readJob(chain: ProtocolConnection, jobId: bigint): Promise<JobOnChain> {
  const job = await chain.contracts.JobRegistry.read.getJob([jobId]);
  if (job.status === JobStatus.None) {
    const count = await chain.contracts.JobRegistry.read.jobCount();
    throw new VeritrainError(`job ${jobId} does not exist (jobs run from 1 to ${count})`, {
      code: "JOB_UNKNOWN",
      details: { jobId: jobId.toString(), jobCount: count.toString() },
    });
  }
  return job;
}

/** How long a job post's permit stays valid: it is used in the transaction sent right after signing. */
const PERMIT_LIFETIME = 3600n;

/**
 * Posts `order` and returns the new job's id, sending nothing unless the whole post can succeed:
 * the account's tokens (the reward) and ETH (gas) are checked first ({@link requireFunds}), then
 * the reward is allowed by an EIP-2612 permit signed off-chain and `postWithPermit` is simulated
 * and sent — one transaction, no allowance left over. A token without permit falls back to
 * `approve` (only when the allowance is short of the reward) and `post` ({@link approveThenSend}:
 * `post` simulated first, where only the allowance may be missing). A revert is explained in one
 * sentence ({@link explainReverts}).
 *
 * @example
 * const jobId = await postJob(chain, { datasetId, specDigest, reward, minStake, biddingPeriod: 60, executionPeriod: 3600, challengeWindow: 600 });
 */
export async function postJob(chain: ProtocolConnection, order: JobOrder): Promise<bigint> {
  const { JobRegistry } = chain.contracts;
  const account = chain.account;
  const action = "posting";
  const tokens = { amount: order.reward, label: "reward" };
  await requireFunds({ chain, action, tokens });
  const permit = await signPermit({ chain, spender: JobRegistry.address, value: order.reward, deadline: (await chainTime(chain)) + PERMIT_LIFETIME });
  let receipt: TransactionReceipt;
  if (permit !== undefined) {
    const args = [order, permit.deadline, permit.v, permit.r, permit.s] as const;
    await explainReverts(() => JobRegistry.simulate.postWithPermit(args, { account }));
    await requireFunds({ chain, action, gas: await JobRegistry.estimateGas.postWithPermit(args, { account }) });
    receipt = await chain.send(() => JobRegistry.write.postWithPermit(args));
  } else {
    receipt = await approveThenSend({
      chain,
      action,
      spender: JobRegistry.address,
      tokens,
      simulate: () => JobRegistry.simulate.post([order], { account }),
      estimateGas: () => JobRegistry.estimateGas.post([order], { account }),
      write: () => JobRegistry.write.post([order]),
    });
  }
  const [posted] = parseEventLogs({ abi: JobRegistry.abi, logs: receipt.logs, eventName: "JobPosted" });
  if (!posted) throw new VeritrainError("post() emitted no JobPosted event", { code: "TRANSACTION_UNEXPECTED" });
  return posted.args.jobId;
}

/**
 * The latest block's timestamp: phases end by block time, which a devnet can move ahead of the wall clock.
 */
export async function chainTime(chain: ProtocolConnection): Promise<bigint> {
  return (await chain.publicClient.getBlock()).timestamp;
}
