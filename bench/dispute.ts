/**
 * Benchmark of the dispute game (issue 21, docs/dispute-game.md).
 * - The Solidity soft-float (contracts/libraries/SoftFloat.sol) against the JavaScript training engine, on
 *   seeded cases of test/harness/softFloatCases.ts (a million by default, split evenly over the
 *   operations), each checked bit for bit through test/contracts/utils/SoftFloatHarness.sol on the
 *   in-process Hardhat network; and the gas of each operation inside the library (median and worst over
 *   1,000 cases).
 * - A whole dispute game on the in-process Hardhat network (test/harness/vmGame.ts): BisectionGame over the
 *   real TrainingVm, a segment of `--segment-steps` steps of LeNet-5 (batch 64, SGD) on the first `--examples`
 *   MNIST training images, the provider wrong at one instruction of conv2's weight gradient (15.4M
 *   instructions) in the last step, the challenger honest. Its moves' gas, the one-step's gas, and the
 *   milliseconds the keepers' side (the VM computing states and witnesses) took per move.
 * - A whole game over a distributed slot's round (docs/dispute-game.md §8): `--round-steps` local steps of LeNet-5 with
 *   Adam (batch 64) from `TrainingVm.roundStart`, the provider loading one parameter of the global model wrong; the
 *   same figures, the one-step being a `load` with its 32-KiB chunk.
 * - An availability dispute answered on-chain (docs/dispute-game.md §5), on the protocol as the local Ignition module
 *   deploys it: a LeNet-5 job with Adam (batch 64) whose provider publishes its trace and its last checkpoint
 *   (740,508 bytes) chunk by chunk. The gas of each transaction, their total, and the bytes published.
 * - An availability dispute of a round slot's update answered on-chain (`challengeUpdate`): a data owner's masked
 *   input for LeNet-5 (one word per parameter, a SecAgg+ maskedInput message) published as its chunked blob, 32 KiB a
 *   transaction. The same figures.
 * - A wrong aggregate refuted to the aggregate referee (docs/dispute-game.md §7): a 4-slot LeNet-5 FedAvg round with
 *   outer momentum, one coordinate's 8 words proven in their 32-KiB chunks, then `decide`. The same figures.
 *
 * Prints tables, then as the last stdout line one JSON object; progress goes to stderr.
 *
 *   npm run bench:dispute
 *   npm run bench:dispute -- --cases 100000 --seed 7
 */
import cliProgress from "cli-progress";
import { Command } from "commander";
import { getContract, parseAbi, toHex, type Address } from "viem";
import { chunkedBlob } from "../keepers/src/content/chunkedBlob.ts";
import { encodeSecAggMessage } from "../keepers/src/privacy/secAgg/messageCodec.ts";
import type { StepConfig } from "../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../keepers/src/training/lenet5.ts";
import { sliceImageSet } from "../keepers/src/training/idxImageSet.ts";
import { loadMnist } from "../keepers/src/training/mnist.ts";
import { importOnnxModel } from "../keepers/src/training/onnxImport.ts";
import { vmData } from "../keepers/src/trainingVm/trainingVm.ts";
import { VmTrace } from "../keepers/src/trainingVm/vmTrace.ts";
import { encodeGlobalModel } from "../keepers/src/rounds/globalModel.ts";
import { SplitMix64 } from "../keepers/src/training/prng.ts";
import { commitRound, DisputeStatus, viem, withRunningRoundJob } from "../test/contracts/fixture.ts";
import { refereeScenario } from "../test/contracts/refereeFixture.ts";
import { SOFT_FLOAT_OPS, softFloatCases, type SoftFloatOp } from "../test/harness/softFloatCases.ts";
import { checkpointChunks } from "../keepers/src/jobs/resultPublication.ts";
import { CheckpointTree } from "../keepers/src/training/checkpointTree.ts";
import { submittedBy } from "../test/harness/gameJob.ts";
import { ADAM, checkpointOf, initial, scheduleOf, SGD } from "../test/harness/vmFixture.ts";
import { GAME_PHASE } from "../keepers/src/trainingVm/gameMoves.ts";
import { play } from "../test/harness/vmGame.ts";
import { buildContracts } from "./gas.ts";

const options = new Command("bench:dispute")
  .description("Soft-float agreement with the training engine and gas per operation; last line is JSON.")
  .option("--cases <n>", "cases in all, split evenly over the operations", "1000000")
  .option("--seed <n>", "seed of the case streams", "1")
  .option("--segment-steps <n>", "steps of the disputed segment (a checkpoint interval)", "50")
  .option("--examples <n>", "MNIST training images the job trains on", "10000")
  .option("--round-steps <n>", "local steps of the distributed slot's disputed round", "5")
  .parse()
  .opts<{ cases: string; seed: string; segmentSteps: string; examples: string; roundSteps: string }>();

const HARNESS_ABI = parseAbi([
  "function run(uint8 op, uint64[] a, uint64[] b) pure returns (uint64[])",
  "function gasUsed(uint8 op, uint64[] a, uint64[] b) view returns (uint256[])",
]);
/** Cases whose gas is measured per operation (the edge values first, then seeded ones). */
const GAS_SAMPLE = 1000;
/** Disagreements printed to stderr (all are counted). */
const SHOWN_DISAGREEMENTS = 20;

const seed = BigInt(options.seed);
const perOp = Math.ceil(Number(options.cases) / SOFT_FLOAT_OPS.length);
const total = perOp * SOFT_FLOAT_OPS.length;
const hex = (word: bigint) => `0x${word.toString(16).padStart(16, "0")}`;

process.stderr.write("compiling the contracts (a no-op when up to date)\n");
buildContracts();
const { address }: { address: Address } = await viem.deployContract("SoftFloatHarness");
const harness = getContract({ address, abi: HARNESS_ABI, client: { public: await viem.getPublicClient() } });

const progress = new cliProgress.SingleBar(
  {
    stream: process.stderr,
    format: "softfloat [{bar}] {value}/{total} cases | {op} | {rate} cases/s",
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  },
  cliProgress.Presets.shades_classic,
);
const started = performance.now();
let agreed = 0;
let checked = 0;
let shown = 0;
const secondsByOp: Partial<Record<SoftFloatOp, number>> = {};
progress.start(total, 0, { op: SOFT_FLOAT_OPS[0], rate: 0 });
for (const op of SOFT_FLOAT_OPS) {
  const opStarted = performance.now();
  for (const { code, a, b, expected } of softFloatCases({ seed, op, count: perOp })) {
    const results = await harness.read.run([code, a, b]);
    for (const [i, result] of results.entries()) {
      if (result === expected[i]) {
        agreed++;
      } else if (shown++ < SHOWN_DISAGREEMENTS) {
        progress.stop();
        process.stderr.write(`DISAGREEMENT ${op}(${hex(a[i]!)}${b.length > 0 ? `, ${hex(b[i]!)}` : ""}) = ${hex(result)}, JavaScript ${hex(expected[i]!)}\n`);
      }
    }
    checked += a.length;
    progress.update(checked, { op, rate: Math.round(checked / ((performance.now() - started) / 1000)) });
  }
  secondsByOp[op] = (performance.now() - opStarted) / 1000;
}
progress.stop();
const seconds = (performance.now() - started) / 1000;

const gas: Partial<Record<SoftFloatOp, number>> = {};
console.log(`${agreed.toLocaleString("en")} of ${total.toLocaleString("en")} cases agree bit for bit (seed ${seed}, ${seconds.toFixed(1)} s)`);
console.log("op       | cases  | seconds | median gas | max gas");
for (const op of SOFT_FLOAT_OPS) {
  const used: number[] = [];
  for (const { code, a, b } of softFloatCases({ seed: seed + 1n, op, count: GAS_SAMPLE })) {
    used.push(...(await harness.read.gasUsed([code, a, b])).map(Number));
  }
  used.sort((x, y) => x - y);
  gas[op] = used[used.length - 1]!;
  console.log(
    [op.padEnd(8), String(perOp).padStart(6), secondsByOp[op]!.toFixed(1).padStart(7), String(used[used.length >> 1]).padStart(10), String(gas[op]).padStart(7)].join(" | "),
  );
}
if (agreed !== total) process.exitCode = 1;

process.stderr.write(`playing a dispute game over the training VM: LeNet-5, ${options.segmentSteps} steps of batch 64 on ${options.examples} images (minutes: the keepers' side runs every step twice)\n`);
const game = await measureVmGame({ examples: Number(options.examples), steps: Number(options.segmentSteps) });
console.log(`a game over ${options.segmentSteps} steps of LeNet-5 (B = 64), the provider wrong at one instruction of ${game.faultOperatorInstructions.toLocaleString("en")} in conv2's weight gradient: ${game.moves} moves, ${game.winner} won`);
console.log("move     | count | max gas | total gas | keeper ms (max)");
for (const [move, { count, max, total, keeperMs }] of Object.entries(game.byMove)) {
  console.log([move.padEnd(8), String(count).padStart(5), String(max).padStart(7), String(total).padStart(9), String(Math.round(keeperMs)).padStart(15)].join(" | "));
}
if (game.winner !== "challenger") process.exitCode = 1;

process.stderr.write(`playing a game over a distributed slot's round: LeNet-5 with Adam, ${options.roundSteps} local steps of batch 64, wrong at one loaded parameter\n`);
const slotGame = await measureSlotGame({ examples: Number(options.examples), steps: Number(options.roundSteps) });
console.log(
  `a game over a slot's round of ${options.roundSteps} local steps of LeNet-5 (Adam, B = 64) from roundStart, the provider loading one parameter wrong: ${slotGame.moves} moves, ${slotGame.gasTotal.toLocaleString("en")} gas, at most ${slotGame.maxMoveGas.toLocaleString("en")} a move but the one-step load's ${slotGame.oneStepGas?.toLocaleString("en")}, ${slotGame.winner} won`,
);
if (slotGame.winner !== "challenger") process.exitCode = 1;

process.stderr.write("publishing a LeNet-5 job's result on-chain for an availability dispute\n");
const publication = await measurePublication({ examples: Number(options.examples) });
console.log(
  `an availability dispute answered on-chain: LeNet-5 with Adam, a ${publication.bytes.toLocaleString("en")}-byte last checkpoint in ${publication.chunks} chunks (${publication.zeroChunks} all zero), ${publication.transactions} transactions, ${publication.gasTotal.toLocaleString("en")} gas (at most ${publication.maxTxGas.toLocaleString("en")} in one)`,
);
if (!publication.published) process.exitCode = 1;

process.stderr.write("publishing a LeNet-5 masked input on-chain for an update availability dispute\n");
const updatePublication = await measureUpdatePublication();
console.log(
  `an update availability dispute answered on-chain: a LeNet-5 masked input of ${updatePublication.bytes.toLocaleString("en")} bytes in ${updatePublication.transactions} chunks, ${updatePublication.gasTotal.toLocaleString("en")} gas (at most ${updatePublication.maxTxGas.toLocaleString("en")} in one)`,
);
if (!updatePublication.published) process.exitCode = 1;

process.stderr.write("refuting a wrong LeNet-5 aggregate to the aggregate referee\n");
const refutation = await measureAggregateRefutation();
console.log(
  `a wrong aggregate refuted on-chain, no committee: a 4-slot LeNet-5 FedAvg round with outer momentum, ${refutation.words} words proven and one decision, ${refutation.transactions} transactions, ${refutation.gasTotal.toLocaleString("en")} gas (at most ${refutation.maxTxGas.toLocaleString("en")} in one)`,
);
if (!refutation.refuted) process.exitCode = 1;
console.log(
  JSON.stringify({
    softfloat_cases_agreed: agreed,
    softfloat_cases_total: total,
    softfloat_seconds: Number(seconds.toFixed(1)),
    softfloat_gas: gas,
    game_moves: game.moves,
    game_gas_total: game.gasTotal,
    max_move_gas: game.maxMoveGas,
    one_step_gas: game.oneStepGas,
    keeper_ms_per_move_max: game.keeperMsMax,
    slot_game_moves: slotGame.moves,
    slot_game_gas_total: slotGame.gasTotal,
    slot_max_move_gas: slotGame.maxMoveGas,
    slot_one_step_gas: slotGame.oneStepGas,
    availability_gas_total: publication.gasTotal,
    availability_max_tx_gas: publication.maxTxGas,
    availability_transactions: publication.transactions,
    availability_bytes: publication.bytes,
    update_availability_gas_total: updatePublication.gasTotal,
    update_availability_max_tx_gas: updatePublication.maxTxGas,
    update_availability_transactions: updatePublication.transactions,
    update_availability_bytes: updatePublication.bytes,
    aggregate_refutation_gas_total: refutation.gasTotal,
    aggregate_refutation_max_tx_gas: refutation.maxTxGas,
    aggregate_refutation_transactions: refutation.transactions,
  }),
);

/**
 * Answers an availability dispute the way the compute keeper does (jobs/resultPublication.ts): job 1, a LeNet-5
 * job with Adam trained one step by the VM, its trace (checkpoints 0 and 1) and then every chunk of checkpoint 1
 * published by its provider. Returns the transactions' gas and whether the dispute ended with the result standing.
 */
async function measurePublication({ examples }: { examples: number }) {
  const model = importOnnxModel(createLeNet5Onnx({ seed: 1n })).definition;
  const config: StepConfig = { ...ADAM, batchSize: 64, microBatches: 1 };
  const data = vmData(sliceImageSet({ set: loadMnist().train, start: 0, end: examples }));
  const checkpoint = checkpointOf(config, initial(model, config, 0), examples);
  const run = new VmTrace({ model, config, data, examples, checkpoint, firstStep: 0, schedule: scheduleOf(checkpoint, 1, 1) });
  const tree = new CheckpointTree([run.checkpointRoot(0), run.checkpointRoot(1)]);
  const last = run.checkpointAt(1);
  const p = await submittedBy(run, run.program.hash, tree);
  const publicClient = await viem.getPublicClient();
  const as = { account: p.providerA.account };
  await p.disputes.write.challengeResult([p.jobId], { account: p.challenger.account });
  const used: number[] = [];
  const sent = async (hash: Promise<`0x${string}`>) => used.push(Number((await publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed));
  const batch = tree.multiProof(0, 2);
  await sent(p.disputes.write.publishTrace([1n, { ...batch, from: 0n }, run.program.segmentWitness()], as));
  const { depth } = await p.disputes.read.getPublication([1n]);
  const chunks = checkpointChunks(last, depth, await p.disputes.read.CHUNK_DEPTH());
  for (const { chunk, words, proof } of chunks) await sent(p.disputes.write.publishChunk([1n, chunk, words, proof], as));
  const { status } = await p.disputes.read.getDispute([1n]);
  return {
    bytes: last.length,
    chunks: chunks.length,
    zeroChunks: chunks.filter(({ words }) => words.length === 0).length,
    transactions: used.length,
    gasTotal: used.reduce((a, b) => a + b, 0),
    maxTxGas: Math.max(...used),
    published: status === DisputeStatus.ChallengerWrong, // the result stands
  };
}

/**
 * Answers an availability dispute of a round update the way a data owner's keeper does (roundJobs/updatePublication.ts):
 * round 0 of a 4-slot job, slot 2's commitment the chunked-blob digest of a LeNet-5-sized masked input (seeded words),
 * disputed as unavailable and published chunk by chunk. Returns the transactions' gas and whether the update stood.
 */
async function measureUpdatePublication() {
  const parameters = importOnnxModel(createLeNet5Onnx({ seed: 1n })).params.length;
  const random = new SplitMix64(1n);
  const words = Uint32Array.from({ length: parameters }, () => random.nextUint32());
  const blob = chunkedBlob(encodeSecAggMessage({ kind: "maskedInput", roundSeed: new Uint8Array(32).fill(7), from: 2, words }));
  const p = await withRunningRoundJob();
  const publicClient = await viem.getPublicClient();
  await commitRound(p, 0, [0, 1, 3]);
  await p.roundJobRegistry.write.commitUpdate([p.jobId, 0, blob.digest], { account: p.slotWallets[2]!.account });
  await p.disputes.write.challengeUpdate([p.jobId, 0, 2], { account: p.challenger.account });
  const used: number[] = [];
  for (let i = 0; i < blob.chunkCount; i++) {
    const hash = await p.disputes.write.publishUpdateChunk([1n, BigInt(blob.length), blob.root, BigInt(i), toHex(blob.chunk(i)), blob.proof(i)], { account: p.slotWallets[2]!.account });
    used.push(Number((await publicClient.waitForTransactionReceipt({ hash })).gasUsed));
  }
  const { status } = await p.disputes.read.getDispute([1n]);
  return {
    bytes: blob.length,
    transactions: used.length,
    gasTotal: used.reduce((a, b) => a + b, 0),
    maxTxGas: Math.max(...used),
    published: status === DisputeStatus.ChallengerWrong, // the update stands
  };
}

/**
 * Refutes a wrong aggregate the way the challenger keeper does (roundJobs/aggregateRefutation.ts): round 1 of a 4-slot
 * LeNet-5 job committing its aggregation program (FedAvg, η = 0.7, μ = 0.9), the posted global model one ulp off at its
 * middle parameter; 8 words proven (4 updates, the previous and the posted parameter and momentum), then `decide`.
 * Returns the transactions' gas and whether the aggregate was found wrong.
 */
async function measureAggregateRefutation() {
  const parameters = importOnnxModel(createLeNet5Onnx({ seed: 1n })).params.length;
  // A coordinate in the middle: every word in a full 32-KiB chunk (the last chunks are shorter, and cheaper).
  const { program, wrongG2, withDisputed, evidenceFor } = refereeScenario(parameters, Math.floor(parameters / 2));
  const p = await withDisputed(wrongG2);
  const evidence = evidenceFor(wrongG2);
  if (evidence.kind !== "coordinate") throw new Error("expected a wrong coordinate");
  const publicClient = await viem.getPublicClient();
  const used: number[] = [];
  const send = async (hash: Promise<`0x${string}`>) => used.push(Number((await publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed));
  for (const { subject, chunk } of evidence.words) await send(p.referee.write.proveWord([1n, program, evidence.coordinate, subject, chunk], { account: p.challenger.account }));
  await send(p.referee.write.decide([1n, program], { account: p.challenger.account }));
  const { status } = await p.disputes.read.getDispute([1n]);
  return {
    words: evidence.words.length,
    transactions: used.length,
    gasTotal: used.reduce((a, b) => a + b, 0),
    maxTxGas: Math.max(...used),
    refuted: status === DisputeStatus.ProviderWrong,
  };
}

/**
 * Plays one game over the training VM (test/harness/vmGame.ts): a provider whose run is wrong at one
 * instruction of conv2's weight gradient in the segment's last step, against an honest challenger. Returns the gas
 * of each move (its transaction's gasUsed) and the keepers' milliseconds to compute it, by kind.
 */
async function measureVmGame({ examples, steps }: { examples: number; steps: number }) {
  const model = importOnnxModel(createLeNet5Onnx({ seed: 1n })).definition;
  const config: StepConfig = { ...SGD, batchSize: 64, microBatches: 1 };
  const data = vmData(sliceImageSet({ set: loadMnist().train, start: 0, end: examples }));
  const checkpoint = checkpointOf(config, initial(model, config, 0), examples);
  const traceOf = (fault?: { step: number; position: { operator: number; instruction: number } }) =>
    new VmTrace({ model, config, data, examples, checkpoint, firstStep: 0, schedule: scheduleOf(checkpoint, steps, steps), fault });
  const truth = traceOf();
  // Operator 30 is conv2's weight gradient (16 × 150 elements, each 6,400 products and a store): the provider stores
  // one element wrong, so its velocity and weight are wrong too (a wrong activation could die in a ReLU).
  const faultOperatorInstructions = truth.counts(steps - 1)[30]!;
  if (faultOperatorInstructions !== 16 * 150 * 6401) throw new Error("operator 30 is not conv2's weight gradient: update the bench");
  const fault = { step: steps - 1, position: { operator: 30, instruction: Math.floor(16 * 150 * 0.61) * 6401 + 6400 } };
  const claimed = traceOf(fault);
  if (claimed.stateAt(steps) === truth.stateAt(steps)) throw new Error("the fault did not change the segment's last state: move it");
  const outcome = await play({ truth, claimed, choice: "honest", firstStep: 0, steps, onMove: showMove });
  return { ...gameFigures(outcome), faultOperatorInstructions };
}

/** Progress of a game's moves, on stderr. */
function showMove({ move, gas, keeperMs, level }: { move: string; gas: number; keeperMs: number; level: number }) {
  process.stderr.write(`  ${move} at level ${level}: ${gas.toLocaleString("en")} gas, keepers ${Math.round(keeperMs)} ms\n`);
}

/** A played game's figures: gas and the keepers' milliseconds by kind of move, the winner, totals and maxima. */
function gameFigures(outcome: Awaited<ReturnType<typeof play>>) {
  const byMove: Record<string, { count: number; max: number; total: number; keeperMs: number }> = {};
  for (const { move, gas, keeperMs } of outcome.gas) {
    const entry = (byMove[move] ??= { count: 0, max: 0, total: 0, keeperMs: 0 });
    entry.count++;
    entry.max = Math.max(entry.max, gas);
    entry.total += gas;
    entry.keeperMs = Math.max(entry.keeperMs, keeperMs);
  }
  const moves = outcome.gas.filter(({ move }) => move !== "step");
  return {
    byMove,
    winner: outcome.phase === GAME_PHASE.ChallengerWon ? "challenger" : "provider",
    moves: outcome.gas.length,
    gasTotal: outcome.gas.reduce((sum, { gas }) => sum + gas, 0),
    maxMoveGas: Math.max(...moves.map(({ gas }) => gas)),
    oneStepGas: byMove.step?.max ?? null,
    keeperMsMax: Math.round(Math.max(...outcome.gas.map(({ keeperMs }) => keeperMs))),
  };
}

/**
 * A game over a distributed slot's round (docs/dispute-game.md §8): round 1 of LeNet-5 with Adam (batch 64), `steps`
 * local steps on the first `examples` MNIST images from `TrainingVm.roundStart`, the provider loading one parameter
 * of the global model (a layout-1 blob of 8 chunks) wrong, against an honest challenger: the game ends on that `load`,
 * executed on-chain with its 32-KiB chunk.
 */
async function measureSlotGame({ examples, steps }: { examples: number; steps: number }) {
  const model = importOnnxModel(createLeNet5Onnx({ seed: 1n })).definition;
  const config: StepConfig = { ...ADAM, batchSize: 64, microBatches: 1 };
  const data = vmData(sliceImageSet({ set: loadMnist().train, start: 0, end: examples }));
  const params = initial(model, config, 0).params;
  const globalModel = encodeGlobalModel({ round: 1, params });
  const checkpoint = checkpointOf(config, { ...initial(model, config, steps), params: new Float32Array(model.parameterCount) }, examples);
  const schedule = { ...scheduleOf(checkpoint, steps, 10 * steps), rounds: true };
  const traceOf = (fault?: { step: number; position: { operator: number; instruction: number } }) =>
    new VmTrace({ model, config, data, examples, checkpoint, firstStep: steps, schedule, globalModel, fault });
  const truth = traceOf();
  // Parameter 40,000, in the blob's chunk 4: conv layers' weights are before it, so a wrong value there moves fc1.
  const fault = { step: steps, position: { operator: 0, instruction: 40_000 } };
  const claimed = traceOf(fault);
  if (claimed.stateAt(2 * steps) === truth.stateAt(2 * steps)) throw new Error("the fault did not change the round's last state: move it");
  const outcome = await play({ truth, claimed, choice: "honest", firstStep: steps, steps, onMove: showMove });
  return gameFigures(outcome);
}
