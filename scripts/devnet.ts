/**
 * The local devnet, start to finish: a Hardhat chain node on 127.0.0.1, the protocol deployed
 * with Ignition, every keeper as its own process (12 storage, compute, challenger, 9 validators,
 * relay, automation, indexer, and the gateway serving the web app), MNIST ingested and audited with real Groth16 proofs, a LeNet-5 job
 * carried to payout, and a report. Stops everything at the end, or keeps it running with
 * --keep-running (Ctrl-C stops it). One line per phase on stderr (a spinner or bar during waits on
 * a terminal); keeper data and every log (the keepers', the devnet's, the build's): .devnet/.
 *
 *   npm run devnet [-- --keep-running --dishonest --full --port 8545 --images 10000]
 */
import { join } from "node:path";
import { Command } from "commander";
import { createDevnetConsole } from "../keepers/src/devnet/devnetConsole.ts";
import { DEVNET_DEFAULTS, runDevnet } from "../keepers/src/devnet/runDevnet.ts";
import { formatDevnetReport } from "../keepers/src/devnet/devnetReport.ts";
import { DEVNET_MAX_PROVIDERS, DEVNET_OWNED_FROM, DEVNET_OWNER_EXAMPLES, formatRoundJobReport, type DevnetRoundJob } from "../keepers/src/devnet/roundJobPhase.ts";
import { createFileLogger } from "../keepers/src/devnet/fileLogger.ts";
import { parseCount } from "../keepers/src/cli/commandContext.ts";
import { parseDishonesty } from "../keepers/src/compute/dishonesty.ts";
import { VeritrainError } from "../keepers/src/errors.ts";

const options = new Command("devnet")
  .description("Run the veritrain devnet on 127.0.0.1: chain, keepers, MNIST stored and audited, a LeNet-5 job to payout, then a report.")
  .option("--port <port>", "JSON-RPC port of the chain node (keepers use the next 30 ports, their /healthz endpoints the same ports + 1000)", String(DEVNET_DEFAULTS.port))
  .option("--keep-running", "keep the chain and the keepers running after the report (Ctrl-C stops them)")
  .option("--dishonest [level:n]", "the compute keeper's run is wrong at one level of a dispute game — checkpoint:<n> (checkpoint n's hash; <n> alone, default 1), step:<n> (step n's weight update) or instruction:<n> (one instruction inside step n): the challenger opens a game, both keepers play it, the chain executes the one instruction they disagree on, and the dishonest keeper is slashed, the consumer refunded")
  .option("--full", `train 10 epochs instead of ${DEVNET_DEFAULTS.epochs}`)
  .option("--images <n|all>", "first N images of each MNIST split to ingest, or all (60,000 + 10,000)", String(DEVNET_DEFAULTS.images))
  .option("--shard-size <bytes>", "bytes per shard", String(DEVNET_DEFAULTS.shardSize))
  .option("--train-images <n>", "training images of the job", String(DEVNET_DEFAULTS.trainImages))
  .option("--test-images <n>", "test images of the job's accuracy", String(DEVNET_DEFAULTS.testImages))
  .option("--challenge-window <seconds>", "the job's challenge window", String(DEVNET_DEFAULTS.challengeWindow))
  .option("--dir <dir>", "working directory (wiped first)", DEVNET_DEFAULTS.directory)
  .option("--providers <n>", `instead of the single-provider job, a distributed one across this many compute keepers (2–${DEVNET_MAX_PROVIDERS})`)
  .option("--rounds <n>", "distributed job: rounds", "3")
  .option("--local-steps <n>", "distributed job: steps each provider trains per round", "20")
  .option("--dishonest-slot <slot>", "distributed job: the provider holding this slot poisons its updates; caught, slashed and dropped, the job finishes without it")
  .option("--private", "distributed job: a private-data one — each provider a data owner of 1,000 MNIST training images the dataset never holds (from 50,000 on), DP-SGD at ε = 3, updates summed by SecAgg+ (needs --providers ≥ 3)")
  .option("--dishonest-aggregator", "distributed job: the compute keeper posts the first aggregate at once, from no updates; the challenger recomputes the round and proves one coordinate wrong to the aggregate referee (a private-data job under secure aggregation: a committee judges), the aggregate is voided and the aggregator slashed, an honest keeper posts the real one")
  .parse()
  .opts<{
    port: string; keepRunning?: boolean; dishonest?: true | string; full?: boolean; images: string; shardSize: string; trainImages: string; testImages: string; challengeWindow: string; dir: string;
    providers?: string; rounds: string; localSteps: string; dishonestSlot?: string; private?: boolean; dishonestAggregator?: boolean;
  }>();

/** The distributed job's settings, checked. */
function distributedJob(providers: string, images: number | undefined): DevnetRoundJob {
  const job: DevnetRoundJob = {
    providers: parseCount(providers, "--providers", options.private ? 3 : 2, DEVNET_MAX_PROVIDERS),
    rounds: parseCount(options.rounds, "--rounds", 1),
    localSteps: parseCount(options.localSteps, "--local-steps", 1),
    dishonestAggregator: options.dishonestAggregator === true,
  };
  if (options.private && (images === undefined || images > DEVNET_OWNED_FROM)) {
    throw new VeritrainError(`--private needs --images at most ${DEVNET_OWNED_FROM}: the data owners' images, from ${DEVNET_OWNED_FROM} on, must not be in the published dataset`, { code: "CONFIG_INVALID", details: { field: "images" } });
  }
  if (options.private) job.privateData = { examples: DEVNET_OWNER_EXAMPLES, targetEpsilon: "3" };
  if (options.dishonestSlot !== undefined) job.dishonestSlot = parseCount(options.dishonestSlot, "--dishonest-slot", 0, job.providers - 1);
  return job;
}

const log = createFileLogger("devnet", join(options.dir, "logs", "devnet.log"));
const controller = new AbortController();
const progress = createDevnetConsole();
const fail = (error: unknown): never => {
  process.stderr.write(`devnet: error${error instanceof VeritrainError ? ` [${error.code}]` : ""}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
};
// The first signal stops the run and everything it started; a second one exits at once (the
// chain node and keepers are killed on exit either way).
const onSignal = () => (controller.signal.aborted ? process.exit(130) : controller.abort());
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

let settings: Omit<Parameters<typeof runDevnet>[0], "log" | "progress" | "signal">;
try {
  settings = {
    port: parseCount(options.port, "--port", 1),
    directory: options.dir,
    images: options.images === "all" ? undefined : parseCount(options.images, "--images", 1),
    shardSize: parseCount(options.shardSize, "--shard-size", 1),
    trainImages: parseCount(options.trainImages, "--train-images", 1),
    testImages: parseCount(options.testImages, "--test-images", 1),
    epochs: options.full ? 10 : DEVNET_DEFAULTS.epochs,
    recipe: DEVNET_DEFAULTS.recipe,
    biddingPeriod: DEVNET_DEFAULTS.biddingPeriod,
    challengeWindow: parseCount(options.challengeWindow, "--challenge-window", 1),
    dishonesty: options.dishonest === undefined ? undefined : parseDishonesty(options.dishonest),
    distributed: options.providers === undefined ? undefined : distributedJob(options.providers, options.images === "all" ? undefined : parseCount(options.images, "--images", 1)),
  };
} catch (error) {
  fail(error);
}
const outcome = await runDevnet({ ...settings!, log, progress, signal: controller.signal }).catch((error: unknown) => {
  // runDevnet has stopped the keepers and the chain already.
  if (!controller.signal.aborted) fail(error);
  progress.say("interrupted; everything stopped");
  process.exit(130);
});
const { run, report } = outcome;
console.log("slots" in report ? formatRoundJobReport(report) : formatDevnetReport(report));
console.log(JSON.stringify(report));
if (options.keepRunning && !controller.signal.aborted) {
  progress.say(`still running: chain ${run.devnet.rpcUrl}, subgraph ${run.indexerUrl}, app ${run.appUrl}, deployment ${run.deploymentFile}; Ctrl-C stops it`);
  await new Promise((resolve) => controller.signal.addEventListener("abort", resolve, { once: true }));
}
progress.say("stopping the keepers and the chain");
await run.stop();
// Stopped by a signal (Ctrl-C, SIGTERM): the shell's convention, whether the run had finished or not.
if (controller.signal.aborted) process.exit(130);
