import { readFileSync } from "node:fs";

/**
 * A right operand its caller has already written into the kernel's memory: binary64 copies of binary32 values (the
 * kernel's multiply-adds give the specified bits only for binary32 operands, docs/training.md §1), from element 0.
 */
export const STAGED = "staged";

/** Parameters of {@link matMul}: C = A·B with arbitrary element strides for A and B. */
export type MatMulParameters = {
  /** Left operand; element (i, k) is at `a[aOffset + i·aRowStride + k·aInnerStride]`. */
  a: Float32Array;
  aOffset?: number;
  aRowStride: number;
  aInnerStride: number;
  /**
   * Right operand; element (k, j) is at `b[bOffset + k·bInnerStride + j·bColStride]`. {@link STAGED}: at
   * `kernelMemory(…).operands[k·bInnerStride + j·bColStride]` (written there by {@link convolutionKernel}).
   */
  b: Float32Array | typeof STAGED;
  bOffset?: number;
  bInnerStride: number;
  bColStride: number;
  /**
   * Result, row-major and dense: element (i, j) is at `c[cOffset + i·n + j]`. Without it, C stays in the
   * kernel's memory, at the binary32 index {@link matMul} returns.
   */
  c?: Float32Array;
  cOffset?: number;
  /** Rows of C. */
  m: number;
  /** Columns of C. */
  n: number;
  /** Inner dimension. */
  k: number;
};

/** Byte addresses and byte strides: `matMul` of matMulKernel.wat, and its convolution's staging. */
type KernelExports = {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  matMul(a: number, aRow: number, aInner: number, b: number, bInner: number, bCol: number, c: number, m: number, n: number, k: number): void;
  im2col(input: number, out: number, ...matrix: ColumnMatrix): void;
  col2im(gradient: number, sum: number, ...matrix: ColumnMatrix): void;
  demote(from: number, to: number, count: number): void;
  relu(x: number, y: number, count: number): void;
  reluGradient(y: number, g: number, count: number): void;
  maxPool2x2(input: number, output: number, argmax: number, planes: number, H: number, W: number, OH: number, OW: number): void;
  adam(grads: number, microBatches: number, stride: number, params: number, m: number, v: number, pairs: number, ...scalars: AdamScalars): void;
  gelu(x: number, y: number, count: number): void;
  geluGradient(x: number, dy: number, dx: number, count: number): void;
};

/** `adam`'s binary64 scalars, in the order of `ADAM_SCALARS` (scripts/buildMatMulKernel.ts). */
export type AdamScalars = [scale: number, coupled: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, shrink: number, lr: number, correction1: number, correction2: number, epsilon: number];

/**
 * A convolution's column matrix: its window table (byte address of, per window (ky, kx), four i32: the input row of
 * output row 0, iy0; x0, the input column of output column `first`; first and last, the output columns [first, last)
 * inside the input), windows kH·kW, input channels, examples, elements of an example's plane H·W, H, W, output OH and
 * OW, strides sH and sW.
 */
export type ColumnMatrix = [table: number, windows: number, channels: number, n: number, plane: number, H: number, W: number, OH: number, OW: number, sH: number, sW: number];

/** The slice of the WebAssembly global used here; the project's `lib` (es2023, no DOM) does not declare it. */
type WebAssemblyRuntime = {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyRuntime }).WebAssembly;

// One instance per thread (module scope is per worker), so threads never share kernel memory.
// Synchronous compilation keeps the layers synchronous; the module is about 12 KB.
const kernel = new Instance(new Module(readFileSync(new URL("./matMulKernel.wasm", import.meta.url)))).exports as KernelExports;
const WASM_PAGE = 65536;
/** The kernel's memory as binary64, binary32 and i32, re-created when growth replaces the buffer. */
type KernelViews = { operands: Float64Array; values: Float32Array; integers: Int32Array };
const viewsOf = (buffer: ArrayBuffer): KernelViews => ({ operands: new Float64Array(buffer), values: new Float32Array(buffer), integers: new Int32Array(buffer) });
let views = viewsOf(kernel.memory.buffer);

/**
 * The kernel's memory, grown to at least `bytes` (growth keeps its contents). Its views change when it grows:
 * take them again after any call that may grow it ({@link matMul}, this).
 */
export function kernelMemory(bytes: number): KernelViews {
  if (bytes > kernel.memory.buffer.byteLength) {
    kernel.memory.grow(Math.ceil((bytes - kernel.memory.buffer.byteLength) / WASM_PAGE));
    views = viewsOf(kernel.memory.buffer);
  }
  return views;
}

/** The convolution's staging (docs/training.md §4): `im2col`, `col2im` and `demote` of matMulKernel.wat. */
export const convolutionKernel: Pick<KernelExports, "im2col" | "col2im" | "demote"> = kernel;

/** ReLU and 2×2 max pooling (docs/training.md §4): `relu`, `reluGradient` and `maxPool2x2` of matMulKernel.wat. */
export const elementwiseKernel: Pick<KernelExports, "relu" | "reluGradient" | "maxPool2x2"> = kernel;

/** Adam's element loop (docs/training.md §6): `adam` of matMulKernel.wat. */
export const adamKernel: Pick<KernelExports, "adam"> = kernel;

/** Exact GELU and its gradient (docs/training.md §4), `count` rounded up to a multiple of {@link GELU_BLOCK} by the kernel. */
export const geluKernel: Pick<KernelExports, "gelu" | "geluGradient"> = kernel;

/** Elements the kernel's GELU takes at a time: arrays it reads or writes need room for `count` rounded up to it. */
export const GELU_BLOCK = 8;

/** Elements from the first to the last one a strided matrix touches (0 when it is empty). */
function extent(rows: number, rowStride: number, cols: number, colStride: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * rowStride + (cols - 1) * colStride + 1;
}

/** Float64 index of the first element at or after `index` on a 16-byte boundary (aligned vector loads). */
export const align2 = (index: number) => (index + 1) & ~1;

/**
 * Dense matrix product with the engine's fixed summation order: every element of C is
 * `fround(((0 + a(i,0)·b(0,j)) + a(i,1)·b(1,j)) + … + a(i,k−1)·b(k−1,j))` — products and sums in
 * binary64, in increasing inner index, rounded once to binary32 when stored.
 *
 * Runs the WebAssembly SIMD kernel (`matMulKernel.wat`): each f64x2 lane is one element of C with
 * its own accumulator, so vectorising changes which elements are computed together, never the
 * order or rounding of one element's sum. A and B are copied into the kernel's memory as binary64 (the
 * promotion is exact, and it spares the kernel a conversion per load: 1.7× faster on LeNet-5's convolutions),
 * unless B is {@link STAGED}; C is copied out unless `c` is absent. The kernel only reads the spans the strides
 * touch. Memory layout: B from element 0, then A, then C.
 *
 * Transposes are expressed with strides: A·Bᵀ with B stored [n][k] is `bInnerStride: 1,
 * bColStride: k`; Aᵀ·B with A stored [k][m] is `aRowStride: 1, aInnerStride: m`.
 *
 * @returns the binary32 index of C in `kernelMemory(…).values`.
 * @example
 * // C[2][2] = A[2][3] · B[3][2], both row-major
 * matMul({ a, aRowStride: 3, aInnerStride: 1, b, bInnerStride: 2, bColStride: 1, c, m: 2, n: 2, k: 3 });
 */
export function matMul(p: MatMulParameters): number {
  const { a, aRowStride, aInnerStride, b, bInnerStride, bColStride, c, m, n, k } = p;
  const aBase = p.aOffset ?? 0;
  const bBase = p.bOffset ?? 0;
  const aLength = extent(m, aRowStride, k, aInnerStride);
  const bLength = extent(k, bInnerStride, n, bColStride);
  const aAt = align2(bLength);
  const cAt = 2 * align2(aAt + aLength);
  const { operands, values } = kernelMemory(4 * (cAt + m * n));
  if (b !== STAGED) operands.set(b.subarray(bBase, bBase + bLength), 0);
  operands.set(a.subarray(aBase, aBase + aLength), aAt);
  kernel.matMul(8 * aAt, 8 * aRowStride, 8 * aInnerStride, 0, 8 * bInnerStride, 8 * bColStride, 4 * cAt, m, n, k);
  if (c !== undefined) c.set(values.subarray(cAt, cAt + m * n), p.cOffset ?? 0);
  return cAt;
}
