import { VeritrainError } from "../errors.ts";

/** A set of labelled images: pixels as bytes, example-major. */
export type ImageSet = {
  /** [count][rows·cols] bytes 0..255, row-major within an image. */
  pixels: Uint8Array;
  /** [count] class labels 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
};

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

/** Parameters of {@link parseIdxImageSet}. */
export type ParseIdxImageSetParameters = {
  /** An IDX image file's bytes. */
  images: Uint8Array;
  /** Its IDX label file's bytes. */
  labels: Uint8Array;
  /** Names the pair in errors (a path or a URL). */
  source: string;
};

/**
 * Parses an IDX image file (magic 2051, big-endian header count/rows/cols, then bytes) and its
 * IDX label file (magic 2049, count, then bytes); the set views the given bytes, no copy. No
 * file system: the keepers read the files, the web app fetches them.
 *
 * @throws VeritrainError `DATASET_INVALID` when the magics or sizes do not match.
 * @example
 * const test = parseIdxImageSet({ images, labels, source: "t10k" }); // test.count === 10000
 */
export function parseIdxImageSet({ images, labels, source }: ParseIdxImageSetParameters): ImageSet {
  if (images.length < 16 || labels.length < 8) throw new VeritrainError(`not an IDX image/label pair: ${source}`, { code: "DATASET_INVALID" });
  const header = new DataView(images.buffer, images.byteOffset, 16);
  const labelHeader = new DataView(labels.buffer, labels.byteOffset, 8);
  if (header.getUint32(0) !== IMAGES_MAGIC || labelHeader.getUint32(0) !== LABELS_MAGIC) {
    throw new VeritrainError(`not an IDX image/label pair: ${source}`, { code: "DATASET_INVALID" });
  }
  const count = header.getUint32(4);
  const rows = header.getUint32(8);
  const cols = header.getUint32(12);
  if (labelHeader.getUint32(4) !== count || images.length !== 16 + count * rows * cols || labels.length !== 8 + count) {
    throw new VeritrainError(`IDX sizes do not match: ${source}`, { code: "DATASET_INVALID" });
  }
  return { pixels: images.subarray(16), labels: labels.subarray(8), count, rows, cols };
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

/** Parameters of {@link selectImageSet}. */
export type SelectImageSetParameters = SliceImageSetParameters & { labels?: readonly number[] };

/**
 * Examples [start, end) of a set whose label is in `labels`, in index order, copied into shared memory (the training
 * threads read them without a copy each); without `labels`, {@link sliceImageSet}'s view.
 *
 * @example
 * selectImageSet({ set: train, start: 0, end: 30000, labels: [5, 6, 7, 8, 9] }).count; // 14,669 for MNIST
 */
export function selectImageSet({ set, start, end, labels }: SelectImageSetParameters): ImageSet {
  const range = sliceImageSet({ set, start, end });
  if (labels === undefined) return range;
  const keep = new Set(labels);
  const chosen: number[] = [];
  range.labels.forEach((label, i) => {
    if (keep.has(label)) chosen.push(i);
  });
  const size = set.rows * set.cols;
  const pixels = new Uint8Array(new SharedArrayBuffer(chosen.length * size));
  const chosenLabels = new Uint8Array(new SharedArrayBuffer(chosen.length));
  chosen.forEach((index, i) => {
    pixels.set(range.pixels.subarray(index * size, (index + 1) * size), i * size);
    chosenLabels[i] = range.labels[index]!;
  });
  return { pixels, labels: chosenLabels, count: chosen.length, rows: set.rows, cols: set.cols };
}
