/**
 * Throughput of the erasure codec against @ronomon/reed-solomon (native, measured in the same
 * process, interleaved so both see the same machine load). Figures are MB/s of DATA: k × shard
 * size per stripe, 1 MB = 10^6 bytes. Decode drops data shards 0..(n−k−1) and rebuilds them.
 * Each figure is the median over the repetitions (the best is printed beside it): the machine
 * is shared, so single runs are noisy.
 *
 *   npm run bench:erasure                         8+3, 64 KiB and 1 MiB shards, 7 repetitions
 *   npm run bench:erasure -- --repetitions 15 --min-ms 500
 *
 * The last line of stdout is one JSON object (1 MiB figures at top level, all sizes under `sizes`).
 */
import { createRequire } from "node:module";
import { Command } from "commander";
import { decodeStripe, encodeStripe } from "../keepers/src/erasure/index.ts";

type Ronomon = {
  create(k: number, m: number): Buffer;
  encode(
    context: Buffer, sources: number, targets: number,
    buffer: Buffer, bufferOffset: number, bufferSize: number,
    parity: Buffer, parityOffset: number, paritySize: number,
    callback: (error?: Error) => void,
  ): void;
};
const ronomon = createRequire(import.meta.url)("@ronomon/reed-solomon") as Ronomon;

type Figures = { encode: number[]; decode: number[]; peerEncode: number[]; peerDecode: number[] };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const best = (values: number[]) => Math.max(...values);
const round = (value: number) => Math.round(value);

/** MB/s of `dataBytes` per call, running `call` for at least `minMs` after one warm-up call. */
async function throughput(call: () => unknown, dataBytes: number, minMs: number): Promise<number> {
  await call();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    await call();
    calls++;
    elapsed = performance.now() - start;
  }
  return (calls * dataBytes) / (elapsed / 1000) / 1e6;
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
    figures.encode.push(await throughput(() => encodeStripe({ dataShards, parityCount: m }), bytes, minMs));
    figures.peerEncode.push(await throughput(() => peer(dataMask, parityMask), bytes, minMs));
    figures.decode.push(await throughput(() => decodeStripe({ shards: damaged, k }), bytes, minMs));
    figures.peerDecode.push(await throughput(() => peer((dataMask | parityMask) ^ lostMask, lostMask), bytes, minMs));
  }
  return figures;
}

const options = new Command()
  .description("Erasure codec throughput (MB/s of data) vs @ronomon/reed-solomon, encode and decode")
  .option("-k, --data <k>", "data shards per stripe", "8")
  .option("-m, --parity <m>", "parity shards per stripe (n − k); decode loses this many data shards", "3")
  .option("-r, --repetitions <count>", "measurements per figure (median and best are reported)", "7")
  .option("--min-ms <ms>", "duration of one measurement", "300")
  .parse()
  .opts<{ data: string; parity: string; repetitions: string; minMs: string }>();
const k = Number(options.data);
const m = Number(options.parity);
const repetitions = Number(options.repetitions);
const minMs = Number(options.minMs);

const sizes = [64 * 1024, 1024 * 1024];
const results: Record<string, Record<string, number>> = {};
console.log(`erasure ${k}+${m}: MB/s of data, median (best) of ${repetitions} × ${minMs} ms; decode rebuilds ${m} lost data shards`);
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
