import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { requireFunds } from "../chain/requireFunds.ts";
import { stakeTokens } from "../chain/stakeTokens.ts";
import { VeritrainError } from "../errors.ts";
import { checkSplitsFit } from "../jobs/checkSplitsFit.ts";
import { defaultJobSpec } from "../jobs/defaultJobSpec.ts";
import { fetchDatasetManifest } from "../jobs/fetchDatasetManifest.ts";
import { JOB_STATUS_NAMES, JobStatus, postJob, readJob } from "../jobs/jobOnChain.ts";
import { storeJobSpec } from "../jobs/jobSpecBlock.ts";
import { retry } from "../runtime/retry.ts";
import { contentId, RAW_CODEC } from "../training/contentId.ts";
import { validateJobSpec, type JobSpec } from "../training/jobSpec.ts";
import { openKeeperStore, parseCount, parseTokens, reportErrors, setUpCommand } from "./commandContext.ts";

/**
 * Registers the consumer commands: `job post`, `job status <id>`, and `stake <amount>`.
 *
 * @example
 * registerJobCommands(program);
 */
export function registerJobCommands(program: Command): void {
  const job = program.command("job").description("post training jobs and read their state");

  job
    .command("post")
    .description("build (or read) a job spec, store it and its model in this node's content store, check the token and ETH balances, then post the order with a permit of the reward (one transaction); serves spec and model until a result is submitted")
    .requiredOption("--dataset <id>", "DatasetRegistry id of an active MNIST dataset")
    .option("--spec <file>", "job spec JSON (docs/training.md §9); default: LeNet-5 on the dataset's MNIST splits")
    .option("--model <file>", "the ONNX model file the --spec names")
    .option("--train-images <n>", "default spec: training images", "1000")
    .option("--test-images <n>", "default spec: test images for the metric", "500")
    .option("--epochs <n>", "default spec: epochs", "1")
    .option("--seed <n>", "default spec: seed of LeNet-5's initial weights and the data order", "1")
    .option("--reward <tokens>", "escrowed maximum price", "10")
    .option("--min-stake <tokens>", "stake a bidder locks", "100")
    .option("--bidding-period <seconds>", "auction length", "60")
    .option("--execution-period <seconds>", "time the winner has to submit", "3600")
    .option("--challenge-window <seconds>", "time a result stays open to challenge", "600")
    .option("--port <port>", "TCP port of this node's IPFS endpoint on 127.0.0.1", "0")
    .addOption(new Option("--peer <multiaddr...>", "compute providers (and checkers) to dial, so they can fetch spec and model from this node").default([]))
    .option("--no-wait", "exit after posting instead of serving spec and model until a result is submitted")
    .action(reportErrors(async (o, command: Command) => {
      const order = {
        datasetId: BigInt(parseCount(o.dataset, "--dataset", 1)),
        reward: parseTokens(o.reward, "--reward"),
        minStake: parseTokens(o.minStake, "--min-stake"),
        biddingPeriod: parseCount(o.biddingPeriod, "--bidding-period", 1),
        executionPeriod: parseCount(o.executionPeriod, "--execution-period", 1),
        challengeWindow: parseCount(o.challengeWindow, "--challenge-window", 1),
      };
      const { spec: fileSpec, modelBytes: fileModel } = o.spec === undefined ? {} : readSpecFiles(o.spec, o.model);
      const { log, config, runtime, chain } = await setUpCommand(command, "job-post");
      try {
        // Fail before fetching and storing anything; postJob checks again right before it sends.
        await requireFunds({ chain, action: "posting", tokens: { amount: order.reward, label: "reward" } });
        const store = await openKeeperStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: o.peer });
        const bounded = () => AbortSignal.any([runtime.signal, AbortSignal.timeout(30_000)]);
        const { manifest } = await fetchDatasetManifest({ chain, store, datasetId: order.datasetId, log, bounded });
        const sizes = { train: splitSize(manifest.splits, "train"), test: splitSize(manifest.splits, "test") };
        const { spec, modelBytes } = fileSpec !== undefined && fileModel !== undefined
          ? { spec: fileSpec, modelBytes: fileModel }
          : defaultJobSpec({
              sizes,
              trainImages: parseCount(o.trainImages, "--train-images", 1),
              testImages: parseCount(o.testImages, "--test-images", 1),
              epochs: parseCount(o.epochs, "--epochs", 1),
              seed: parseCount(o.seed, "--seed"),
            });
        checkSplitsFit(spec, sizes);
        const modelCid = await store.put(modelBytes);
        const { cid, specDigest } = await storeJobSpec({ store, spec });
        const jobId = await postJob(chain, { ...order, specDigest });
        const endpoint = store.multiaddrs()[0]?.toString();
        log.info({ jobId: jobId.toString(), spec: cid.toString(), endpoint }, "job posted");
        console.log(JSON.stringify({ jobId: jobId.toString(), specCid: cid.toString(), specDigest, modelCid: modelCid.toString(), endpoint }));
        if (o.wait) {
          // Serving outlives an RPC outage: the status is asked again until the job leaves the auction and execution.
          const serving = new Error("still serving");
          const status = await retry(
            async () => {
              const { status } = await readJob(chain, jobId);
              if (status === JobStatus.Bidding || status === JobStatus.Assigned) throw serving;
              return status;
            },
            {
              attempts: Infinity,
              delayMs: 1000,
              backoff: 1,
              signal: runtime.signal,
              onRetry: (err) => err !== serving && log.warn({ err, jobId: jobId.toString() }, "chain unreachable; still serving"),
            },
          ).catch((error) => (runtime.signal.aborted ? undefined : Promise.reject(error)));
          if (status !== undefined) log.info({ jobId: jobId.toString(), status: JOB_STATUS_NAMES[status] }, "result submitted or job closed; stopped serving");
        }
      } finally {
        await runtime.close();
      }
    }));

  job
    .command("status <jobId>")
    .description("print a job as JobRegistry stores it (JSON)")
    .action(reportErrors(async (id: string, _o, command: Command) => {
      const jobId = BigInt(parseCount(id, "jobId", 1));
      const { runtime, chain } = await setUpCommand(command, "job-status");
      try {
        const job = await readJob(chain, jobId);
        const printable = Object.fromEntries(Object.entries(job).map(([key, value]) => [key, typeof value === "bigint" ? value.toString() : value]));
        console.log(JSON.stringify({ jobId: jobId.toString(), ...printable, status: JOB_STATUS_NAMES[job.status] }, null, 2));
      } finally {
        await runtime.close();
      }
    }));

  program
    .command("stake <tokens>")
    .description("stake tokens in StakeManager (compute providers lock a job's minimum stake from it, validators the validator stake); checks the token and ETH balances first, then approves only what the allowance lacks and stakes")
    .action(reportErrors(async (amount: string, _o, command: Command) => {
      const value = parseTokens(amount, "amount");
      const { runtime, chain } = await setUpCommand(command, "stake");
      try {
        await stakeTokens({ chain, amount: value, action: "staking" });
        const stake = await chain.contracts.StakeManager.read.stakeOf([chain.account.address]);
        console.log(JSON.stringify(Object.fromEntries(Object.entries({ account: chain.account.address, ...stake }).map(([key, v]) => [key, typeof v === "bigint" ? v.toString() : v]))));
      } finally {
        await runtime.close();
      }
    }));
}

/** Reads and checks a spec file and its model file (the model's CID must be the spec's). */
function readSpecFiles(specPath: string, modelPath: string | undefined): { spec: JobSpec; modelBytes: Uint8Array } {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(specPath, "utf8"));
  } catch (cause) {
    throw new VeritrainError(`${specPath} is not a readable JSON file`, { code: "JOB_SPEC_INVALID", details: { path: specPath }, cause });
  }
  const { spec } = validateJobSpec(value);
  if (modelPath === undefined) throw new VeritrainError("--spec needs --model: the ONNX file the spec names must be served", { code: "CLI_ARGUMENT_INVALID", details: { flag: "--model" } });
  const modelBytes = new Uint8Array(readFileSync(modelPath));
  const modelCid = contentId({ bytes: modelBytes, codec: RAW_CODEC });
  if (modelCid !== spec.model) {
    throw new VeritrainError(`${modelPath} has CID ${modelCid}, the spec names ${spec.model}`, { code: "MODEL_CID_MISMATCH", details: { expected: spec.model, actual: modelCid } });
  }
  return { spec, modelBytes };
}

function splitSize(splits: { name: string; recordCount: number }[], name: string): number {
  const split = splits.find((s) => s.name === name);
  if (split === undefined) throw new VeritrainError(`the dataset has no ${name} split: not an MNIST dataset`, { code: "DATASET_NOT_MNIST", details: { split: name } });
  return split.recordCount;
}
