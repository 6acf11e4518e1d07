import { VeritrainError } from "../errors.ts";

/**
 * The 16 values of 4-bit NormalFloat (Dettmers et al. 2023, QLoRA), as binary32, code 0 … 15:
 * bitsandbytes' `dDequantizeNF4` (csrc/kernels.cu). Code 7 is 0, codes 0 and 15 are −1 and 1.
 */
export const NF4_VALUES: Float32Array = Float32Array.from([
  -1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
  -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0,
  0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1,
]);

/**
 * The 15 decision thresholds t_j = fround((c_j + c_{j+1}) / 2): the binary32 midpoints of adjacent
 * codes, which are the constants of bitsandbytes' `dQuantizeNF4` decision tree.
 */
export const NF4_THRESHOLDS: Float32Array = Float32Array.from({ length: 15 }, (_, j) => (NF4_VALUES[j]! + NF4_VALUES[j + 1]!) / 2);

/** Values per absmax block (QLoRA's and bitsandbytes' default for NF4 weights). */
export const NF4_BLOCK_SIZE = 64;

/**
 * A binary32 tensor quantised to NF4: two codes per byte (element 2j in the high nibble, 2j + 1 in
 * the low one, as bitsandbytes packs them) and one binary32 absmax per block of {@link NF4_BLOCK_SIZE}
 * consecutive elements (the last block may be shorter). No double quantisation.
 */
export type Nf4Tensor = {
  /** Number of elements. */
  size: number;
  /** ⌈size / 2⌉ bytes. */
  codes: Uint8Array;
  /** ⌈size / 64⌉ block maxima of |x|. */
  absmax: Float32Array;
};

/**
 * The NF4 code of a normalised binary32 value u: the number of thresholds t_j with u > t_j. That is
 * the nearest code, except that a u equal to a threshold takes the lower code (bitsandbytes' strict
 * `>`); a NaN takes code 0.
 */
function codeOf(u: number): number {
  let code = 0;
  while (code < 15 && u > NF4_THRESHOLDS[code]!) code++;
  return code;
}

/**
 * Quantises `values` block by block as bitsandbytes' `kQuantizeBlockwise` (NF4) does on binary32 input
 * (docs/training.md §6b): per block m = max |x|, r = fround(1 / m), each element's code is that of
 * u = fround(x·r) ({@link NF4_THRESHOLDS}). A block of zeros has r = +∞ and u = NaN: code 0 (−1), which
 * dequantises to −0.
 *
 * @throws VeritrainError `NF4_INPUT_INVALID` if a value is NaN or infinite.
 * @example
 * const weight = quantizeNf4(Float32Array.from([0.5, -1, 0.25, 0])); // codes [0xc0, 0xa7], absmax [1]
 */
export function quantizeNf4(values: Float32Array): Nf4Tensor {
  const size = values.length;
  const codes = new Uint8Array(Math.ceil(size / 2));
  const absmax = new Float32Array(Math.ceil(size / NF4_BLOCK_SIZE));
  for (let block = 0; block < absmax.length; block++) {
    const start = block * NF4_BLOCK_SIZE;
    const end = Math.min(size, start + NF4_BLOCK_SIZE);
    let max = 0;
    for (let i = start; i < end; i++) {
      const x = values[i]!;
      if (!Number.isFinite(x)) {
        throw new VeritrainError(`cannot quantise element ${i} (${x}) to NF4: a block's scale needs finite values; check the model's weights`, {
          code: "NF4_INPUT_INVALID", details: { index: i, value: x },
        });
      }
      max = Math.max(max, Math.abs(x));
    }
    absmax[block] = max;
    const reciprocal = Math.fround(1 / max);
    for (let i = start; i < end; i++) {
      const code = codeOf(Math.fround(values[i]! * reciprocal));
      codes[i >> 1] = i % 2 === 0 ? code << 4 : codes[i >> 1]! | code;
    }
  }
  return { size, codes, absmax };
}

/**
 * Dequantises an NF4 tensor into `out` (at least `tensor.size` long): element i is
 * fround(c·m), c its code's value and m its block's absmax (the binary64 product of two binary32 is
 * exact, so this is bitsandbytes' binary32 product).
 *
 * @example
 * dequantizeNf4(quantizeNf4(weight), new Float32Array(weight.length));
 */
export function dequantizeNf4(tensor: Nf4Tensor, out: Float32Array): Float32Array {
  const { size, codes, absmax } = tensor;
  for (let i = 0; i < size; i++) {
    const byte = codes[i >> 1]!;
    out[i] = NF4_VALUES[i % 2 === 0 ? byte >> 4 : byte & 15]! * absmax[(i / NF4_BLOCK_SIZE) | 0]!;
  }
  return out;
}
