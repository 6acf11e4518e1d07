/** The planes of a pooling without padding, floor mode (MaxPool, AveragePool): per example and channel, input and output sizes. */
export type PoolGeometry = { channels: number; inHeight: number; inWidth: number; outHeight: number; outWidth: number };

/**
 * A pooling's geometry over per-example input shape [channels, height, width]: output rows
 * ⌊(H − kH) / sH⌋ + 1, likewise columns.
 *
 * @example
 * poolGeometry([2, 2], [2, 2], [6, 28, 28]); // { channels: 6, inHeight: 28, inWidth: 28, outHeight: 14, outWidth: 14 }
 */
export function poolGeometry(kernel: [number, number], stride: [number, number], inputShape: number[]): PoolGeometry {
  const [channels = 0, inHeight = 0, inWidth = 0] = inputShape;
  return {
    channels,
    inHeight,
    inWidth,
    outHeight: Math.floor((inHeight - kernel[0]) / stride[0]) + 1,
    outWidth: Math.floor((inWidth - kernel[1]) / stride[1]) + 1,
  };
}
