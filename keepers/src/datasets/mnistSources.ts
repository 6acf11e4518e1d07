import { VeritrainError } from "../errors.ts";
import type { ImageSet, MnistSources } from "../training/mnist.ts";
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
  const fail = (rule: string) => new VeritrainError(`dataset ${manifest.name} is not MNIST records: ${rule}`, { code: "DATASET_NOT_MNIST", details: { rule } });
  const label = manifest.fields.find((field) => field.name === "label");
  const image = manifest.fields.find((field) => field.name === "image");
  if (label?.offset !== 0 || label.length !== 1) throw fail("no one-byte label field at offset 0");
  if (image?.offset !== 1 || image.length !== PIXELS) throw fail(`no ${PIXELS}-byte image field at offset 1`);
  if (manifest.recordSize !== 1 + PIXELS) throw fail(`records are ${manifest.recordSize} bytes, not ${1 + PIXELS}`);
  if (bytes.byteLength !== manifest.recordSize * manifest.recordCount) throw fail(`${bytes.byteLength} bytes for ${manifest.recordCount} records`);
  const set = (name: string): ImageSet => {
    const split = manifest.splits.find((s) => s.name === name);
    if (split === undefined) throw fail(`no split named ${name}`);
    const pixels = new Uint8Array(new SharedArrayBuffer(split.recordCount * PIXELS));
    const labels = new Uint8Array(new SharedArrayBuffer(split.recordCount));
    for (let i = 0; i < split.recordCount; i++) {
      const at = (split.firstRecord + i) * manifest.recordSize;
      labels[i] = bytes[at]!;
      pixels.set(bytes.subarray(at + 1, at + 1 + PIXELS), i * PIXELS);
    }
    return { pixels, labels, count: split.recordCount, rows: SIDE, cols: SIDE };
  };
  return { train: set("train"), test: set("test") };
}
