import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { isAddressEqual, parseEventLogs, zeroAddress, type Address } from "viem";
import { fundDevAccounts } from "../../keepers/src/devnet/devAccounts.ts";
import { awaitFullRound, ingestDataset, jobStatusName, postDevnetJob, startComputeKeeper } from "../../keepers/src/devnet/devnetPhases.ts";
import { readLogLines } from "../../keepers/src/devnet/keeperProcess.ts";
import { launchDevnet, type DevnetRun } from "../../keepers/src/devnet/launchDevnet.ts";
import { waitFor } from "../../keepers/src/devnet/waitFor.ts";
import { DisputeStatus, JobStatus } from "../../keepers/src/jobs/jobOnChain.ts";
import { GAME_PHASE } from "../../keepers/src/trainingVm/gameMoves.ts";
import { seededRandom } from "../keepers/erasure/seededRandom.ts";
import type { FaultCounters, Faults } from "./faultyRpcProxy.ts";
import { startFaultyRpcProxyThread, type FaultyRpcProxyThread } from "./faultyRpcProxyThread.ts";

/** RoundStatus in IStorageProofs. */
const ROUND = { Requested: 1, Open: 2 } as const;
/** The protocol contracts that may hold tokens. */
const HOLDERS = ["StakeManager", "JobRegistry", "Disputes", "BisectionGame", "DatasetRegistry", "StorageProofs", "ValidatorCommittee"] as const;
type ContractName = (typeof HOLDERS)[number];
/** A dispute not decided yet: waiting for a committee, or in a game. */
const undecided = (status: number) => status === DisputeStatus.Open || status === DisputeStatus.InGame;
type ParsedEvent = { eventName: string; args: Record<string, any>; blockNumber: bigint };

/** The development accounts and ports a chaos run adds to a devnet: its consumers, above the devnet's own. */
export const chaosConsumer = (run: DevnetRun, j: number) => ({ name: `consumer-${j}`, account: 50 + j, port: run.ports.rpc + 31 + j });
/** The port of one more compute keeper on a devnet (above the storage keepers' slots). */
export const extraComputePort = (run: DevnetRun) => run.ports.rpc + 30;

/** The development account of the chaos devnet's dishonest compute keeper. */
export const DISHONEST_COMPUTE_ACCOUNT = 40;

/**
 * The fault scenarios' devnet (`devnetFaults.test.ts`, `bench:chaos`): 4 + 2 shards per stripe on 8 storage keepers (6
 * holders, 2 spares) and no validators, since every dispute there is a game or a publication and none draws a
 * committee. Half the README devnet's processes, on a machine whose two cores also run other test files.
 */
export const FAULTS_DEVNET = { storageKeepers: 8, validators: 0, shards: { k: 4, n: 6 } } as const;

/** The job each chaos consumer posts: 400 training images, one epoch, a 180 s challenge window. */
export const CHAOS_JOB = { trainImages: 400, testImages: 100, epochs: 1, challengeWindow: 180 } as const;

/** A devnet ready for {@link runChaos}, and how to stop it. */
export type ChaosDevnet = { run: DevnetRun; proxy: FaultyRpcProxyThread; datasetId: bigint; victims: string[]; stop: () => Promise<void> };

/**
 * Starts the devnet a chaos run needs (`npm run bench:chaos` and `test/devnet/chaos.test.ts`): the
 * chain node on 127.0.0.1:`port`, every keeper reaching it through a fault-injecting proxy (clean
 * until {@link runChaos} sets faults), 1,500 MNIST images stored ({@link FAULTS_DEVNET}), and a dishonest
 * compute keeper (`--dishonest 2`) beside the honest one, so jobs are paid or disputed as the
 * auctions fall. `victims` are the keepers a run may kill: every one but the dataset's owner.
 * `stop` stops every process and removes the devnet's directory.
 */
export async function launchChaosDevnet({ port, seed, log, say = () => undefined }: { port: number; seed: number; log: Logger; say?: (line: string) => void }): Promise<ChaosDevnet> {
  const directory = mkdtempSync(join(tmpdir(), "veritrain-chaos-"));
  const proxy = await startFaultyRpcProxyThread({ upstream: `http://127.0.0.1:${port}`, seed });
  let run: DevnetRun | undefined;
  const stop = async () => {
    await run?.stop();
    await proxy.close();
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    say("starting the devnet (chain node, keepers behind the proxy)");
    run = await launchDevnet({ port, directory, log, storageKeepers: FAULTS_DEVNET.storageKeepers, validators: FAULTS_DEVNET.validators, keeperRpcUrl: proxy.url });
    say("ingesting 1,500 MNIST images (4 + 2 columns)");
    const { datasetId } = await ingestDataset({ run, images: 1500, shardSize: 16_384, shards: FAULTS_DEVNET.shards });
    await startComputeKeeper({ run, name: "compute-cheat", account: DISHONEST_COMPUTE_ACCOUNT, port: extraComputePort(run), dishonesty: { level: "instruction", at: 7 } });
    const victims = [...new Set(run.fleet.all().map((k) => k.name))].filter((name) => name !== "owner" && run!.fleet.get(name).running());
    return { run, proxy, datasetId, victims, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Every event `contract` emitted from block `fromBlock` on (the test's own view of the chain, not through the proxy). */
async function eventsOf(run: DevnetRun, contract: ContractName, fromBlock = 0n): Promise<ParsedEvent[]> {
  const { address, abi } = run.deployer.contracts[contract];
  const logs = await run.deployer.publicClient.getLogs({ address, fromBlock });
  return parseEventLogs({ abi: abi as any, logs }) as unknown as ParsedEvent[];
}

const now = async (run: DevnetRun) => (await run.deployer.publicClient.getBlock()).timestamp;
/** Moves the devnet's chain time on to `timestamp` (and mines a block there), if it is still ahead. */
export async function advanceTo(run: DevnetRun, timestamp: bigint) {
  const seconds = timestamp - (await now(run));
  if (seconds <= 0n) return;
  await run.deployer.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
  await run.deployer.publicClient.request({ method: "evm_mine" as never });
}

/**
 * Waits for the first bid on job `jobId`, then moves chain time to its bidding deadline, so the auction settles at
 * once: a bidding period long enough for a loaded machine's bidder (its spec, model and images fetched, its program
 * computed) that costs no wall time once a bid is in. Chain time on a devnet runs ahead of wall time (each automined
 * transaction is a block one second after the last), so a short period can close before a slow bidder bids.
 *
 * @throws Error when the auction ended with no bid, naming what the compute keepers and the challenger logged of the job.
 */
export async function settleOnFirstBid(run: DevnetRun, jobId: bigint, timeoutMs = 600_000): Promise<void> {
  const { JobRegistry } = run.deployer.contracts;
  const job = await waitFor(`a bid on job ${jobId}`, async () => {
    const job = await JobRegistry.read.getJob([jobId]);
    if (job.provider !== zeroAddress) return job;
    if (job.status !== JobStatus.Bidding) throw new Error(`job ${jobId} left its auction (${jobStatusName(job.status)}) with no bid; the keepers logged: ${jobLog(run, jobId)}`);
    return undefined;
  }, { timeoutMs });
  if (job.status === JobStatus.Bidding) await advanceTo(run, BigInt(job.deadline));
}

/** What the devnet's compute keepers and challenger logged of job `jobId`, in one line: a failed wait's diagnosis. */
export function jobLog(run: DevnetRun, jobId: bigint): string {
  const keepers = [...new Set(run.fleet.all().map((k) => k.name))].filter((name) => name.startsWith("compute") || name === "challenger");
  const lines = keepers.flatMap((name) => readLogLines(run.fleet.get(name).logFile).filter((l) => l.jobId === jobId.toString()).map((l) => `${name}: ${l.msg}`));
  return lines.length === 0 ? "nothing" : lines.join("; ");
}

type Round = Awaited<ReturnType<DevnetRun["deployer"]["contracts"]["StorageProofs"]["read"]["currentRound"]>>;

/**
 * Opens the next audit round of `datasetId` through the automation keeper (chain time advanced to
 * `nextRoundAt`), or takes the one already requested or open, and waits until it is open.
 */
export async function openRound({ run, datasetId, timeoutMs = 600_000 }: { run: DevnetRun; datasetId: bigint; timeoutMs?: number }): Promise<Round> {
  const { StorageProofs } = run.deployer.contracts;
  const before = await StorageProofs.read.currentRound([datasetId]);
  const underway = before.status === ROUND.Requested || before.status === ROUND.Open;
  if (!underway) await advanceTo(run, await StorageProofs.read.nextRoundAt([datasetId]));
  const after = underway ? before.number - 1n : before.number;
  return waitFor(`round ${after + 1n} of dataset ${datasetId} open`, async () => {
    const current = await StorageProofs.read.currentRound([datasetId]);
    return current.number > after && current.status === ROUND.Open && current;
  }, { timeoutMs });
}

/**
 * Waits until the `expected` columns of open round `round` proved (default: every audited one),
 * then advances chain time past its deadline and waits until the automation keeper closed it.
 */
export async function closeRound({ run, datasetId, round, expected = round.audited, timeoutMs = 600_000 }: { run: DevnetRun; datasetId: bigint; round: Round; expected?: bigint; timeoutMs?: number }) {
  const { StorageProofs } = run.deployer.contracts;
  await waitFor(`round ${round.number}'s proofs`, async () => ((await StorageProofs.read.currentRound([datasetId])).proved & expected) === expected, { timeoutMs });
  await advanceTo(run, BigInt(round.deadline) + 1n);
  return awaitFullRound({ run, datasetId, after: round.number - 1n, closed: true, timeoutMs });
}

/**
 * Drives one audit round of `datasetId` through the automation keeper ({@link openRound}, then
 * {@link closeRound}).
 *
 * @example
 * const round = await driveRound({ run, datasetId });
 */
export async function driveRound({ run, datasetId, expected, timeoutMs = 600_000 }: { run: DevnetRun; datasetId: bigint; expected?: bigint; timeoutMs?: number }) {
  return closeRound({ run, datasetId, round: await openRound({ run, datasetId, timeoutMs }), expected, timeoutMs });
}

/** Parameters of {@link runChaos}. */
export type ChaosParameters = {
  run: DevnetRun;
  /** The proxy every keeper of `run` reaches the chain through. */
  proxy: FaultyRpcProxyThread;
  /** An active dataset the jobs train on and the rounds audit. */
  datasetId: bigint;
  /** Jobs posted at once, each by its own consumer ({@link chaosConsumer}). */
  jobs: number;
  /** Audit rounds driven one after the other while the jobs run. */
  rounds: number;
  /** Seeds the fault schedule, the kills and the proxy's draws. */
  seed: number;
  /** Keepers the run may kill (SIGKILL) and restart. */
  victims: readonly string[];
  /** The job each consumer posts. */
  job: { trainImages: number; testImages: number; epochs: number; challengeWindow: number };
  /**
   * How long after the jobs are posted keepers are killed (faults go on until every job ended). Bounded, so a
   * slow machine's run does not feed on itself: every kill of a checker or a compute keeper costs a restart and
   * a re-fetch, which lengthens the run, which draws more kills. @default 4 min
   */
  killWindowMs?: number;
  /** Bound of the whole run's waits. @default 20 min */
  timeoutMs?: number;
  /** Told what happens (a fault phase, a kill), for a test's log. */
  onEvent?: (what: string) => void;
};

/** What a chaos run did and what held (the `bench:chaos` line). */
export type ChaosFigures = {
  faults_injected: number;
  faults: Omit<FaultCounters, "requests" | "forwarded">;
  rpc_requests: number;
  outage_seconds: number;
  restarts: number;
  jobs: number;
  jobs_terminal: number;
  jobs_finalized: number;
  jobs_failed: number;
  /** Jobs the dishonest compute keeper ({@link DISHONEST_COMPUTE_ACCOUNT}) won, and of those, the ones paid. */
  cheats_won: number;
  cheats_paid: number;
  disputes: number;
  disputes_terminal: number;
  rounds: number;
  rounds_closed: number;
  proofs_accepted: number;
  proofs_missed: number;
  duplicate_actions: number;
  /** What happened twice (the keys of {@link countDuplicateActions}), to say which keeper repeated itself. */
  duplicates: string[];
  dead_letters: number;
  conservation_ok: boolean;
  /** Each protocol contract's token balance against what it must hold (wei, as strings). */
  conservation: Record<string, { balance: string; owed: string }>;
  seconds: number;
};

/**
 * A chaos run on a devnet whose keepers reach the chain through `proxy`: posts `jobs` jobs at once
 * (with the proxy clean: posting is a user's one-shot action) while an audit round is open,
 * then, while a seeded schedule injects resets, lost answers, delays and one 30 s full outage
 * (15 s hung, 15 s refused), and for `killWindowMs` SIGKILLs and restarts one keeper of `victims` at a time, waits
 * for every job to end and the round's proofs, then drives the other `rounds − 1` rounds. Then, faults off and every keeper back: waits for every dispute and round to
 * end and checks from chain state that no action happened twice and that each protocol contract
 * holds exactly what it owes (open escrow, open bonds, stake, unsettled storage payments).
 *
 * @example
 * const figures = await runChaos({ run, proxy, datasetId, jobs: 3, rounds: 1, seed: 7, victims: ["automation", "challenger"], job });
 */
export async function runChaos({ run, proxy, datasetId, jobs, rounds, seed, victims, job, killWindowMs = 240_000, timeoutMs = 1_200_000, onEvent = () => undefined }: ChaosParameters): Promise<ChaosFigures> {
  const started = Date.now();
  const random = seededRandom(seed);
  const between = (low: number, high: number) => low + random.int(high - low + 1);
  const chain = run.deployer;
  const fromBlock = (await chain.publicClient.getBlockNumber()) + 1n;
  const countersBefore = await proxy.counters();
  await proxy.setFaults({});

  const consumers = Array.from({ length: jobs }, (_, j) => chaosConsumer(run, j));
  // The first round opens before the jobs exist: opening it moves chain time, which must not cut their windows.
  const first = rounds > 0 ? await openRound({ run, datasetId, timeoutMs }) : undefined;
  await fundDevAccounts({ deployer: chain, accounts: consumers.map((c) => run.addressOf(c.account)) });
  const jobIds: bigint[] = [];
  for (const consumer of consumers) jobIds.push(await postDevnetJob({ run, datasetId, ...job, biddingPeriod: 60, consumer }));
  onEvent(`posted jobs ${jobIds.join(", ")}`);

  // The chaos: faults and kills until the jobs and rounds are done.
  const chaos = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: chaos.signal }).then(() => true, () => false);
  let restarts = 0;
  let outageSeconds = 0;
  const phases: Faults[] = [{ resetRate: 0.1 }, { dropRate: 0.1 }, { delayMs: 250 }, { resetRate: 0.05, dropRate: 0.05, delayMs: 100 }, {}];
  const faulting = (async () => {
    let outageDone = false;
    while (!chaos.signal.aborted) {
      if (!outageDone && Date.now() - started > 45_000) {
        outageDone = true;
        onEvent("full outage: 15 s hung, 15 s refused");
        await proxy.setFaults({ outage: "blackhole" });
        await pause(15_000);
        await proxy.setFaults({ outage: "refuse" });
        await pause(15_000);
        outageSeconds = 30;
        continue;
      }
      const phase = phases[random.int(phases.length)]!;
      await proxy.setFaults({ ...phase });
      if (!(await pause(between(8_000, 15_000)))) break;
    }
    await proxy.setFaults({});
  })();
  const killsEnd = Date.now() + killWindowMs;
  const killing = (async () => {
    while ((await pause(between(10_000, 20_000))) && Date.now() < killsEnd) {
      const name = victims[random.int(victims.length)]!;
      if (!run.fleet.get(name).running()) continue;
      onEvent(`SIGKILL ${name}`);
      await run.fleet.get(name).kill();
      await sleep(between(1_000, 5_000));
      await run.fleet.restart(name);
      restarts++;
    }
  })();

  const { JobRegistry, Disputes, StorageProofs } = chain.contracts;
  const terminal = (status: number) => status === JobStatus.Finalized || status === JobStatus.Failed || status === JobStatus.Cancelled;
  const allJobsEnded = () => waitFor("every chaos job ended", async () => (await Promise.all(jobIds.map((id) => JobRegistry.read.getJob([id])))).every((j) => terminal(j.status)), { timeoutMs, pollMs: 2000 });
  const jobsEnded = allJobsEnded();
  const outcome = await Promise.allSettled([
    jobsEnded,
    (async () => {
      if (first === undefined) return;
      // Closing a round moves chain time too: only once every job ended. Later rounds run after them.
      await jobsEnded.catch(() => undefined);
      onEvent(`round ${(await closeRound({ run, datasetId, round: first, timeoutMs })).round} closed`);
      for (let r = 1; r < rounds; r++) onEvent(`round ${(await driveRound({ run, datasetId, timeoutMs })).round} closed`);
    })(),
  ]);
  chaos.abort();
  await Promise.all([faulting, killing]);
  // Every keeper back: each answers its health endpoint, following the chain again.
  for (const name of victims) await run.fleet.get(name).waitUntilHealthy({ timeoutMs: 180_000 });
  for (const consumer of consumers) await run.fleet.get(consumer.name).stop();
  for (const result of outcome) if (result.status === "rejected") onEvent(`did not end: ${(result.reason as Error).message}`);

  // Disputes end too: by a verdict, or, if none came, expired by the automation keeper once the clock passes their deadline.
  const disputeCount = Number(await Disputes.read.disputeCount());
  const readDisputes = () => Promise.all(Array.from({ length: disputeCount }, (_, i) => Disputes.read.getDispute([BigInt(i + 1)])));
  const disputesEnded = (ms: number) => waitFor("every dispute ended", async () => (await readDisputes()).every((d) => !undecided(d.status)), { timeoutMs: ms, pollMs: 2000 }).then(() => true, () => false);
  if (!(await disputesEnded(300_000))) {
    onEvent("a dispute got no verdict in 5 min: the clock is advanced past its deadline (a game's: past the clock of the side to move)");
    const { BisectionGame } = run.deployer.contracts;
    const games = await Promise.all((await readDisputes()).filter((d) => d.status === DisputeStatus.InGame).map((d) => BisectionGame.read.getGame([d.gameId])));
    const deadlines = [...(await readDisputes()).map((d) => BigInt(d.verdictDeadline)), ...games.map((g) => BigInt(g.lastMoveAt) + (g.providerClock > g.challengerClock ? g.providerClock : g.challengerClock))];
    await advanceTo(run, deadlines.reduce((a, b) => (a > b ? a : b)) + 1n);
    await disputesEnded(120_000);
  }
  // A round still under way (it may have opened on its own meanwhile) gets its proofs, then closes.
  const { status: roundStatus } = await StorageProofs.read.currentRound([datasetId]);
  if (roundStatus === ROUND.Requested || roundStatus === ROUND.Open) await driveRound({ run, datasetId, timeoutMs: 600_000 }).catch((error: Error) => onEvent(`the last round did not end: ${error.message}`));

  const jobStates = await Promise.all(jobIds.map((id) => JobRegistry.read.getJob([id])));
  const cheat = (job: { provider: Address }) => isAddressEqual(job.provider, run.addressOf(DISHONEST_COMPUTE_ACCOUNT));
  const disputeStates = await readDisputes();
  const proofEvents = await eventsOf(run, "StorageProofs", fromBlock);
  // Rounds the run saw (opened, proved or closed during it), and those of them that closed.
  const roundOf = (e: ParsedEvent) => `${e.args.datasetId}/${e.args.round}`;
  const seenRounds = new Set(proofEvents.filter((e) => ["RoundOpened", "ProofAccepted", "RoundClosed"].includes(e.eventName)).map(roundOf));
  const closedRounds = new Set(proofEvents.filter((e) => e.eventName === "RoundClosed").map(roundOf));
  const conservation = await checkConservation(run);
  const counters = await proxy.counters();
  const delta = (key: keyof FaultCounters) => counters[key] - countersBefore[key];
  const faults = { refused: delta("refused"), blackholed: delta("blackholed"), reset: delta("reset"), dropped: delta("dropped"), delayed: delta("delayed") };
  return {
    faults_injected: Object.values(faults).reduce((a, b) => a + b, 0),
    faults,
    rpc_requests: delta("requests"),
    outage_seconds: outageSeconds,
    restarts,
    jobs,
    jobs_terminal: jobStates.filter((j) => terminal(j.status)).length,
    jobs_finalized: jobStates.filter((j) => j.status === JobStatus.Finalized).length,
    jobs_failed: jobStates.filter((j) => j.status === JobStatus.Failed).length,
    cheats_won: jobStates.filter(cheat).length,
    cheats_paid: jobStates.filter((j) => cheat(j) && j.status === JobStatus.Finalized).length,
    disputes: disputeStates.length,
    disputes_terminal: disputeStates.filter((d) => !undecided(d.status)).length,
    rounds: seenRounds.size,
    rounds_closed: [...seenRounds].filter((r) => closedRounds.has(r)).length,
    proofs_accepted: proofEvents.filter((e) => e.eventName === "ProofAccepted").length,
    proofs_missed: proofEvents.filter((e) => e.eventName === "ProofMissed").length,
    ...(await duplicateActions(run, fromBlock, consumers.map((c) => run.addressOf(c.account)))),
    dead_letters: countDeadLetters(run),
    conservation_ok: Object.values(conservation).every((c) => c.balance === c.owed),
    conservation,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/**
 * Actions that must happen at most once, counted from the events of the run (`fromBlock` on):
 * per job one posting per consumer, one settlement, one result, one end, one dispute per resumption
 * (a dispute the provider wins resumes the job's window); per dispute
 * one committee request, one draw, one end; per round one opening, one closing, one accepted proof
 * per column; and no keeper joins or stakes again (all joined before the run). Returns the number of
 * extra occurrences and what they were.
 */
async function duplicateActions(run: DevnetRun, fromBlock: bigint, consumers: Address[]): Promise<{ duplicate_actions: number; duplicates: string[] }> {
  const events = (await Promise.all((["JobRegistry", "Disputes", "ValidatorCommittee", "StorageProofs", "DatasetRegistry", "StakeManager"] as const).map((c) => eventsOf(run, c, fromBlock)))).flat();
  /** Per job, the JobResumed events so far (JobRegistry's events are in chain order). */
  const resumed = new Map<bigint, number>();
  const once: Record<string, (args: Record<string, any>) => string | undefined> = {
    JobPosted: (a) => `posted by ${a.consumer}`,
    AuctionSettled: (a) => `settled ${a.jobId}`,
    ResultSubmitted: (a) => `result ${a.jobId}`,
    JobFinalized: (a) => `ended ${a.jobId}`,
    JobFailed: (a) => `ended ${a.jobId}`,
    JobCancelled: (a) => `ended ${a.jobId}`,
    // A dispute the provider wins resumes the job, which may then be disputed again (an availability dispute, then a game).
    JobDisputed: (a) => `disputed ${a.jobId} after ${resumed.get(a.jobId) ?? 0} resumptions`,
    CommitteeRequested: (a) => `committee requested ${a.disputeId}`,
    CommitteeDrawn: (a) => `committee drawn ${a.disputeId}`,
    DisputeSettled: (a) => `dispute ended ${a.disputeId}`,
    DisputeExpired: (a) => `dispute ended ${a.disputeId}`,
    DisputeNoCommittee: (a) => `dispute ended ${a.disputeId}`,
    RoundOpened: (a) => `opened ${a.datasetId}/${a.round}`,
    RoundClosed: (a) => `closed ${a.datasetId}/${a.round}`,
    ProofAccepted: (a) => `proof ${a.datasetId}/${a.round}/${a.column}`,
    ProviderJoined: (a) => `joined ${a.provider}`,
    ValidatorJoined: (a) => `joined ${a.validator}`,
    Staked: (a) => (consumers.includes(a.account) ? undefined : `staked ${a.account}`),
  };
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  for (const event of events) {
    if (event.eventName === "JobResumed") resumed.set(event.args.jobId, (resumed.get(event.args.jobId) ?? 0) + 1);
    const key = once[event.eventName]?.(event.args);
    if (key === undefined) continue;
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    // A join or a stake during the run is a repetition on its own: every keeper joined before it.
    if (count > 1 || key.startsWith("joined ") || key.startsWith("staked ")) duplicates.push(`${event.eventName}: ${key} (block ${event.blockNumber})`);
  }
  return { duplicate_actions: duplicates.length, duplicates };
}

/** Events the keepers gave up on (their `<role>.dead-letters.jsonl` lines). */
function countDeadLetters(run: DevnetRun): number {
  let lines = 0;
  for (const keeper of new Map(run.fleet.all().map((k) => [k.name, k])).values()) {
    for (const role of ["automation", "storage", "compute", "challenger", "validator", "indexer"]) {
      const file = join(keeper.dataDir, `${role}.dead-letters.jsonl`);
      if (existsSync(file)) lines += readFileSync(file, "utf8").split("\n").filter(Boolean).length;
    }
  }
  return lines;
}

/**
 * Each protocol contract's token balance against what it owes, from chain state: StakeManager the
 * stake (available + locked + unbonding) of every account that ever staked, JobRegistry the reward
 * of every job not yet ended, Disputes the bond of every open dispute, DatasetRegistry the payment
 * of every dataset not yet settled or cancelled; StorageProofs and ValidatorCommittee nothing.
 */
export async function checkConservation(run: DevnetRun): Promise<Record<string, { balance: string; owed: string }>> {
  const { VeritrainToken, StakeManager, JobRegistry, Disputes, BisectionGame, DatasetRegistry } = run.deployer.contracts;
  const stakers = new Set((await eventsOf(run, "StakeManager")).filter((e) => e.eventName === "Staked").map((e) => e.args.account as Address));
  const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);
  const range = (count: bigint) => Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const owed: Record<ContractName, bigint> = {
    StakeManager: sum(await Promise.all([...stakers].map(async (a) => {
      const s = await StakeManager.read.stakeOf([a]);
      return s.available + s.locked + s.unbonding;
    }))),
    JobRegistry: sum((await Promise.all(range(await JobRegistry.read.jobCount()).map((id) => JobRegistry.read.getJob([id])))).filter((j) => j.status >= JobStatus.Bidding && j.status <= JobStatus.Disputed).map((j) => j.reward)),
    Disputes: sum((await Promise.all(range(await Disputes.read.disputeCount()).map((id) => Disputes.read.getDispute([id])))).filter((d) => undecided(d.status)).map((d) => d.bond)),
    // A game's move bonds, both sides', until it ends and the winner takes them.
    BisectionGame: sum((await Promise.all(range(await BisectionGame.read.gameCount()).map((id) => BisectionGame.read.getGame([id])))).filter((g) => g.phase < GAME_PHASE.ProviderWon).map((g) => g.bonds)),
    DatasetRegistry: sum((await Promise.all(range(await DatasetRegistry.read.datasetCount()).map((id) => DatasetRegistry.read.getDataset([id])))).filter((d) => d.status === 1 || d.status === 2).map((d) => d.payment)),
    StorageProofs: 0n,
    ValidatorCommittee: 0n,
  };
  const result: Record<string, { balance: string; owed: string }> = {};
  for (const name of HOLDERS) {
    const balance = await VeritrainToken.read.balanceOf([run.deployer.contracts[name].address]);
    result[name] = { balance: balance.toString(), owed: owed[name].toString() };
  }
  return result;
}
