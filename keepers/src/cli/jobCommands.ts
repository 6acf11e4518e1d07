import { readFileSync, writeFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { zeroAddress, zeroHash } from "viem";
import { requireFunds } from "../chain/requireFunds.ts";
import { stakeTokens } from "../chain/stakeTokens.ts";
import { VeritrainError } from "../errors.ts";
import { checkSplitsFit } from "../jobs/checkSplitsFit.ts";
import { mnistSplitSizes } from "../datasets/mnistSplitSizes.ts";
import { defaultJobSpec, defaultRoundJobSpec } from "../jobs/defaultJobSpec.ts";
import { postRoundJob, readRoundJob } from "../roundJobs/roundJobOnChain.ts";
import { ROUND_JOB_STATUS_NAMES, RoundJobStatus } from "../roundJobs/roundJobStatus.ts";
import { setBits } from "../chain/setBits.ts";
import { specAggregation } from "../rounds/aggregationProgram.ts";
import { MAX_SLOTS, validateRoundJobSpec, type RoundJobSpec } from "../rounds/roundJobSpec.ts";
import { fetchDatasetManifest, reachableShards } from "../jobs/fetchDatasetManifest.ts";
import { JOB_STATUS_NAMES, JobStatus, postJob, readJob } from "../jobs/jobOnChain.ts";
import { storeJobSpec } from "../jobs/jobSpecBlock.ts";
import { MODEL_TEMPLATES, type ModelTemplateName } from "../training/modelTemplates.ts";
import { storeBlockSource } from "../jobs/resultManifest.ts";
import { readPublishedResult } from "../jobs/resultPublication.ts";
import { retry } from "../runtime/retry.ts";
import { contentId, RAW_CODEC } from "../training/contentId.ts";
import { validateJobSpec, type JobSpec } from "../training/jobSpec.ts";
import { declareKeyUse, openClientStore, parseCount, parseTokens, setUpCommand } from "./commandContext.ts";
import { printOutput, table } from "./printOutput.ts";
import { tokenFormatter } from "../chain/tokenFormatter.ts";

/** What a job's deadline ends, by status. */
const DEADLINE_OF: Partial<Record<(typeof JOB_STATUS_NAMES)[number], string>> = {
  Bidding: "the auction ends",
  Assigned: "the result is due",
  Submitted: "the challenge window closes",
};

/** What a distributed job's deadline ends, by status. */
const ROUND_DEADLINE_OF: Partial<Record<(typeof ROUND_JOB_STATUS_NAMES)[number], string>> = {
  Bidding: "the auction ends",
  Seeding: "the job fails unless its random seed arrives",
  Training: "the round's updates are due",
  Aggregating: "the round's aggregate is due",
  Aggregated: "the round's challenge window closes",
};

/**
 * Registers the consumer commands: `job post|status|list|result`, and `stake <amount>`.
 *
 * @example
 * registerJobCommands(program);
 */
export function registerJobCommands(program: Command): void {
  const job = program.command("job").description("post training jobs and read their state");

  declareKeyUse(job.command("post"), "signs")
    .description("build (or read) a job spec, store it and its model in this node's content store, check the token and ETH balances, compute the training-VM program a dispute game replays (from the spec, the model and the training split fetched from the dataset's holders), then post the order committing it with a permit of the reward (one transaction); serves spec and model until the job ends (challengers and validators re-execute from them)")
    .requiredOption("--dataset <id>", "DatasetRegistry id of an active MNIST dataset")
    .option("--spec <file>", "job spec JSON (docs/training.md §9); default: LeNet-5 on the dataset's MNIST splits")
    .option("--model <file>", "the ONNX model file the --spec names")
    .option("--train-images <n>", "default spec: training images", "1000")
    .option("--test-images <n>", "default spec: test images for the metric", "500")
    .option("--epochs <n>", "default spec: epochs", "1")
    .option("--seed <n>", "default spec: seed of LeNet-5's initial weights and the data order", "1")
    .addOption(new Option("--template <model>", `default spec's model: ${Object.entries(MODEL_TEMPLATES).map(([name, { description }]) => `${name}, ${description}`).join("; ")}; transformer jobs commit no training-VM program, so a committee disputes them`).choices(Object.keys(MODEL_TEMPLATES)).default("lenet5"))
    .option("--reward <tokens>", "escrowed maximum price (a distributed job: per provider per round)", "10")
    .option("--providers <n>", "compute providers to split the job across, in rounds (docs/distributed-training.md); more than 1 posts a distributed job", "1")
    .option("--rounds <n>", "distributed job: rounds", "3")
    .option("--local-steps <n>", "distributed job: optimizer steps each provider runs per round", "20")
    .addOption(new Option("--aggregation <rule>", "distributed job: how updates are combined").choices(["fedavg", "median"]).default("fedavg"))
    .option("--outer-learning-rate <eta>", "distributed job: the outer step's learning rate η (decimal, (0, 10]; 0.7 with momentum 0.9 is DiLoCo's)", "1")
    .option("--outer-momentum <mu>", "distributed job: the outer step's Nesterov momentum μ (decimal, [0, 1); 0 adds the aggregate)", "0")
    .option("--private-examples <n>", "distributed job: a private-data one, whose providers are data owners holding this many examples each (compute --private-data); no train split is published (docs/distributed-training.md: Private-data jobs)")
    .option("--target-epsilon <eps>", "private-data job: each owner trains with DP-SGD at this ε (δ = 1e-5, C = 1)")
    .option("--secure-clip <r>", "private-data job: secure aggregation clips each update coordinate to ±r (decimal); \"none\" sends updates in the clear", "0.5")
    .option("--round-period <seconds>", "distributed job: time the providers have to commit each round's update", "300")
    .option("--aggregation-period <seconds>", "distributed job: time to post each round's aggregate", "300")
    .option("--min-stake <tokens>", "stake a bidder locks", "100")
    .option("--bidding-period <seconds>", "auction length", "60")
    .option("--execution-period <seconds>", "time the winner has to submit", "3600")
    .option("--challenge-window <seconds>", "time a result stays open to challenge", "600")
    .option("--port <port>", "TCP port of this node's IPFS endpoint on 127.0.0.1", "0")
    .addOption(new Option("--peer <multiaddr...>", "compute providers (and checkers) to dial, so they can fetch spec and model from this node").default([]))
    .option("--no-wait", "exit after posting instead of serving spec and model until the job ends")
    .action(async (o, command: Command) => {
      const order = {
        datasetId: BigInt(parseCount(o.dataset, "--dataset", 1)),
        reward: parseTokens(o.reward, "--reward"),
        minStake: parseTokens(o.minStake, "--min-stake"),
        biddingPeriod: parseCount(o.biddingPeriod, "--bidding-period", 1),
        executionPeriod: parseCount(o.executionPeriod, "--execution-period", 1),
        challengeWindow: parseCount(o.challengeWindow, "--challenge-window", 1),
      };
      const recipe = {
        trainImages: parseCount(o.trainImages, "--train-images", 1),
        testImages: parseCount(o.testImages, "--test-images", 1),
        epochs: parseCount(o.epochs, "--epochs", 1),
        seed: parseCount(o.seed, "--seed"),
        template: o.template as ModelTemplateName,
      };
      const distributed = {
        slots: parseCount(o.providers, "--providers", 1, MAX_SLOTS),
        rounds: parseCount(o.rounds, "--rounds", 1),
        localSteps: parseCount(o.localSteps, "--local-steps", 1),
        aggregation: { rule: o.aggregation as "fedavg" | "median" },
        outer: { learningRate: o.outerLearningRate as string, momentum: o.outerMomentum as string },
      };
      const privateData = o.privateExamples === undefined ? undefined : {
        examples: parseCount(o.privateExamples, "--private-examples", 1),
        ...(o.targetEpsilon === undefined ? {} : { targetEpsilon: o.targetEpsilon as string }),
        secureClip: o.secureClip as string,
      };
      const periods = { roundPeriod: parseCount(o.roundPeriod, "--round-period", 1), aggregationPeriod: parseCount(o.aggregationPeriod, "--aggregation-period", 1) };
      const port = parseCount(o.port, "--port");
      const { spec: fileSpec, modelBytes: fileModel } = o.spec === undefined ? {} : readSpecFiles(o.spec, o.model);
      const rounds = fileSpec === undefined ? (distributed.slots > 1 || privateData !== undefined ? distributed : undefined) : "distributed" in fileSpec ? fileSpec.distributed : undefined;
      const escrow = rounds === undefined ? order.reward : BigInt(rounds.slots) * BigInt(rounds.rounds) * order.reward;
      const { log, config, runtime, chain } = await setUpCommand(command, "job-post");
      try {
        // Fail before fetching and storing anything; the post checks again right before it sends.
        await requireFunds({ chain, action: "posting", tokens: { amount: escrow, label: rounds === undefined ? "reward" : "escrow" } });
        const { store, keep } = await openClientStore({ config, runtime, log, port, peers: o.peer });
        const bounded = () => AbortSignal.any([runtime.signal, AbortSignal.timeout(30_000)]);
        const fetched = await fetchDatasetManifest({ chain, store, datasetId: order.datasetId, log, bounded });
        const sizes = mnistSplitSizes(fetched.manifest);
        const { spec, modelBytes } = fileSpec !== undefined && fileModel !== undefined
          ? { spec: fileSpec, modelBytes: fileModel }
          : rounds === undefined ? defaultJobSpec({ sizes, ...recipe }) : defaultRoundJobSpec({ sizes, ...recipe, distributed, privateData });
        checkSplitsFit(spec.dataset.splits, sizes);
        // The training-VM program a dispute game replays, from the images the spec reads, fetched from the dataset's holders.
        const program = "distributed" in spec
          ? undefined
          : await (await import("../jobs/specProgram.ts")).specProgram({ manifest: fetched.manifest, source: reachableShards({ reachable: fetched.reachable, store, bounded }), spec, modelBytes });
        // What the aggregate referee recomputes a round's aggregate from (0: a committee decides disputes of aggregates).
        const aggregation = "distributed" in spec ? specAggregation(spec, modelBytes).aggregation : undefined;
        const modelCid = await store.put(modelBytes);
        const { cid, specDigest } = await storeJobSpec({ store, spec });
        const jobId = "distributed" in spec
          ? await postRoundJob(chain, {
            datasetId: order.datasetId, specDigest, priceLimit: order.reward, minStake: order.minStake, slots: spec.distributed.slots, rounds: spec.distributed.rounds,
            biddingPeriod: order.biddingPeriod, ...periods, challengeWindow: order.challengeWindow, continueOnFault: spec.distributed.onFault === "continue",
            aggregation: aggregation ?? zeroHash,
          })
          : await postJob(chain, { ...order, specDigest, program: program ?? zeroHash });
        keep();
        const endpoint = store.multiaddrs()[0]?.toString();
        log.info({ jobId: jobId.toString(), spec: cid.toString(), endpoint }, "job posted");
        const tokens = await tokenFormatter(chain);
        const what = rounds === undefined
          ? `job ${jobId} posted on dataset ${order.datasetId}: reward up to ${tokens(order.reward)}`
          : `distributed job ${jobId} posted on dataset ${order.datasetId}: ${rounds.slots} providers × ${rounds.rounds} rounds at up to ${tokens(order.reward)} each (escrow ${tokens(escrow)})`;
        printOutput(command, { jobId, distributed: rounds !== undefined, specCid: cid.toString(), specDigest, modelCid: modelCid.toString(), program: program ?? null, aggregation: aggregation ?? null, endpoint, reward: escrow }, [
          `${what}, bidding for ${order.biddingPeriod} s`,
          ...table([
            ["spec", cid.toString()],
            ["model", modelCid.toString()],
            ...(rounds === undefined ? [["program", program ?? "none: the training VM cannot run this spec, so only the committee decides its disputes"] as const] : []),
            ...(aggregation === undefined ? [] : [["aggregation", aggregation === zeroHash ? "none: the referee cannot recompute this rule's aggregates, so a committee decides their disputes" : aggregation] as const]),
            ["served at", endpoint ?? "-"],
          ]),
          ...(o.wait ? [`serving spec and model until the job ends (Ctrl-C stops); follow it with: veritrain job status ${rounds === undefined ? "" : "--distributed "}${jobId}`] : []),
        ]);
        if (o.wait) {
          // Serving outlives an RPC outage: the status is asked again until the job leaves the auction and execution.
          const serving = new Error("still serving");
          // Spec and model are fetched by the provider, then by every checker of the result and every dispute (a
          // distributed job's in every round): served to the job's end, since the accused provider need not serve them.
          const stillNeeded = rounds === undefined
            ? async () => [JobStatus.Bidding, JobStatus.Assigned, JobStatus.Submitted, JobStatus.Disputed].includes((await readJob(chain, jobId)).status as 1 | 2 | 3 | 4)
            : async () => (await readRoundJob(chain, jobId)).status < RoundJobStatus.Finalized;
          await retry(
            async () => {
              if (await stillNeeded()) throw serving;
            },
            {
              attempts: Infinity,
              delayMs: 1000,
              backoff: 1,
              signal: runtime.signal,
              onRetry: (err) => err !== serving && log.warn({ err, jobId: jobId.toString() }, "chain unreachable; still serving"),
            },
          ).then(
            () => log.info({ jobId: jobId.toString() }, "spec and model no longer needed; stopped serving"),
            (error) => (runtime.signal.aborted ? undefined : Promise.reject(error)),
          );
        }
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(job.command("status <jobId>"), "reads")
    .description("print a job as JobRegistry stores it: status, consumer, provider, price, reward, deadlines, claimed metric, result digests; with --distributed, a RoundJobRegistry job: its round, slots and aggregates")
    .option("--distributed", "the job is a distributed one (posted with --providers or a spec with `distributed`)")
    .action(async (id: string, o, command: Command) => {
      const jobId = BigInt(parseCount(id, "jobId", 1));
      const { runtime, chain } = await setUpCommand(command, "job-status");
      try {
        const tokens = await tokenFormatter(chain);
        if (o.distributed) {
          const job = await readRoundJob(chain, jobId);
          const status = ROUND_JOB_STATUS_NAMES[job.status]!;
          const slots = await chain.contracts.RoundJobRegistry.read.slotsOf([jobId]);
          const done = job.status === RoundJobStatus.Finalized ? job.rounds : job.round;
          const aggregates = await Promise.all(Array.from({ length: done }, (_, round) => chain.contracts.RoundJobRegistry.read.aggregateOf([jobId, round])));
          const seed = await chain.contracts.RoundJobRegistry.read.seedOf([jobId]);
          const running = job.status >= RoundJobStatus.Training && job.status <= RoundJobStatus.Disputed;
          printOutput(command, { jobId, ...job, status, seed, slots, aggregates }, [
            ...table([
              ["job", `${jobId} (${status}, distributed)`],
              ["round", running ? `${job.round + 1} of ${job.rounds} (committed: ${setBits(job.committedMask).join(", ") || "none"})` : `${job.round} of ${job.rounds} done`],
              ["dataset", String(job.datasetId)],
              ["consumer", job.consumer],
              ["price limit", `${tokens(job.priceLimit)} per slot per round`],
              ["min stake", tokens(job.minStake)],
              ["deadline", `${new Date(job.deadline * 1000).toISOString()} (${ROUND_DEADLINE_OF[status] ?? "-"})`],
              ["spec", job.specDigest],
              ["seed", seed === zeroHash ? "-" : seed],
            ]),
            ...slots.map((slot, s) => `slot ${s}: ${slot.provider}  ${tokens(slot.price)} per round  ${slot.roundsEarned} rounds earned${job.status === RoundJobStatus.Bidding ? "  (bid held)" : slot.active ? "" : "  (dropped)"}`),
            ...aggregates.map((digest, round) => `round ${round}: global model ${digest}`),
          ]);
          return;
        }
        const job = await readJob(chain, jobId);
        const status = JOB_STATUS_NAMES[job.status];
        const submitted = job.resultDigest !== zeroHash;
        printOutput(command, { jobId, ...job, status }, table([
          ["job", `${jobId} (${status})`],
          ["dataset", String(job.datasetId)],
          ["consumer", job.consumer],
          ["provider", job.provider === zeroAddress ? "-" : job.provider],
          ["reward", tokens(job.reward)],
          ["price", job.provider === zeroAddress ? "-" : tokens(job.price)],
          ["min stake", tokens(job.minStake)],
          ["deadline", `${new Date(job.deadline * 1000).toISOString()} (${(status && DEADLINE_OF[status]) ?? "-"})`],
          ["metric", submitted ? `${(job.metric / 100).toFixed(2)} % (claimed)` : "-"],
          ["result", submitted ? `${job.resultDigest} (sha-256 of the result manifest; the weights are the last checkpoint's: veritrain job result ${jobId} --out model.onnx)` : "-"],
          ["trace root", submitted ? job.traceRoot : "-"],
          ["spec", job.specDigest],
        ]));
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(job.command("list"), "reads")
    .description("list the posted jobs, newest first: id, status, dataset, consumer, reward, claimed metric; with --distributed, RoundJobRegistry's jobs: id, status, round, slots, dataset, consumer, price limit")
    .option("--limit <n>", "at most this many", "20")
    .option("--distributed", "list the distributed jobs instead")
    .action(async (o, command: Command) => {
      const limit = parseCount(o.limit, "--limit", 1);
      const { runtime, chain } = await setUpCommand(command, "job-list");
      try {
        const tokens = await tokenFormatter(chain);
        const registry = o.distributed ? chain.contracts.RoundJobRegistry : chain.contracts.JobRegistry;
        const count = await registry.read.jobCount();
        const ids = Array.from({ length: Math.min(limit, Number(count)) }, (_, i) => count - BigInt(i));
        if (o.distributed) {
          const jobs = await Promise.all(ids.map(async (jobId) => ({ jobId, ...(await chain.contracts.RoundJobRegistry.read.getRoundJob([jobId])) })));
          printOutput(
            command,
            { count, jobs: jobs.map((j) => ({ jobId: j.jobId, status: ROUND_JOB_STATUS_NAMES[j.status], round: j.round, rounds: j.rounds, slots: j.slots, datasetId: j.datasetId, consumer: j.consumer, priceLimit: j.priceLimit })) },
            jobs.length === 0
              ? ["no distributed job posted yet"]
              : jobs.map((j) => `job ${String(j.jobId).padStart(3)}  ${ROUND_JOB_STATUS_NAMES[j.status]!.padEnd(11)}  round ${j.round}/${j.rounds}  ${j.slots} slots  dataset ${j.datasetId}  ${j.consumer}  ${tokens(j.priceLimit)}`),
          );
          return;
        }
        const jobs = await Promise.all(ids.map(async (jobId) => ({ jobId, ...(await chain.contracts.JobRegistry.read.getJob([jobId])) })));
        printOutput(
          command,
          { count, jobs: jobs.map((j) => ({ jobId: j.jobId, status: JOB_STATUS_NAMES[j.status], datasetId: j.datasetId, consumer: j.consumer, reward: j.reward, metric: j.metric })) },
          jobs.length === 0
            ? ["no job posted yet"]
            : jobs.map((j) => `job ${String(j.jobId).padStart(3)}  ${JOB_STATUS_NAMES[j.status]!.padEnd(9)}  dataset ${j.datasetId}  ${j.consumer}  ${tokens(j.reward)}${j.resultDigest === zeroHash ? "" : `  ${(j.metric / 100).toFixed(2)} %`}`),
        );
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(job.command("result <jobId>"), "reads")
    .description("rebuild a job's trained model (ONNX) from its result: the job's model with the parameters of its last checkpoint, every block fetched from the peers that serve it checked against the chain; write it, and with --evaluate measure its accuracy on MNIST's 10,000 test images (onnxruntime); with --distributed, a finalized RoundJobRegistry job's last global model, written into the job's ONNX file, and with --validation every round's global model scored on the job's validation split")
    .requiredOption("--out <file>", "where to write the ONNX model")
    .option("--distributed", "the job is a distributed one (posted with --providers or a spec with `distributed`)")
    .addOption(new Option("--peer <multiaddr...>", "peers serving the result: the compute provider's node (on the devnet: $(cat .devnet/job-peers)); a distributed job's providers").default([]))
    .option("--evaluate", "also run the model on MNIST's test set and print its accuracy next to the claimed metric")
    .option("--validation", "distributed job: also score every round's global model on the job's validation split (its dataset's, fetched from the holders), as anyone can recompute it")
    .option("--port <port>", "TCP port of this node's IPFS endpoint on 127.0.0.1", "0")
    .action(async (id: string, o, command: Command) => {
      const jobId = BigInt(parseCount(id, "jobId", 1));
      const { log, config, runtime, chain } = await setUpCommand(command, "job-result");
      try {
        if (o.distributed) {
          const { store, keep } = await openClientStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: o.peer });
          const bounded = () => AbortSignal.any([runtime.signal, AbortSignal.timeout(60_000)]);
          const { fetchFinalModel } = await import("../roundJobs/finalModel.ts");
          const { onnx, digest, rounds, privacy } = await fetchFinalModel({ chain, store, jobId, bounded });
          writeFileSync(o.out, onnx);
          keep();
          const evaluation = o.evaluate ? await evaluateOnMnist(onnx) : undefined;
          const { roundValidationScores } = await import("../roundJobs/roundScores.ts");
          const validation = o.validation ? await roundValidationScores({ chain, store, jobId, bounded, log, signal: runtime.signal }) : undefined;
          printOutput(command, { jobId, out: o.out, bytes: onnx.byteLength, globalModelDigest: digest, rounds, privacy, evaluation, validation }, [
            `wrote distributed job ${jobId}'s model to ${o.out}: ${onnx.byteLength} bytes, the global model after round ${rounds - 1} (sha-256 ${digest} as on-chain)`,
            ...(privacy === undefined ? [] : [`each data owner's DP-SGD spent ε = ${privacy.epsilon} at δ = ${privacy.delta} (σ = ${privacy.noiseMultiplier}, C = ${privacy.clipNorm}, RDP order ${privacy.order}), as the job's spec fixes it`]),
            ...(evaluation === undefined ? [] : [`measured accuracy ${(evaluation.accuracy * 100).toFixed(2)} % on MNIST's ${evaluation.images.toLocaleString("en")} test images (onnxruntime)`]),
            ...(validation ?? []).map(({ round, accuracy, images }) => `round ${round}: global model's validation accuracy ${(accuracy * 100).toFixed(2)} % on the job's ${images.toLocaleString("en")} validation images (engine)`),
          ]);
          return;
        }
        const onChain = await readJob(chain, jobId);
        if (onChain.resultDigest === zeroHash) {
          throw new VeritrainError(`job ${jobId} is ${JOB_STATUS_NAMES[onChain.status]}: no result was submitted yet (veritrain job status ${jobId})`, { code: "JOB_NO_RESULT", details: { jobId } });
        }
        const { store, keep } = await openClientStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: o.peer });
        const get = storeBlockSource({ store, jobId, bounded: () => AbortSignal.any([runtime.signal, AbortSignal.timeout(60_000)]) });
        // A result an availability dispute published on-chain is read from the chain: nothing to fetch but spec and model.
        const fromChain = await readPublishedResult({ chain, jobId });
        const { rebuildTrainedModel } = await import("../jobs/trainedModel.ts");
        const { onnx, source, checkpoints } = await rebuildTrainedModel({ get, jobId, onChain, fromChain });
        writeFileSync(o.out, onnx);
        keep();
        const evaluation = o.evaluate ? await evaluateOnMnist(onnx) : undefined;
        const from = "manifestCid" in source ? "the last of the trace root on-chain" : `published on-chain in dispute ${source.publishedIn}`;
        printOutput(command, { jobId, out: o.out, bytes: onnx.byteLength, resultDigest: onChain.resultDigest, manifest: "manifestCid" in source ? source.manifestCid.toString() : null, publishedIn: "publishedIn" in source ? source.publishedIn : null, checkpoints, claimedMetric: onChain.metric, evaluation }, [
          `wrote job ${jobId}'s model to ${o.out}: ${onnx.byteLength} bytes, the job's model with checkpoint ${checkpoints - 1}'s parameters (${from})`,
          `claimed accuracy ${(onChain.metric / 100).toFixed(2)} % on the job's test images`,
          ...(evaluation === undefined ? [] : [`measured accuracy ${(evaluation.accuracy * 100).toFixed(2)} % on MNIST's ${evaluation.images.toLocaleString("en")} test images (onnxruntime)`]),
        ]);
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(program.command("stake <tokens>"), "signs")
    .description("stake tokens in StakeManager (compute providers lock a job's minimum stake from it, validators the validator stake); checks the token and ETH balances first, then approves only what the allowance lacks and stakes")
    .action(async (amount: string, _o, command: Command) => {
      const value = parseTokens(amount, "amount");
      const { runtime, chain } = await setUpCommand(command, "stake");
      try {
        await stakeTokens({ chain, amount: value, action: "staking" });
        const stake = await chain.contracts.StakeManager.read.stakeOf([chain.account.address]);
        const tokens = await tokenFormatter(chain);
        printOutput(command, { account: chain.account.address, ...stake }, [`${chain.account.address} staked ${tokens(value)}: ${tokens(stake.available)} available, ${tokens(stake.locked)} locked`]);
      } finally {
        await runtime.close();
      }
    });
}

/** The model's accuracy on MNIST's test images, by onnxruntime (`--evaluate`; imported only then, like every module one command alone needs). */
const evaluateOnMnist = async (onnx: Uint8Array) => (await import("../training/onnxRuntimeEvaluation.ts")).mnistTestAccuracy(onnx);

/** Reads and checks a spec file (single-provider, or distributed when it has `distributed`) and its model file (the model's CID must be the spec's). */
function readSpecFiles(specPath: string, modelPath: string | undefined): { spec: JobSpec | RoundJobSpec; modelBytes: Uint8Array } {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(specPath, "utf8"));
  } catch (cause) {
    throw new VeritrainError(`${specPath} is not a readable JSON file`, { code: "JOB_SPEC_INVALID", details: { path: specPath }, cause });
  }
  const { spec } = typeof value === "object" && value !== null && "distributed" in value ? validateRoundJobSpec(value) : validateJobSpec(value);
  if (modelPath === undefined) throw new VeritrainError("--spec needs --model: the ONNX file the spec names must be served", { code: "CLI_ARGUMENT_INVALID", details: { flag: "--model" } });
  const modelBytes = new Uint8Array(readFileSync(modelPath));
  const modelCid = contentId({ bytes: modelBytes, codec: RAW_CODEC });
  if (modelCid !== spec.model) {
    throw new VeritrainError(`${modelPath} has CID ${modelCid}, the spec names ${spec.model}`, { code: "MODEL_CID_MISMATCH", details: { expected: spec.model, actual: modelCid } });
  }
  return { spec, modelBytes };
}

