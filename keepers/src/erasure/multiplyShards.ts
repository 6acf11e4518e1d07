import { readFileSync } from "node:fs";
import { gfMultiply } from "./galoisField.ts";

/** `mulN` / `xorMulN(tables, cols, inputs, outputs, stride, length)` of gfKernel.wat, N = 1..4 output rows. */
type KernelFunction = (tables: number, cols: number, inputs: number, outputs: number, stride: number, length: number) => void;

type KernelExports = {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  mul1: KernelFunction;
  mul2: KernelFunction;
  mul3: KernelFunction;
  mul4: KernelFunction;
  xorMul1: KernelFunction;
  xorMul2: KernelFunction;
  xorMul3: KernelFunction;
  xorMul4: KernelFunction;
};

/** The slice of the WebAssembly global used here; the project's `lib` (es2023, no DOM) does not declare it. */
type WebAssemblyRuntime = {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyRuntime }).WebAssembly;

// Synchronous compilation keeps the codec's API synchronous; the module is under 2 KB.
const kernel = new Instance(new Module(readFileSync(new URL("./gfKernel.wasm", import.meta.url)))).exports as KernelExports;

/** The kernel computing `rows` output rows per call, for rows = 1..ROWS_PER_CALL. */
const KERNEL_BY_ROWS = [kernel.mul1, kernel.mul2, kernel.mul3, kernel.mul4];
/** The same, for a group whose first row is all ones (parity row 0): that row is a plain XOR. */
const XOR_KERNEL_BY_ROWS = [kernel.xorMul1, kernel.xorMul2, kernel.xorMul3, kernel.xorMul4];
const ROWS_PER_CALL = KERNEL_BY_ROWS.length;
/** The kernel consumes 32 bytes of every input per iteration. */
const KERNEL_STEP = 32;
/** Bytes of one block's inputs plus outputs: about one core's L2, so the kernel reads from cache. */
const BLOCK_BUDGET = 512 * 1024;
/** Smallest block per shard, so per-call overhead stays small for wide stripes. */
const MIN_BLOCK = 4096;
const WASM_PAGE = 65536;
// The module's memory only grows, to the largest stripe seen: tables + one block, about 2 MB at most.

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple;

/** Parameters of {@link multiplyShards}. */
export type MultiplyShardsParameters = {
  /** `rows × inputs.length` GF(2^8) coefficients, row-major. */
  coefficients: Uint8Array;
  /** The input shards, all of the same non-zero length. */
  inputs: readonly Uint8Array[];
};

/**
 * Multiplies a GF(2^8) matrix by a column of shards: output r, byte b = XOR over j of
 * coefficients[r][j] · inputs[j][b]. Runs the WebAssembly SIMD kernel (split-nibble tables
 * looked up with i8x16.relaxed_swizzle). Callers validate shapes; this is the inner loop of
 * both encoding and decoding.
 *
 * @example
 * const [parity] = multiplyShards({ coefficients: Uint8Array.of(1, 1), inputs: [a, b] }); // a XOR b
 */
export function multiplyShards({ coefficients, inputs }: MultiplyShardsParameters): Uint8Array[] {
  const cols = inputs.length;
  const rows = coefficients.length / cols;
  const length = inputs[0]!.length;

  const tableBytes = rows * cols * 32;
  const stride = Math.min(roundUp(length, KERNEL_STEP), Math.max(MIN_BLOCK, roundUp(BLOCK_BUDGET / (cols + rows), KERNEL_STEP)));
  const inputBase = roundUp(tableBytes, 64);
  const outputBase = inputBase + cols * stride;
  const needed = outputBase + rows * stride;
  if (needed > kernel.memory.buffer.byteLength) {
    kernel.memory.grow(Math.ceil((needed - kernel.memory.buffer.byteLength) / WASM_PAGE));
  }
  const memory = new Uint8Array(kernel.memory.buffer);
  // Buffer#copy is a direct memcpy binding with offsets: no subarray() objects per block, and
  // measured ~20% faster here than TypedArray#set for these copies.
  const memoryBytes = Buffer.from(kernel.memory.buffer);
  const inputBytes = inputs.map((input) => Buffer.from(input.buffer, input.byteOffset, input.length));

  // Tables: row groups of up to 4 (one kernel call each), then per input j the group's rows,
  // 32 bytes each; a group whose first row is all ones gets the XOR variant of the kernel.
  const kernels: KernelFunction[] = [];
  for (let first = 0; first < rows; first += ROWS_PER_CALL) {
    const groupRows = Math.min(ROWS_PER_CALL, rows - first);
    for (let j = 0; j < cols; j++) {
      for (let r = 0; r < groupRows; r++) {
        const coefficient = coefficients[(first + r) * cols + j]!;
        const at = (first * cols + j * groupRows + r) * 32;
        for (let x = 0; x < 16; x++) {
          memory[at + x] = gfMultiply(coefficient, x);
          memory[at + 16 + x] = gfMultiply(coefficient, x << 4);
        }
      }
    }
    const allOnes = coefficients.subarray(first * cols, (first + 1) * cols).every((c) => c === 1);
    kernels.push((allOnes ? XOR_KERNEL_BY_ROWS : KERNEL_BY_ROWS)[groupRows - 1]!);
  }

  // Uninitialised memory is safe here: the block loop below overwrites every byte of every
  // output, and skipping the zero-fill saves a pass over the parity.
  const outputs = Array.from({ length: rows }, () => new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length));
  for (let offset = 0; offset < length; offset += stride) {
    const size = Math.min(stride, length - offset);
    for (let j = 0; j < cols; j++) inputBytes[j]!.copy(memoryBytes, inputBase + j * stride, offset, offset + size);
    // Bytes past `size` up to the 32-byte step are stale; products are bytewise, so they only
    // reach output bytes that are never copied out.
    const padded = roundUp(size, KERNEL_STEP);
    kernels.forEach((run, group) => {
      const first = group * ROWS_PER_CALL;
      run(first * cols * 32, cols, inputBase, outputBase + first * stride, stride, padded);
    });
    for (let r = 0; r < rows; r++) memoryBytes.copy(outputs[r]!, offset, outputBase + r * stride, outputBase + r * stride + size);
  }
  return outputs;
}
