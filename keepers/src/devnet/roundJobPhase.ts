import { formatEther, parseEventLogs, type Address, type Hex } from "viem";
import { readRoundJob } from "../roundJobs/roundJobOnChain.ts";
import { ROUND_JOB_STATUS_NAMES, RoundJobStatus } from "../roundJobs/roundJobStatus.ts";
import type { DevnetConsole } from "./devnetConsole.ts";
import { postDevnetJob, startComputeKeeper } from "./devnetPhases.ts";
import { DEVNET_ACCOUNTS, type DevnetRun } from "./launchDevnet.ts";
import { waitFor } from "./waitFor.ts";
import type { SplitRange } from "../training/jobSpec.ts";

/** The distributed job of `npm run devnet -- --providers P`. */
export type DevnetRoundJob = {
  /** Compute providers, one slot each: the devnet's compute keeper and P − 1 more. */
  providers: number;
  rounds: number;
  localSteps: number;
  /** The provider holding this slot commits poisoned updates (`compute --poison-slot`). */
  dishonestSlot?: number;
  /** A private-data job: each compute keeper owns `examples` MNIST images no dataset holds ({@link devnetOwnerData}), DP at `targetEpsilon`, SecAgg+. */
  privateData?: { examples: number; targetEpsilon: string };
  /** The devnet's own compute keeper posts the job's aggregates at once, from no updates, until one is voided (`compute --dishonest-aggregate`). */
  dishonestAggregator?: boolean;
};

/** How many MNIST images each data owner of `npm run devnet -- --private` holds. */
export const DEVNET_OWNER_EXAMPLES = 1000;

/** Where the devnet's data owners' examples start: MNIST training images the devnet's dataset never holds (it ingests at most this many). */
export const DEVNET_OWNED_FROM = 50_000;

/**
 * The MNIST training images data owner `owner` holds in a private-data devnet job: `examples` of them from
 * {@link DEVNET_OWNED_FROM} on, disjoint across owners and outside the ingested dataset, so never published.
 *
 * @example
 * devnetOwnerData(1000, 2); // { source: "train", start: 52000, end: 53000 }
 */
export function devnetOwnerData(examples: number, owner: number): SplitRange {
  return { source: "train", start: DEVNET_OWNED_FROM + owner * examples, end: DEVNET_OWNED_FROM + (owner + 1) * examples };
}

/** Most providers a devnet runs: the extra compute keepers take ports P+28 … P+31. */
export const DEVNET_MAX_PROVIDERS = 5;
/** Development accounts of the extra compute keepers (40–42 are the web app's wallets). */
const FIRST_EXTRA_ACCOUNT = 43;

/** Parameters of {@link runRoundJobPhase}. */
export type RunRoundJobPhaseParameters = {
  run: DevnetRun;
  datasetId: bigint;
  trainImages: number;
  testImages: number;
  job: DevnetRoundJob;
  biddingPeriod: number;
  challengeWindow: number;
  progress: DevnetConsole;
  signal?: AbortSignal;
};

/**
 * Starts the extra compute keepers, posts the distributed job (`job post --providers`), follows
 * it round by round to its end and reports it from chain state: each slot's provider, price,
 * rounds earned and payment, the slots dropped, the disputes and slashes, and the gas of update
 * commitments, aggregates and (a private-data job's) secure-aggregation posts.
 *
 * @example
 * const report = await runRoundJobPhase({ run, datasetId, trainImages: 4000, testImages: 1000, job: { providers: 4, rounds: 3, localSteps: 20 }, biddingPeriod: 10, challengeWindow: 60, progress });
 */
export async function runRoundJobPhase({ run, datasetId, trainImages, testImages, job, biddingPeriod, challengeWindow, progress, signal }: RunRoundJobPhaseParameters) {
  const names = new Map<string, string>([[run.addressOf(DEVNET_ACCOUNTS.compute).toLowerCase(), "compute"], [run.addressOf(DEVNET_ACCOUNTS.challenger).toLowerCase(), "challenger"], [run.addressOf(DEVNET_ACCOUNTS.consumer).toLowerCase(), "consumer"]]);
  const extra = progress.wait(`starting ${job.providers - 1} more compute keepers`);
  for (let i = 1; i < job.providers; i++) {
    const account = FIRST_EXTRA_ACCOUNT + i - 1;
    names.set(run.addressOf(account).toLowerCase(), `compute-${i + 1}`);
    const privateData = job.privateData === undefined ? undefined : devnetOwnerData(job.privateData.examples, i);
    await startComputeKeeper({ run, name: `compute-${i + 1}`, account, port: run.ports.rpc + 27 + i, poisonSlot: job.dishonestSlot, privateData });
  }
  extra.done(`${job.providers} compute keepers running`);
  const nameOf = (address: Address) => names.get(address.toLowerCase()) ?? address;

  const jobId = await postDevnetJob({ run, datasetId, trainImages, testImages, epochs: 1, biddingPeriod, challengeWindow, distributed: job, signal });
  const data = job.privateData === undefined
    ? `on ${trainImages} training images cut into ${job.providers} parts`
    : `on ${job.providers} data owners' own ${job.privateData.examples} images each (never published), DP-SGD at ε = ${job.privateData.targetEpsilon}, SecAgg+`;
  const faults = [
    ...(job.dishonestSlot === undefined ? [] : [`slot ${job.dishonestSlot}'s provider poisons its updates`]),
    ...(job.dishonestAggregator ? ["the compute keeper posts the first aggregate wrong"] : []),
  ];
  progress.say(`distributed job ${jobId} posted: LeNet-5 ${data}, ${job.rounds} rounds of ${job.localSteps} local steps, FedAvg${faults.map((f) => `; ${f}`).join("")}`);
  const started = Date.now();
  let seen = "";
  const wait = progress.wait(`distributed job ${jobId}: bidding`);
  const final = await waitFor(`distributed job ${jobId} to end`, async () => {
    const onChain = await readRoundJob(run.deployer, jobId);
    const label = `distributed job ${jobId}: ${ROUND_JOB_STATUS_NAMES[onChain.status]}${onChain.status >= RoundJobStatus.Training && onChain.status <= RoundJobStatus.Disputed ? ` (round ${onChain.round + 1} of ${job.rounds})` : ""}`;
    if (label !== seen) {
      seen = label;
      wait.update(0, label);
    }
    return onChain.status >= RoundJobStatus.Finalized ? onChain : undefined;
  }, { timeoutMs: 1_800_000, pollMs: 1000, signal });
  wait.done(`distributed job ${jobId} ended: ${ROUND_JOB_STATUS_NAMES[final.status]}`);

  const { RoundJobRegistry, SecureAggregationLedger, Disputes, StakeManager } = run.deployer.contracts;
  const logs = await run.deployer.publicClient.getLogs({ address: [RoundJobRegistry.address, SecureAggregationLedger.address, Disputes.address, StakeManager.address], fromBlock: run.deploymentBlock });
  const slots = await RoundJobRegistry.read.slotsOf([jobId]);
  const paid = parseEventLogs({ abi: RoundJobRegistry.abi, logs, eventName: "SlotPaid", args: { jobId } });
  const maxGas = async (hashes: Hex[]) => {
    const gas = await Promise.all(hashes.map(async (hash) => Number((await run.deployer.publicClient.getTransactionReceipt({ hash })).gasUsed)));
    return gas.length === 0 ? null : Math.max(...gas);
  };
  const gasOf = async (eventName: "UpdateCommitted" | "AggregatePosted") => maxGas(parseEventLogs({ abi: RoundJobRegistry.abi, logs, eventName, args: { jobId } }).map((e) => e.transactionHash));
  const settled = parseEventLogs({ abi: RoundJobRegistry.abi, logs, eventName: ["RoundJobFinalized", "RoundJobFailed"], args: { jobId } })[0];
  return {
    jobId: jobId.toString(),
    status: ROUND_JOB_STATUS_NAMES[final.status],
    rounds_completed: final.round,
    wall_s: Math.round((Date.now() - started) / 1000),
    slots: slots.map((slot, index) => ({
      slot: index,
      provider: nameOf(slot.provider),
      price: formatEther(slot.price),
      rounds_earned: slot.roundsEarned,
      active: slot.active,
      paid: formatEther(paid.filter((e) => Number(e.args.slot) === index).reduce((sum, e) => sum + e.args.amount, 0n)),
    })),
    dropped: parseEventLogs({ abi: RoundJobRegistry.abi, logs, eventName: "SlotDropped", args: { jobId } }).map((e) => ({ round: Number(e.args.round), slot: Number(e.args.slot), reason: e.args.reason === 0 ? "missed the deadline" : "found wrong", slashed: formatEther(e.args.slashed) })),
    disputes: parseEventLogs({ abi: Disputes.abi, logs, eventName: "RoundDisputeOpened", args: { jobId } }).map((e) => ({ dispute: e.args.disputeId.toString(), round: Number(e.args.round), slot: Number(e.args.slot), challenger: nameOf(e.args.challenger) })),
    // A committee's verdicts, and the aggregate referee's decisions (docs/dispute-game.md §7).
    verdicts: parseEventLogs({ abi: Disputes.abi, logs, eventName: ["DisputeSettled", "DisputeDecidedByReferee", "AggregateUpheld"] }).map((e) => ({
      dispute: e.args.disputeId.toString(),
      by: e.eventName === "DisputeSettled" ? "committee" : "referee",
      accusedWrong: e.eventName === "DisputeSettled" ? e.args.providerWrong : e.eventName === "DisputeDecidedByReferee",
      bondTo: nameOf(e.args.bondRecipient),
    })),
    // A lost bond, split as a slash is: the accused's share and the treasury's.
    forfeits: parseEventLogs({ abi: Disputes.abi, logs, eventName: "BondForfeited" }).map((e) => ({ dispute: e.args.disputeId.toString(), toAccused: formatEther(e.args.toAccused), toTreasury: formatEther(e.args.toTreasury) })),
    slashes: parseEventLogs({ abi: StakeManager.abi, logs, eventName: "StakeSlashed" }).map((e) => ({ account: nameOf(e.args.account), tokens: formatEther(e.args.amount), beneficiary: nameOf(e.args.beneficiary) })),
    paid_total: settled === undefined ? null : formatEther(settled.args.paid),
    refund: settled === undefined ? null : formatEther(settled.args.refund),
    update_commit_gas: await gasOf("UpdateCommitted"),
    aggregate_gas: await gasOf("AggregatePosted"),
    secagg_post_gas: await maxGas(parseEventLogs({ abi: SecureAggregationLedger.abi, logs, eventName: "SecAggPosted", args: { jobId } }).map((e) => e.transactionHash)),
  };
}

/** What {@link runRoundJobPhase} reports. */
export type RoundJobReport = Awaited<ReturnType<typeof runRoundJobPhase>>;

/**
 * The report's lines for a reader.
 *
 * @example
 * console.log(formatRoundJobReport(report));
 */
export function formatRoundJobReport(report: RoundJobReport): string {
  return [
    `distributed job ${report.jobId}: ${report.status} after ${report.rounds_completed} rounds (${report.wall_s} s)`,
    ...report.slots.map((s) => `  slot ${s.slot}: ${s.provider}, ${s.price} per round, ${s.rounds_earned} rounds earned, paid ${s.paid}${s.active ? "" : " (dropped)"}`),
    ...report.dropped.map((d) => `  dropped in round ${d.round}: slot ${d.slot} (${d.reason}, ${d.slashed} slashed)`),
    ...report.disputes.map((d) => `  dispute ${d.dispute}: round ${d.round} ${d.slot === 255 ? "aggregate" : `slot ${d.slot}`}, by ${d.challenger}`),
    ...report.verdicts.map((v) => {
      const forfeit = report.forfeits.find((f) => f.dispute === v.dispute);
      const bond = forfeit === undefined ? `bond to ${v.bondTo}` : `bond lost: ${forfeit.toAccused} to ${v.bondTo}, ${forfeit.toTreasury} to the treasury`;
      return `  verdict ${v.dispute} (${v.by}): ${v.accusedWrong ? "accused wrong" : "challenger wrong"}, ${bond}`;
    }),
    ...report.slashes.map((s) => `  slashed: ${s.account} ${s.tokens} (beneficiary ${s.beneficiary})`),
    `  paid ${report.paid_total ?? "-"}, refunded ${report.refund ?? "-"}; gas: update commitment ${report.update_commit_gas ?? "-"}, aggregate ${report.aggregate_gas ?? "-"}${report.secagg_post_gas === null ? "" : `, secure-aggregation post ${report.secagg_post_gas}`}`,
  ].join("\n");
}
