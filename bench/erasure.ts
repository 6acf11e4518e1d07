/**
 * Throughput of the erasure codec against @ronomon/reed-solomon (native, measured in the same
 * process, in alternating 50 ms bursts so both see the same machine load). Figures are MB/s of DATA: k × shard
 * size per stripe, 1 MB = 10^6 bytes. Decode drops data shards 0..(n−k−1) and rebuilds them.
 * Each figure is the median over the repetitions (the best is printed beside it): the machine
 * is shared, so single runs are noisy.
 *
 *   npm run bench:erasure                         8+3, 64 KiB and 1 MiB shards, 7 repetitions
 *   npm run bench:erasure -- --repetitions 15 --min-ms 500
 *
 * The last line of stdout is one JSON object (1 MiB figures at top level, all sizes under `sizes`).
 */
import { Command } from "commander";
import { DEFAULT_DATA_SHARDS, DEFAULT_TOTAL_SHARDS, decodeStripe, encodeStripe } from "../keepers/src/erasure/index.ts";
import { ronomon } from "../test/keepers/erasure/ronomon.ts";



type Figures = { encode: number[]; decode: number[]; peerEncode: number[]; peerDecode: number[] };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const best = (values: number[]) => Math.max(...values);
const round = (value: number) => Math.round(value);

/** Bursts alternate every this many ms: short enough to share load swings, long enough for steady state. */
const BURST_MS = 50;

/** Runs `call` for at least `ms`; returns [calls, elapsed ms]. */
async function burst(call: () => unknown, ms: number): Promise<[number, number]> {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    await call();
    calls++;
    elapsed = performance.now() - start;
  }
  return [calls, elapsed];
}

/**
 * MB/s of `dataBytes` per call for `ours` and `peer`, alternating 50 ms bursts of each (after a
 * warm-up call each) for at least `minMs` in total, so load changes on the shared machine hit
 * both sides alike instead of whichever happened to run during a busy spell.
 */
async function throughputPair(ours: () => unknown, peer: () => unknown, dataBytes: number, minMs: number): Promise<[number, number]> {
  await ours();
  await peer();
  const totals = { ours: [0, 0], peer: [0, 0] };
  while (totals.ours[1]! + totals.peer[1]! < minMs) {
    for (const [side, call] of [["ours", ours], ["peer", peer]] as const) {
      const [calls, ms] = await burst(call, BURST_MS);
      totals[side][0]! += calls;
      totals[side][1]! += ms;
    }
  }
  const rate = ([calls, ms]: number[]) => (calls! * dataBytes) / (ms! / 1000) / 1e6;
  return [rate(totals.ours), rate(totals.peer)];
}

/** Deterministic, incompressible-looking bytes (xorshift32), so no run depends on Math.random. */
function fill(buffer: Buffer, seed: number): void {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < buffer.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buffer[i] = x & 0xff;
  }
}

async function measure(k: number, m: number, shardSize: number, repetitions: number, minMs: number): Promise<Figures> {
  const data = Buffer.alloc(k * shardSize);
  fill(data, shardSize + k);
  const dataShards = Array.from({ length: k }, (_, i) => new Uint8Array(data.buffer, data.byteOffset + i * shardSize, shardSize));
  const parity = encodeStripe({ dataShards, parityCount: m });
  const lost = new Set(Array.from({ length: m }, (_, i) => i % k));
  const damaged = [...dataShards, ...parity].map((shard, i) => (lost.has(i) ? undefined : shard));
  const decoded = decodeStripe({ shards: damaged, k });
  if (!decoded.every((shard, i) => Buffer.from(shard).equals(dataShards[i]!))) throw new Error("decodeStripe did not restore the data");

  const context = ronomon.create(k, m);
  const peerBuffer = Buffer.from(data);
  const peerParity = Buffer.alloc(m * shardSize);
  const dataMask = (1 << k) - 1;
  const parityMask = ((1 << (k + m)) - 1) ^ dataMask;
  let lostMask = 0;
  for (const i of lost) lostMask |= 1 << i;
  const peer = (sources: number, targets: number) =>
    new Promise<void>((resolve, reject) =>
      ronomon.encode(context, sources, targets, peerBuffer, 0, peerBuffer.length, peerParity, 0, peerParity.length, (error) => (error ? reject(error) : resolve())),
    );
  await peer(dataMask, parityMask);
  for (const i of lost) peerBuffer.fill(0, i * shardSize, (i + 1) * shardSize);
  await peer((dataMask | parityMask) ^ lostMask, lostMask);
  if (!peerBuffer.equals(data)) throw new Error("@ronomon/reed-solomon did not restore the data");

  const figures: Figures = { encode: [], decode: [], peerEncode: [], peerDecode: [] };
  const bytes = k * shardSize;
  for (let r = 0; r < repetitions; r++) {
    const [encode, peerEncode] = await throughputPair(() => encodeStripe({ dataShards, parityCount: m }), () => peer(dataMask, parityMask), bytes, minMs);
    const [decode, peerDecode] = await throughputPair(() => decodeStripe({ shards: damaged, k }), () => peer((dataMask | parityMask) ^ lostMask, lostMask), bytes, minMs);
    figures.encode.push(encode);
    figures.peerEncode.push(peerEncode);
    figures.decode.push(decode);
    figures.peerDecode.push(peerDecode);
  }
  return figures;
}

const options = new Command()
  .description("Erasure codec throughput (MB/s of data) vs @ronomon/reed-solomon, encode and decode")
  .option("-k, --data <k>", "data shards per stripe", String(DEFAULT_DATA_SHARDS))
  .option("-m, --parity <m>", "parity shards per stripe (n − k); decode loses this many data shards", String(DEFAULT_TOTAL_SHARDS - DEFAULT_DATA_SHARDS))
  .option("-r, --repetitions <count>", "measurements per figure (median and best are reported)", "7")
  .option("--min-ms <ms>", "duration of one measurement (both codecs together)", "600")
  .parse()
  .opts<{ data: string; parity: string; repetitions: string; minMs: string }>();
const k = Number(options.data);
const m = Number(options.parity);
const repetitions = Number(options.repetitions);
const minMs = Number(options.minMs);
// @ronomon/reed-solomon 6 takes k <= 24 and m <= 6; the comparison needs both codecs.
if (!(Number.isInteger(k) && k >= 1 && k <= 24 && Number.isInteger(m) && m >= 1 && m <= 6 && repetitions >= 1 && minMs > 0)) {
  console.error(`--data must be 1..24, --parity 1..6 (the peer's limits), --repetitions >= 1, --min-ms > 0; got ${k}, ${m}, ${repetitions}, ${minMs}`);
  process.exit(2);
}

const sizes = [64 * 1024, 1024 * 1024];
const results: Record<string, Record<string, number>> = {};
console.log(`erasure ${k}+${m}: MB/s of data, median (best) of ${repetitions} measurements of ${minMs} ms, alternating 50 ms bursts; decode rebuilds ${m} lost data shards`);
console.log("shard    | op     | veritrain (WASM SIMD) | @ronomon (native)  | ratio");
console.log("---------|--------|-----------------------|--------------------|------");
for (const size of sizes) {
  const f = await measure(k, m, size, repetitions, minMs);
  const label = `${size / 1024} KiB`.padEnd(8);
  const cell = (values: number[]) => `${round(median(values))} (${round(best(values))})`;
  for (const [op, ours, theirs] of [["encode", f.encode, f.peerEncode], ["decode", f.decode, f.peerDecode]] as const) {
    console.log(`${label} | ${op} | ${cell(ours).padStart(21)} | ${cell(theirs).padStart(18)} | ${(median(ours) / median(theirs)).toFixed(2)}`);
  }
  results[String(size)] = {
    encode_MBps: round(median(f.encode)),
    decode_MBps: round(median(f.decode)),
    peer_encode_MBps: round(median(f.peerEncode)),
    peer_decode_MBps: round(median(f.peerDecode)),
    ratio_encode: Number((median(f.encode) / median(f.peerEncode)).toFixed(3)),
    ratio_decode: Number((median(f.decode) / median(f.peerDecode)).toFixed(3)),
    best_encode_MBps: round(best(f.encode)),
    best_decode_MBps: round(best(f.decode)),
    best_peer_encode_MBps: round(best(f.peerEncode)),
    best_peer_decode_MBps: round(best(f.peerDecode)),
  };
}
console.log(JSON.stringify({ k, n: k + m, shard_bytes: 1024 * 1024, ...results[String(1024 * 1024)], repetitions, sizes: results }));
