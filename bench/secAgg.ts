/**
 * Secure aggregation of one LeNet-5-sized update (61,706 float32 coordinates, seeded random values
 * in [−0.05, 0.05]) under SecAgg+ (keepers/src/privacy/secAgg/) for n = 4 and 16 participants,
 * against plain aggregation (the float32 vector, 4 bytes a coordinate) and against Paillier
 * (2048-bit key, packed plaintexts) for n = 4. Single thread, everything in this process.
 *
 *   node bench/secAgg.ts                    5 repetitions a configuration, 10 Paillier ciphertexts sampled
 *   node bench/secAgg.ts --repetitions 5 --paillier-samples 12
 *
 * Bytes are those of the encoded messages (keepers/src/privacy/secAgg/messageCodec.ts), every stage
 * and both directions, and each participant's three 32-byte digests posted on the round ledger; the global model's download is the same with or without secure aggregation
 * and is not counted. Times are medians over the repetitions. Paillier encryption and decryption
 * are measured on `--paillier-samples` ciphertexts and extrapolated to the whole update (keys
 * ending in `_extrapolated`); its homomorphic additions are measured in full.
 * Progress goes to stderr; the last line of stdout is one JSON object.
 */
import { Command } from "commander";
import { generateRandomKeys } from "paillier-bigint";
import { recomputeSum } from "../keepers/src/privacy/secAgg/aggregator.ts";
import { paillierAddUpdates, paillierDecryptSum, paillierEncryptUpdate, paillierLayout } from "../keepers/src/privacy/secAgg/paillierPacking.ts";
import { maxFractionBits, quantisation, quantise } from "../keepers/src/privacy/secAgg/quantisation.ts";
import { secAggConfig, type SecAggConfig } from "../keepers/src/privacy/secAgg/secAggConfig.ts";
import { SplitMix64 } from "../keepers/src/training/prng.ts";
import { plainSum, runRound, STAGES, type RoundTraffic } from "../test/keepers/privacy/secAggHarness.ts";

const LENET5_PARAMETERS = 61_706;
const CLIP = 1;

const options = new Command()
  .option("--repetitions <count>", "rounds per configuration", "5")
  .option("--paillier-samples <count>", "Paillier ciphertexts encrypted and decrypted to extrapolate from", "10")
  .parse()
  .opts<{ repetitions: string; paillierSamples: string }>();
const repetitions = Number(options.repetitions);
const paillierSamples = Number(options.paillierSamples);

const progress = (line: string) => process.stderr.write(`${line}\n`);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const round2 = (value: number) => Math.round(value * 100) / 100;
const round3 = (value: number) => Math.round(value * 1000) / 1000;

function updates(n: number, fractionBits: number) {
  const q = quantisation({ clip: CLIP, fractionBits, participants: n });
  const random = SplitMix64.keyed({ seed: 20n, domain: BigInt(n), index: 0n });
  const floats = Array.from({ length: n }, () => Float32Array.from({ length: LENET5_PARAMETERS }, () => 0.1 * random.nextUnit() - 0.05));
  return { q, inputs: floats.map((values) => quantise(values, q)) };
}

type Scenario = "no_dropouts" | "dropouts_after_input" | "dropouts_before_input";

async function scenarioFigures(n: number, scenario: Scenario, inputs: Uint32Array[]) {
  const dropped = scenario === "no_dropouts" ? 0 : Math.floor(n / 3);
  const silent = Array.from({ length: dropped }, (_, i) => i * 3);
  const runs: { config: SecAggConfig; result: Awaited<ReturnType<typeof runRound>>; recomputeMs: number }[] = [];
  for (let r = 0; r < repetitions; r++) {
    const config = secAggConfig({ roundSeed: Uint8Array.from({ length: 32 }, (_, i) => i + 32 * r + n), participants: n, vectorLength: LENET5_PARAMETERS });
    const result = await runRound(config, inputs, scenario === "dropouts_after_input" ? { afterInput: silent } : { beforeInput: silent });
    const reference = plainSum(inputs, result.survivors);
    if (!result.sum.every((word, i) => word === reference[i])) throw new Error("unmasked sum differs from the plain sum");
    const start = performance.now();
    const recomputed = recomputeSum(result.transcript);
    const recomputeMs = performance.now() - start;
    if (!recomputed.sum.every((word, i) => word === reference[i])) throw new Error("the sum recomputed from the transcript differs from the plain sum");
    runs.push({ config, result, recomputeMs });
    progress(`secagg n=${n} ${scenario} #${r}: client ${sum(STAGES.map((s) => result.traffic.clientMs[s][1]!)).toFixed(0)} ms (participant 1), server ${sum(STAGES.map((s) => result.traffic.serverMs[s])).toFixed(0)} ms`);
  }
  const { config, result } = runs[0]!;
  const plainPerParticipant = 4 * LENET5_PARAMETERS;
  /** Per participant whose masked vector arrived (the survivors): a dropout's traffic is not typical. */
  const finished = result.survivors;
  const sentMean = sum(finished.map((id) => result.traffic.sent[id]!)) / finished.length;
  const receivedMean = sum(finished.map((id) => result.traffic.received[id]!)) / finished.length;
  const total = sum(result.traffic.sent) + sum(result.traffic.received);
  /** A stage's time for a typical participant: the median over those that ran it. */
  const clientStage = (traffic: RoundTraffic, stage: (typeof STAGES)[number]) => median(finished.map((id) => traffic.clientMs[stage][id]!));
  return {
    dropouts: dropped,
    neighbourhood: config.neighbourhood,
    threshold: config.threshold,
    bytes_sent_per_participant: Math.round(sentMean),
    bytes_received_per_participant: Math.round(receivedMean),
    bytes_total: total,
    plain_bytes_per_participant: plainPerParticipant,
    plain_bytes_total: n * plainPerParticipant,
    sent_ratio: round3(sentMean / plainPerParticipant),
    total_ratio: round3(total / (n * plainPerParticipant)),
    client_ms_per_round: round2(median(runs.map(({ result: r }) => sum(STAGES.map((s) => clientStage(r.traffic, s)))))),
    client_ms_by_stage: Object.fromEntries(STAGES.map((s) => [s, round2(median(runs.map(({ result: r }) => clientStage(r.traffic, s))))])),
    server_ms_per_round: round2(median(runs.map(({ result: r }) => sum(STAGES.map((s) => r.traffic.serverMs[s]))))),
    server_ms_by_stage: Object.fromEntries(STAGES.map((s) => [s, round2(median(runs.map(({ result: r }) => r.traffic.serverMs[s])))])),
    recompute_ms: round2(median(runs.map(({ recomputeMs }) => recomputeMs))),
  };
}

async function secAggFigures(n: number) {
  const fractionBits = maxFractionBits({ clip: CLIP, participants: n });
  const { inputs } = updates(n, fractionBits);
  return {
    fraction_bits: fractionBits,
    no_dropouts: await scenarioFigures(n, "no_dropouts", inputs),
    dropouts_after_input: await scenarioFigures(n, "dropouts_after_input", inputs),
    dropouts_before_input: await scenarioFigures(n, "dropouts_before_input", inputs),
  };
}

async function paillierFigures(n: number) {
  const { q, inputs } = updates(n, maxFractionBits({ clip: CLIP, participants: n }));
  progress("paillier: generating a 2048-bit key");
  let start = performance.now();
  const { publicKey, privateKey } = await generateRandomKeys(2048);
  const keygenMs = performance.now() - start;
  const layout = paillierLayout(publicKey.bitLength, q);
  const ciphertextsPerUpdate = Math.ceil(LENET5_PARAMETERS / layout.slots);
  const sampleWords = paillierSamples * layout.slots;

  start = performance.now();
  const sampled = inputs.map((words) => paillierEncryptUpdate(publicKey, layout, words.subarray(0, sampleWords)));
  const encryptMsPerCiphertext = (performance.now() - start) / (n * paillierSamples);
  progress(`paillier: ${encryptMsPerCiphertext.toFixed(0)} ms per ciphertext, ${ciphertextsPerUpdate} ciphertexts per update (${layout.slots} slots of ${layout.slotBits} bits)`);

  // The additions are cheap: measured on a whole update's worth of ciphertexts, cycling the samples.
  const whole = sampled.map((update) => Array.from({ length: ciphertextsPerUpdate }, (_, i) => update[i % paillierSamples]!));
  start = performance.now();
  const added = paillierAddUpdates(publicKey, whole);
  const additionMs = performance.now() - start;

  start = performance.now();
  const decrypted = paillierDecryptSum(privateKey, layout, added.slice(0, paillierSamples), n, sampleWords);
  const decryptMsPerCiphertext = (performance.now() - start) / paillierSamples;
  const reference = plainSum(inputs.map((words) => words.subarray(0, sampleWords)), [...Array(n).keys()]);
  if (!decrypted.every((word, i) => word === reference[i])) throw new Error("Paillier sum differs from the plain sum");
  return {
    key_bits: 2048,
    keygen_ms: Math.round(keygenMs),
    slots_per_plaintext: layout.slots,
    slot_bits: layout.slotBits,
    ciphertexts_per_update: ciphertextsPerUpdate,
    bytes_per_participant: ciphertextsPerUpdate * 512,
    bytes_ratio: round3((ciphertextsPerUpdate * 512) / (4 * LENET5_PARAMETERS)),
    encrypt_ms_per_ciphertext: round2(encryptMsPerCiphertext),
    decrypt_ms_per_ciphertext: round2(decryptMsPerCiphertext),
    addition_ms_measured: round2(additionMs),
    encrypt_ms_extrapolated: Math.round(encryptMsPerCiphertext * ciphertextsPerUpdate),
    aggregator_ms_extrapolated: Math.round(additionMs + decryptMsPerCiphertext * ciphertextsPerUpdate),
  };
}

const secAgg = { "4": await secAggFigures(4), "16": await secAggFigures(16) };
const paillier = await paillierFigures(4);
const four = secAgg["4"].no_dropouts;
const result = {
  vector_length: LENET5_PARAMETERS,
  clip: CLIP,
  repetitions,
  secagg_bytes_ratio: { "4": secAgg["4"].no_dropouts.sent_ratio, "16": secAgg["16"].no_dropouts.sent_ratio },
  secagg_total_bytes_ratio: { "4": secAgg["4"].no_dropouts.total_ratio, "16": secAgg["16"].no_dropouts.total_ratio },
  masking_ms: round2(four.client_ms_by_stage.complaints! + four.client_ms_by_stage.collectMaskedVectors!),
  paillier_ms_extrapolated: paillier.encrypt_ms_extrapolated,
  secagg_aggregator_ms: four.server_ms_per_round,
  paillier_aggregator_ms_extrapolated: paillier.aggregator_ms_extrapolated,
  secagg: secAgg,
  paillier,
  notes:
    "secagg_bytes_ratio = bytes a participant sends under SecAgg+ (all five stages) / 4·L (per participant that sent its masked vector); total ratio adds what the server sends and divides by n·4·L. " +
    "masking_ms = one participant's complaints and collect-masked-vectors stages for n = 4 (checking its dealers' posted messages, opening its envelopes and checking their shares, agreeing pairwise seeds, expanding its masks); paillier_ms_extrapolated = one participant's encryption, from the per-ciphertext time. " +
    "secagg_aggregator_ms = the server's five stages for n = 4, no dropouts; recompute_ms = anyone's recomputation of the sum from the round's transcript and reveal (recomputeSum); paillier_aggregator_ms_extrapolated = homomorphic additions (measured) plus decryption (extrapolated). Dropouts are participants 0, 3, 6, … (⌊n/3⌋ of them).",
};
process.stdout.write(`${JSON.stringify(result)}\n`);
