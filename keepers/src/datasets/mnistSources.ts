import { VeritrainError } from "../errors.ts";
import type { ImageSet, MnistSources } from "../training/mnist.ts";
import { readRecords, type ReadRecordsParameters } from "./fetchDataset.ts";
import type { Manifest } from "./manifest.ts";

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Parameters of {@link mnistSourcesFromRecords}. */
export type MnistSourcesFromRecordsParameters = {
  /** The dataset's manifest (its fields and splits say how to read the records). */
  manifest: Manifest;
  /** The dataset's bytes, as `fetchDataset` returns them. */
  bytes: Uint8Array;
};

/**
 * The inverse of `mnistRecords`: the training engine's two MNIST source sets, read from a
 * fetched dataset whose records are one label byte then 28×28 pixel bytes, with splits named
 * `train` and `test`. Image `i` of a split is record `firstRecord + i`, so job specs index the
 * sets exactly as they index MNIST's own files.
 *
 * @throws VeritrainError `DATASET_NOT_MNIST` naming the field or split that does not fit.
 * @example
 * const sources = mnistSourcesFromRecords({ manifest, bytes: await fetchDataset({ manifest, source }) });
 */
export function mnistSourcesFromRecords({ manifest, bytes }: MnistSourcesFromRecordsParameters): MnistSources {
  const fail = checkMnistFields(manifest);
  if (bytes.byteLength !== manifest.recordSize * manifest.recordCount) throw fail(`${bytes.byteLength} bytes for ${manifest.recordCount} records`);
  // Shared memory: the training workers read the sets.
  const shared = (length: number) => new Uint8Array(new SharedArrayBuffer(length));
  const set = (name: string) => {
    const split = splitOf(manifest, name, fail);
    return imageSet(bytes.subarray(split.firstRecord * manifest.recordSize), split.recordCount, shared);
  };
  return { train: set("train"), test: set("test") };
}

/** Parameters of {@link readMnistSplits}. */
export type ReadMnistSplitsParameters = Omit<ReadRecordsParameters, "first" | "count"> & {
  /** How many images of each split to read, from its first. */
  counts: { train: number; test: number };
};

/**
 * The first `counts` images of an MNIST dataset's `train` and `test` splits, read without fetching the rest of it
 * ({@link readRecords}: only the data shards they live in, each checked against the manifest), in unshared memory
 * (a browser that is not cross-origin isolated has no SharedArrayBuffer). A job whose splits end within `counts`
 * prepares from them exactly as from the whole dataset.
 *
 * @throws VeritrainError `DATASET_NOT_MNIST` naming the field or split that does not fit (or a count past a split).
 * @example
 * const sources = await readMnistSplits({ manifest, source: () => gateway, counts: { train: 400, test: 200 } });
 */
export async function readMnistSplits({ counts, ...parameters }: ReadMnistSplitsParameters): Promise<MnistSources> {
  const { manifest } = parameters;
  const fail = checkMnistFields(manifest);
  const set = async (name: "train" | "test") => {
    const split = splitOf(manifest, name, fail);
    if (counts[name] > split.recordCount) throw fail(`split ${name} has ${split.recordCount} records, ${counts[name]} were asked for`);
    const records = await readRecords({ ...parameters, first: split.firstRecord, count: counts[name] });
    return imageSet(records, counts[name], (length) => new Uint8Array(length));
  };
  return { train: await set("train"), test: await set("test") };
}

/** Checks the manifest's record layout is MNIST's; returns the error maker for what else does not fit. */
function checkMnistFields(manifest: Manifest): (rule: string) => VeritrainError {
  const fail = (rule: string) => new VeritrainError(`dataset ${manifest.name} is not MNIST records: ${rule}`, { code: "DATASET_NOT_MNIST", details: { rule } });
  const label = manifest.fields.find((field) => field.name === "label");
  const image = manifest.fields.find((field) => field.name === "image");
  if (label?.offset !== 0 || label.length !== 1) throw fail("no one-byte label field at offset 0");
  if (image?.offset !== 1 || image.length !== PIXELS) throw fail(`no ${PIXELS}-byte image field at offset 1`);
  if (manifest.recordSize !== 1 + PIXELS) throw fail(`records are ${manifest.recordSize} bytes, not ${1 + PIXELS}`);
  return fail;
}

function splitOf(manifest: Manifest, name: string, fail: (rule: string) => VeritrainError) {
  const split = manifest.splits.find((s) => s.name === name);
  if (split === undefined) throw fail(`no split named ${name}`);
  return split;
}

/** `count` images from `records` (label byte, then the pixels, per record), in memory from `allocate`. */
function imageSet(records: Uint8Array, count: number, allocate: (length: number) => Uint8Array): ImageSet {
  const pixels = allocate(count * PIXELS);
  const labels = allocate(count);
  for (let i = 0; i < count; i++) {
    const at = i * (1 + PIXELS);
    labels[i] = records[at]!;
    pixels.set(records.subarray(at + 1, at + 1 + PIXELS), i * PIXELS);
  }
  return { pixels, labels, count, rows: SIDE, cols: SIDE };
}
