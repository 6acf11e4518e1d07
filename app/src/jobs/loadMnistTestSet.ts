import { parseIdxImageSet, type ImageSet } from "../../../keepers/src/training/idxImageSet.ts";

/** Where the build puts MNIST's 10,000 test images and labels (scripts/appArtifacts.ts), gzipped IDX files. */
export const MNIST_TEST_URLS = { images: "./mnist/t10k-images-idx3-ubyte.gz", labels: "./mnist/t10k-labels-idx1-ubyte.gz" } as const;

async function fetchIdx(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`Could not fetch the MNIST test set (${url} answered ${response.status}).`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // A host may already have undone the gzip (Content-Encoding): only inflate gzip's magic.
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}

let cached: Promise<ImageSet> | undefined;

/**
 * MNIST's 10,000 test images, fetched once on first use (1.7 MB gzipped, never in the initial
 * load) and parsed with the engine's IDX reader.
 *
 * @example
 * const test = await loadMnistTestSet(); // test.count === 10000
 */
export function loadMnistTestSet(): Promise<ImageSet> {
  cached ??= Promise.all([fetchIdx(MNIST_TEST_URLS.images), fetchIdx(MNIST_TEST_URLS.labels)])
    .then(([images, labels]) => parseIdxImageSet({ images, labels, source: MNIST_TEST_URLS.images }))
    .catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
  return cached;
}
