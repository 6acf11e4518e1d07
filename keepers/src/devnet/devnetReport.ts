import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { formatEther, parseEventLogs, type Address } from "viem";
import { readDatasetOnChain } from "../datasets/datasetOnChain.ts";
import type { JobOnChain } from "../jobs/jobOnChain.ts";
import { jobStatusName, popcount, type AuditRound, type JobMilestones } from "./devnetPhases.ts";
import { gasByOperation } from "./gasByOperation.ts";
import { formatGasTable } from "./gasTable.ts";
import { summarizeKeeperLogs } from "./keeperLogSummary.ts";
import { DEVNET_ACCOUNTS, type DevnetRun } from "./launchDevnet.ts";
import { waitFor } from "./waitFor.ts";

/** Parameters of {@link buildDevnetReport}. */
export type BuildDevnetReportParameters = {
  run: DevnetRun;
  datasetId: bigint;
  jobId: bigint;
  job: JobOnChain;
  firstRound: AuditRound;
  /** Wall-clock marks (ms since the epoch). */
  marks: { start: number; ingestStart: number; ingested: number; firstRound: number } & JobMilestones;
};

/** The devnet's closing report (JSON-ready: numbers and strings only). */
export type DevnetReport = Awaited<ReturnType<typeof buildDevnetReport>>;

/**
 * The devnet's report: where each column is stored, the audit rounds' proofs, the job's outcome
 * and accuracy (from the indexer's GraphQL API, checked against the chain), who was paid or
 * slashed (in the token's own symbol, read from the token contract), gas by operation (from every
 * receipt; the deployment's apart), phase times (start-up step by step), the bytes the storage
 * keepers keep on disk against the dataset's size, what the keepers recovered from: crash
 * restarts, warnings and errors in their logs, dead letters; and where the web app is served.
 *
 * @example
 * console.log(formatDevnetReport(await buildDevnetReport({ run, datasetId, jobId, job, firstRound, marks })));
 */
export async function buildDevnetReport({ run, datasetId, jobId, job, firstRound, marks }: BuildDevnetReportParameters) {
  const chain = run.deployer;
  const { StorageProofs, JobRegistry, Disputes, StakeManager, VeritrainToken } = chain.contracts;
  const token = await VeritrainToken.read.symbol();
  const names = partyNames(run);
  const nameOf = (address: Address) => names.get(address.toLowerCase()) ?? address;

  const dataset = await readDatasetOnChain(chain, datasetId);
  const registration = await chain.contracts.DatasetRegistry.read.getDataset([datasetId]);
  const datasetBytes = Number(registration.byteLength);
  const storedBytes = Array.from({ length: run.storageKeepers }, (_, i) => directoryBytes(join(run.directory, `storage-${i}`, "ipfs", "blocks"))).reduce((a, b) => a + b, 0);

  const logs = await chain.publicClient.getLogs({ address: [StorageProofs.address, JobRegistry.address, Disputes.address, StakeManager.address], fromBlock: 0n });
  const proofs = (eventName: "ProofAccepted" | "ProofRejected" | "ProofMissed") => parseEventLogs({ abi: StorageProofs.abi, logs, eventName, args: { datasetId } }).length;
  const rounds = parseEventLogs({ abi: StorageProofs.abi, logs, eventName: "RoundClosed", args: { datasetId } }).length;
  const payouts: { to: string; tokens: string; for: string }[] = [];
  for (const event of parseEventLogs({ abi: JobRegistry.abi, logs, eventName: ["JobFinalized", "JobFailed"], args: { jobId } })) {
    if (event.eventName === "JobFinalized") {
      payouts.push({ to: nameOf(event.args.provider), tokens: formatEther(event.args.payment), for: `job ${jobId}: price` });
      payouts.push({ to: nameOf(job.consumer), tokens: formatEther(event.args.refund), for: `job ${jobId}: reward − price, refunded` });
    } else {
      payouts.push({ to: nameOf(job.consumer), tokens: formatEther(event.args.refund), for: `job ${jobId} failed: reward refunded` });
    }
  }
  for (const event of parseEventLogs({ abi: Disputes.abi, logs, eventName: ["DisputeSettled", "DisputeDecidedByGame", "BondForfeited"] })) {
    if (event.eventName === "BondForfeited") {
      // A lost bond, split as a slash is (docs/dispute-game.md §3).
      const lost = `dispute ${event.args.disputeId}: challenger wrong, its bond lost`;
      payouts.push({ to: nameOf(event.args.accused), tokens: formatEther(event.args.toAccused), for: `${lost}, the accused's share` });
      payouts.push({ to: "treasury", tokens: formatEther(event.args.toTreasury), for: `${lost}, the rest` });
      continue;
    }
    const decided = `dispute ${event.args.disputeId}: ${event.args.providerWrong ? "provider wrong" : "challenger wrong"}`;
    if (event.eventName === "DisputeSettled") {
      if (event.args.providerWrong) payouts.push({ to: nameOf(event.args.bondRecipient), tokens: "bond", for: `${decided}, bond back` });
    } else {
      // The winner takes every move bond of the game, both sides' (docs/dispute-game.md §3), and a winning challenger its bond.
      const { moves } = await chain.contracts.BisectionGame.read.getGame([event.args.gameId]);
      payouts.push({ to: nameOf(event.args.bondRecipient), tokens: event.args.providerWrong ? "bond and the game's move bonds" : "the game's move bonds", for: `${decided}, decided by bisection game ${event.args.gameId} in ${moves} moves` });
    }
  }
  const slashes = parseEventLogs({ abi: StakeManager.abi, logs, eventName: "StakeSlashed" }).map(({ args }) => ({
    account: nameOf(args.account),
    tokens: formatEther(args.amount),
    beneficiary: nameOf(args.beneficiary),
    toBeneficiary: formatEther(args.toBeneficiary),
  }));

  const indexed = await indexedJob(run, jobId);
  const gas = await gasByOperation({ chain, vrfMock: run.devnet.addresses.VRFCoordinatorV2_5Mock, deploymentBlock: run.deploymentBlock });
  const seconds = (from: number, to: number | undefined) => (to === undefined ? null : Math.round((to - from) / 100) / 10);

  return {
    wall_s: seconds(marks.start, marks.settled ?? Date.now())!,
    phases: {
      startup: seconds(marks.start, marks.ingestStart),
      ingest: seconds(marks.ingestStart, marks.ingested),
      first_proof_round: seconds(marks.ingested, marks.firstRound),
      training: seconds(marks.posted, marks.submitted),
      window: seconds(marks.submitted ?? marks.posted, marks.windowClosed),
      payout: seconds(marks.windowClosed ?? marks.posted, marks.settled),
    },
    startup_s: run.startup,
    token,
    directory: run.directory,
    /** The web app's URL (the gateway keeper's), null without an app. */
    app: run.appUrl,
    dataset: {
      id: datasetId.toString(),
      manifest: dataset.manifestCid.toString(),
      bytes: datasetBytes,
      layout: `${registration.k}+${registration.n - registration.k} shards of ${registration.shardSize} B, ${registration.stripeCount} stripes`,
      columns: dataset.holders.map((holder, column) => ({ column, holder: nameOf(holder), accepted: dataset.accepted[column]! })),
    },
    stored_bytes: storedBytes,
    stored_bytes_ratio: Math.round((storedBytes / datasetBytes) * 10_000) / 10_000,
    proofs: {
      firstRound: { round: firstRound.round.toString(), audited: popcount(firstRound.audited), proved: popcount(firstRound.proved) },
      roundsClosed: rounds,
      accepted: proofs("ProofAccepted"),
      rejected: proofs("ProofRejected"),
      missed: proofs("ProofMissed"),
    },
    job: {
      id: jobId.toString(),
      status: jobStatusName(job.status),
      provider: nameOf(job.provider),
      price: formatEther(job.price),
      accuracy: job.metric / 100,
      resultDigest: job.resultDigest,
      indexed,
    },
    payouts,
    slashes,
    gas_total: gas.total.toString(),
    keepers: { restarts: run.fleet.restarts(), logs: summarizeKeeperLogs({ directory: run.directory }) },
    gas: Object.fromEntries(Object.entries(gas.byOperation).sort(([, a], [, b]) => Number(b.gas - a.gas)).map(([operation, { count, gas }]) => [operation, { count, gas: gas.toString() }])),
  };
}

/** A few lines for a person; the JSON report has the rest. */
export function formatDevnetReport(report: DevnetReport): string {
  const holders = report.dataset.columns.map((c) => `${c.column}:${c.holder}${c.accepted ? "" : "(not accepted)"}`).join(" ");
  const restarts = Object.entries(report.keepers.restarts).map(([name, count]) => `${name} ${count}`).join(", ");
  const logLines = report.keepers.logs.map(
    (keeper) => `    ${keeper.keeper}: ${keeper.warnings} warnings, ${keeper.errors} errors${keeper.deadLetters > 0 ? `, ${keeper.deadLetters} dead letters` : ""}${keeper.top.length > 0 ? ` — ${keeper.top.map((m) => `${m.message} ×${m.count}`).join("; ")}` : ""}`,
  );
  return [
    `devnet report (${report.wall_s} s)`,
    `  phases (s): ${Object.entries(report.phases).map(([phase, s]) => `${phase} ${s ?? "-"}`).join(", ")}`,
    `  startup (s): ${Object.entries(report.startup_s).map(([step, s]) => `${step} ${s}`).join(", ")}`,
    `  app: ${report.app}`,
    `  dataset ${report.dataset.id}: ${report.dataset.bytes} B MNIST, ${report.dataset.layout}, manifest ${report.dataset.manifest}`,
    `  stored where: ${holders}`,
    `  stored bytes: ${report.stored_bytes} (${report.stored_bytes_ratio}x the dataset)`,
    `  proofs: first full round ${report.proofs.firstRound.round} proved ${report.proofs.firstRound.proved}/${report.proofs.firstRound.audited}; ${report.proofs.roundsClosed} rounds closed, ${report.proofs.accepted} proofs accepted, ${report.proofs.rejected} rejected, ${report.proofs.missed} missed`,
    `  job ${report.job.id}: ${report.job.status}, provider ${report.job.provider}, price ${report.job.price} ${report.token}, accuracy ${report.job.accuracy}%`,
    `  paid: ${report.payouts.map((p) => `${p.to} ${p.tokens} (${p.for})`).join("; ") || "nobody"}`,
    `  slashed: ${report.slashes.map((s) => `${s.account} ${s.tokens} ${report.token} (${s.toBeneficiary} to ${s.beneficiary})`).join("; ") || "nobody"}`,
    `  keeper restarts after a crash: ${restarts || "none"}`,
    `  warnings and errors the keepers logged (${join(report.directory, "logs")})${logLines.length === 0 ? ": none" : ":"}`,
    ...logLines,
    `  gas by operation:`,
    ...formatGasTable(report.gas, report.gas_total).map((line) => `    ${line}`),
  ].join("\n");
}

/** The job as the indexer reports it, once the indexer has caught up with the chain. */
async function indexedJob(run: DevnetRun, jobId: bigint) {
  const head = await run.deployer.publicClient.getBlockNumber();
  const query = async (document: string) => {
    const response = await fetch(run.indexerUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: document }) });
    return ((await response.json()) as { data: Record<string, unknown> }).data;
  };
  await waitFor("the indexer to reach the chain's head", async () => {
    const data = (await query("{ _meta { block { number } } }")) as { _meta: { block: { number: number } } };
    return BigInt(data._meta.block.number) >= head;
  }, { timeoutMs: 60_000 });
  const data = (await query(`{ job(id: "${jobId}") { status provider price metric payment refund slashed disputes { id status providerWrong } } }`)) as { job: Record<string, unknown> };
  return data.job;
}

function partyNames(run: DevnetRun): Map<string, string> {
  const names = new Map<string, string>();
  const add = (account: number, name: string) => names.set(run.addressOf(account).toLowerCase(), name);
  // On the devnet the deployer is also the treasury (ignition/parameters/local.json sets none).
  for (const role of ["deployer", "automation", "owner", "consumer", "compute", "challenger", "relay"] as const) add(DEVNET_ACCOUNTS[role], role);
  for (let i = 0; i < run.validators; i++) add(DEVNET_ACCOUNTS.validator(i), `validator-${i}`);
  for (let i = 0; i < run.storageKeepers; i++) add(DEVNET_ACCOUNTS.storage(i), `storage-${i}`);
  return names;
}

function directoryBytes(directory: string): number {
  let bytes = 0;
  try {
    for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
    }
  } catch {
    // A keeper that never stored anything has no blocks directory.
  }
  return bytes;
}
