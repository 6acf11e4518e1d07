import { readFileSync } from "node:fs";

/** Parameters of {@link matMul}: C = A·B with arbitrary element strides for A and B. */
export type MatMulParameters = {
  /** Left operand; element (i, k) is at `a[aOffset + i·aRowStride + k·aInnerStride]`. */
  a: Float32Array;
  aOffset?: number;
  aRowStride: number;
  aInnerStride: number;
  /** Right operand; element (k, j) is at `b[bOffset + k·bInnerStride + j·bColStride]`. */
  b: Float32Array;
  bOffset?: number;
  bInnerStride: number;
  bColStride: number;
  /** Result, row-major and dense: element (i, j) is at `c[cOffset + i·n + j]`. */
  c: Float32Array;
  cOffset?: number;
  /** Rows of C. */
  m: number;
  /** Columns of C. */
  n: number;
  /** Inner dimension. */
  k: number;
};

/** `matMul(a, aRow, aInner, b, bInner, bCol, c, m, n, k)` of matMulKernel.wat: byte addresses and byte strides. */
type KernelExports = {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  matMul(a: number, aRow: number, aInner: number, b: number, bInner: number, bCol: number, c: number, m: number, n: number, k: number): void;
};

/** The slice of the WebAssembly global used here; the project's `lib` (es2023, no DOM) does not declare it. */
type WebAssemblyRuntime = {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyRuntime }).WebAssembly;

// One instance per thread (module scope is per worker), so threads never share kernel memory.
// Synchronous compilation keeps the layers synchronous; the module is under 6 KB.
const kernel = new Instance(new Module(readFileSync(new URL("./matMulKernel.wasm", import.meta.url)))).exports as KernelExports;
const WASM_PAGE = 65536;
/** Kernel memory as binary32, re-created when growth replaces the buffer. */
let memory = new Float32Array(kernel.memory.buffer);

/** Elements from the first to the last one a strided matrix touches (0 when it is empty). */
function extent(rows: number, rowStride: number, cols: number, colStride: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * rowStride + (cols - 1) * colStride + 1;
}

/** Float32 index of the first element after `index` on a 16-byte boundary (aligned vector loads). */
const align4 = (index: number) => (index + 3) & ~3;

/**
 * Dense matrix product with the engine's fixed summation order: every element of C is
 * `fround(((0 + a(i,0)·b(0,j)) + a(i,1)·b(1,j)) + … + a(i,k−1)·b(k−1,j))` — products and sums in
 * binary64, in increasing inner index, rounded once to binary32 when stored.
 *
 * Runs the WebAssembly SIMD kernel (`matMulKernel.wat`): each f64x2 lane is one element of C with
 * its own accumulator, so vectorising changes which elements are computed together, never the
 * order or rounding of one element's sum. A and B are copied into the kernel's memory and C
 * copied out; the kernel only reads the spans the strides touch.
 *
 * Transposes are expressed with strides: A·Bᵀ with B stored [n][k] is `bInnerStride: 1,
 * bColStride: k`; Aᵀ·B with A stored [k][m] is `aRowStride: 1, aInnerStride: m`.
 *
 * @example
 * // C[2][2] = A[2][3] · B[3][2], both row-major
 * matMul({ a, aRowStride: 3, aInnerStride: 1, b, bInnerStride: 2, bColStride: 1, c, m: 2, n: 2, k: 3 });
 */
export function matMul(p: MatMulParameters): void {
  const { a, aRowStride, aInnerStride, b, bInnerStride, bColStride, c, m, n, k } = p;
  const aBase = p.aOffset ?? 0;
  const bBase = p.bOffset ?? 0;
  const cBase = p.cOffset ?? 0;
  const aLength = extent(m, aRowStride, k, aInnerStride);
  const bLength = extent(k, bInnerStride, n, bColStride);
  const bAt = align4(aLength);
  const cAt = align4(bAt + bLength);
  const needed = 4 * (cAt + m * n);
  if (needed > kernel.memory.buffer.byteLength) {
    kernel.memory.grow(Math.ceil((needed - kernel.memory.buffer.byteLength) / WASM_PAGE));
    memory = new Float32Array(kernel.memory.buffer);
  }
  memory.set(a.subarray(aBase, aBase + aLength), 0);
  memory.set(b.subarray(bBase, bBase + bLength), bAt);
  kernel.matMul(0, 4 * aRowStride, 4 * aInnerStride, 4 * bAt, 4 * bInnerStride, 4 * bColStride, 4 * cAt, m, n, k);
  c.set(memory.subarray(cAt, cAt + m * n), cBase);
}
