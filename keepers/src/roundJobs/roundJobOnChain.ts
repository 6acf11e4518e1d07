import { parseEventLogs } from "viem";
import { approveThenSend } from "../chain/approveThenSend.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { VeritrainError } from "../errors.ts";
import { RoundJobStatus } from "./roundJobStatus.ts";

/** A round job as RoundJobRegistry stores it. */
export type RoundJobOnChain = Awaited<ReturnType<ProtocolConnection["contracts"]["RoundJobRegistry"]["read"]["getRoundJob"]>>;

/** An order as RoundJobRegistry takes it. */
export type RoundJobOrder = Parameters<ProtocolConnection["contracts"]["RoundJobRegistry"]["write"]["post"]>[0][0];

/**
 * Round job `jobId` as stored, or `JOB_UNKNOWN` if no such job was posted.
 *
 * @example
 * const job = await readRoundJob(chain, 1n); // job.status === RoundJobStatus.Training
 */
export async function readRoundJob(chain: ProtocolConnection, jobId: bigint): Promise<RoundJobOnChain> {
  const job = await chain.contracts.RoundJobRegistry.read.getRoundJob([jobId]);
  if (job.status === RoundJobStatus.None) {
    const count = await chain.contracts.RoundJobRegistry.read.jobCount();
    throw new VeritrainError(`round job ${jobId} does not exist (round jobs run from 1 to ${count})`, {
      code: "JOB_UNKNOWN",
      details: { jobId: jobId.toString(), jobCount: count.toString() },
    });
  }
  return job;
}

/**
 * The slot `chain.account` holds in job `jobId` while it is still in the job, if any.
 *
 * @example
 * const slot = await activeSlotOf(chain, 1n); // 2
 */
export async function activeSlotOf(chain: ProtocolConnection, jobId: bigint): Promise<number | undefined> {
  const slots = await chain.contracts.RoundJobRegistry.read.slotsOf([jobId]);
  const index = slots.findIndex((slot) => slot.active && slot.provider.toLowerCase() === chain.account.address.toLowerCase());
  return index < 0 ? undefined : index;
}

/**
 * Posts a round job (escrow = slots · rounds · price limit, through the checked approve-then-call
 * path) and returns its id.
 *
 * @example
 * const jobId = await postRoundJob(chain, order);
 */
export async function postRoundJob(chain: ProtocolConnection, order: RoundJobOrder): Promise<bigint> {
  const { RoundJobRegistry } = chain.contracts;
  const account = chain.account;
  const receipt = await approveThenSend({
    chain,
    action: "posting",
    spender: RoundJobRegistry.address,
    tokens: { amount: BigInt(order.slots) * BigInt(order.rounds) * order.priceLimit, label: "escrow" },
    simulate: () => RoundJobRegistry.simulate.post([order], { account }),
    estimateGas: () => RoundJobRegistry.estimateGas.post([order], { account }),
    write: () => RoundJobRegistry.write.post([order]),
  });
  const [posted] = parseEventLogs({ abi: RoundJobRegistry.abi, logs: receipt.logs, eventName: "RoundJobPosted" });
  if (!posted) throw new VeritrainError("post() emitted no RoundJobPosted event", { code: "TRANSACTION_UNEXPECTED" });
  return posted.args.jobId;
}
