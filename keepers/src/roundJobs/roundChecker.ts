import { randomInt } from "node:crypto";
import { approveThenSend } from "../chain/approveThenSend.ts";
import { followEvents } from "../chain/followEvents.ts";
import type { ChallengerRoleParameters } from "../challenger/challengerRole.ts";
import { chainTime } from "../jobs/jobOnChain.ts";
import { roundJobCache } from "./loadRoundJob.ts";
import { fetchBound } from "./roundInputs.ts";
import { AGGREGATE_SLOT, readRoundJob, RoundJobStatus, slotsIn } from "./roundJobOnChain.ts";
import { judgeAggregate, judgeSlot, type RoundJudgement } from "./roundJudgement.ts";

/**
 * The challenger's part in distributed jobs. Follows `AggregatePosted` from its own cursor and
 * starts the task `round-<job>-<round>` ({@link checkRound}) for each: re-execute the included
 * slots (all, or `segments` of them drawn at random: a wrong slot among n is then caught with
 * probability segments/n per round) and recompute the aggregate, and challenge the first wrong
 * one with its correct digest.
 *
 * @example
 * await runRoundChecker({ chain, store, dataDir, segments: "all", threads: 2, log, signal });
 */
export async function runRoundChecker(parameters: ChallengerRoleParameters): Promise<void> {
  const { chain, dataDir, log, signal, health, confirmations, pollMs, attempts } = parameters;
  const registry = chain.contracts.RoundJobRegistry;
  const jobs = roundJobCache();
  await followEvents({
    chain,
    address: [registry.address],
    abi: registry.abi,
    eventName: ["AggregatePosted"],
    role: "challenger-rounds",
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    handle: async (event, tasks) => tasks.start(`round-${event.args.jobId}-${event.args.round}`),
    runTask: async (task, signal) => {
      const [, jobId, round] = task.split("-") as [string, string, string];
      await checkRound({ ...parameters, signal }, jobs, BigInt(jobId), Number(round));
    },
  });
}

/** The slots to re-execute: all, or `count` distinct ones drawn uniformly (ascending). */
function sample(slots: number[], count: "all" | number): number[] {
  if (count === "all" || count >= slots.length) return slots;
  const pool = [...slots];
  const drawn: number[] = [];
  while (drawn.length < count) drawn.push(pool.splice(randomInt(pool.length), 1)[0]!);
  return drawn.sort((a, b) => a - b);
}

/** Checks round `round` of job `jobId` while its aggregate is open to challenge; returns the slot challenged (255: the aggregate), if any. */
export async function checkRound(
  parameters: ChallengerRoleParameters,
  jobs: ReturnType<typeof roundJobCache>,
  jobId: bigint,
  round: number,
): Promise<number | undefined> {
  const { chain, store, segments, threads, log, signal } = parameters;
  const context = { jobId: jobId.toString(), round };
  const challengeable = async () => {
    const job = await readRoundJob(chain, jobId);
    return job.status === RoundJobStatus.Aggregated && job.round === round && (await chainTime(chain)) < job.deadline ? job : undefined;
  };
  const onChain = await challengeable();
  if (onChain === undefined) {
    log.info(context, "round skipped: not open to challenge");
    return undefined;
  }
  const { prepared: job } = await jobs.load({ chain, store, jobId, log, signal });
  const inputs = { chain, store, job, jobId, round, threads, signal, bounded: fetchBound(signal) };
  let wrong: { slot: number; judgement: RoundJudgement } | undefined;
  for (const slot of sample(slotsIn(onChain.activeMask & onChain.committedMask), segments)) {
    const judgement = await judgeSlot({ ...inputs, slot });
    if (judgement.wrong) {
      wrong = { slot, judgement };
      break;
    }
  }
  if (wrong === undefined) {
    const judgement = await judgeAggregate({ ...inputs, onChain });
    if (judgement.wrong) wrong = { slot: AGGREGATE_SLOT, judgement };
  }
  if (wrong === undefined) {
    log.info({ ...context, segments }, "round verified: updates and aggregate recomputed");
    return undefined;
  }
  log.warn({ ...context, slot: wrong.slot, reason: wrong.judgement.reason }, "wrong contribution found");
  if ((await challengeable()) === undefined) {
    log.info(context, "challenge skipped: the round is no longer open to challenge");
    return undefined;
  }
  const { Disputes } = chain.contracts;
  const bond = await Disputes.read.challengeBond();
  const args = [jobId, round, wrong.slot, wrong.judgement.correct] as const;
  await approveThenSend({
    chain,
    action: "challenging",
    spender: Disputes.address,
    tokens: { amount: bond, label: "challenge bond" },
    simulate: () => Disputes.simulate.challengeRound(args, { account: chain.account }),
    estimateGas: () => Disputes.estimateGas.challengeRound(args, { account: chain.account }),
    write: () => Disputes.write.challengeRound(args),
  });
  log.info({ ...context, slot: wrong.slot, bond: bond.toString() }, "round challenged");
  return wrong.slot;
}
