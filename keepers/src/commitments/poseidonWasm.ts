import { VeritrainError } from "../errors.ts";
import { FIELD_MODULUS } from "./field.ts";
import { MAX_WIDTH, MIN_WIDTH, poseidonConstants } from "./poseidonConstants.ts";
import { POSEIDON_WASM_BASE64 } from "./poseidonWasmBinary.ts";
import { ELEMENT_BYTES, HEAP_START, MONTGOMERY_BITS, matrixCorrections, partialRoundConstants } from "./poseidonWat.ts";
import { ARITY } from "./treeDepth.ts";

/** The slice of the WebAssembly JS API used here (the project's lib settings do not include its types). */
type WasmMemory = { readonly buffer: ArrayBuffer; grow(pages: number): number };
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

type PoseidonExports = {
  memory: WasmMemory;
  loadInputs: (a: number, b: number, t: number) => void;
  loadChunks: (a: number, b: number) => void;
  permute: (t: number, partialRounds: number, c: number, s: number, mt: number, pt: number, mk: number, pk: number) => void;
  storeOutputs: (a: number, b: number) => void;
};

/** Where the constants of one width live in wasm memory. */
type WidthPointers = { partialRounds: number; c: number; s: number; mt: number; pt: number; mk: number; pk: number };

const LIMB_BITS = 29n;
const LIMB_MASK = (1n << LIMB_BITS) - 1n;
const R = 1n << BigInt(MONTGOMERY_BITS);
const R_MOD_P = R % FIELD_MODULUS;
const R_INVERSE = modularInverse(R_MOD_P);
const WASM_PAGE = 65536;

let compiled: object | undefined;
let shared: PoseidonWasm | undefined;

function modularInverse(a: bigint): bigint {
  // Fermat: a^(p-2) mod p.
  let result = 1n;
  let base = a % FIELD_MODULUS;
  for (let e = FIELD_MODULUS - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % FIELD_MODULUS;
    base = (base * base) % FIELD_MODULUS;
  }
  return result;
}

/**
 * circomlib-compatible Poseidon over BN254 running in a hand-written WebAssembly module
 * (see poseidonWat.ts) that computes two permutations at once, in the two lanes of SIMD
 * vectors. One instance owns one wasm memory; create one per thread.
 *
 * Besides the bigint API ({@link PoseidonWasm.hash}) it exposes pointer-level operations on
 * elements kept in wasm memory in Montgomery form, so the Merkle tree never converts interior
 * nodes back to bigints.
 *
 * @example
 * const poseidon = PoseidonWasm.create();
 * poseidon.hash([1n, 2n]); // equals circomlibjs poseidon([1, 2])
 */
export class PoseidonWasm {
  readonly #exports: PoseidonExports;
  readonly #widths = new Map<number, WidthPointers>();
  /** Staging area for the (at most 16) inputs of one permutation. */
  readonly #state: number;
  #heapEnd = HEAP_START;
  #limbs: BigUint64Array;

  private constructor(exports: PoseidonExports) {
    this.#exports = exports;
    this.#limbs = new BigUint64Array(exports.memory.buffer);
    this.#state = this.allocate((MAX_WIDTH - 1) * ELEMENT_BYTES);
  }

  /** Instantiates the wasm module (compiled once per thread, synchronously: it is 20 kB). */
  static create(): PoseidonWasm {
    compiled ??= new WebAssembly.Module(Buffer.from(POSEIDON_WASM_BASE64, "base64"));
    const instance = new WebAssembly.Instance(compiled, {});
    return new PoseidonWasm(instance.exports as PoseidonExports);
  }

  /** This thread's shared instance, for the bigint-level helpers (proof verification, dataset root). */
  static shared(): PoseidonWasm {
    shared ??= PoseidonWasm.create();
    return shared;
  }

  /** Live byte view of the wasm memory (re-read after {@link PoseidonWasm.allocate}). */
  get memory(): Uint8Array {
    return new Uint8Array(this.#exports.memory.buffer);
  }

  /**
   * Reserves `bytes` of wasm memory (8-byte aligned, never freed: callers allocate their
   * buffers once). Grows the memory when needed.
   */
  allocate(bytes: number): number {
    const pointer = this.#heapEnd;
    this.#heapEnd += Math.ceil(bytes / 8) * 8;
    const missing = this.#heapEnd - this.#exports.memory.buffer.byteLength;
    if (missing > 0) {
      this.#exports.memory.grow(Math.ceil(missing / WASM_PAGE));
      this.#limbs = new BigUint64Array(this.#exports.memory.buffer);
    }
    return pointer;
  }

  /**
   * Poseidon of 1 to 16 field elements, identical to circomlibjs `poseidon(inputs)` and to
   * circomlib's `Poseidon(inputs.length)` circuit.
   */
  hash(inputs: readonly bigint[]): bigint {
    const t = inputs.length + 1;
    if (t < MIN_WIDTH || t > MAX_WIDTH) {
      throw new VeritrainError(`inputs must hold 1 to 16 field elements, got ${inputs.length}`, {
        code: "POSEIDON_WIDTH_INVALID",
        details: { field: "inputs", value: inputs.length },
      });
    }
    // Like circomlibjs (F.e), inputs are taken modulo p, negative ones included.
    inputs.forEach((input, i) => this.writeElement(this.#state + i * ELEMENT_BYTES, ((input % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS));
    this.#exports.loadInputs(this.#state, this.#state, t);
    this.#permute(t, this.#state, this.#state);
    return this.readElement(this.#state);
  }

  /**
   * outA, outB = Poseidon16 of the chunks at `chunkA` and `chunkB` (16 elements packed as
   * 16 × 31 little-endian bytes, see chunkPacking.ts; up to 6 bytes past a chunk are read and
   * ignored). Both leaves cost one permutation; for a single leaf pass it twice.
   */
  hashChunks(outA: number, outB: number, chunkA: number, chunkB: number): void {
    this.#exports.loadChunks(chunkA, chunkB);
    this.#permute(MAX_WIDTH, outA, outB);
  }

  /**
   * outA = Poseidon4 of the four consecutive elements (the children, left to right) at `childrenA`,
   * outB likewise for `childrenB`: two nodes of a column tree for one permutation; for a single
   * node pass it twice. Outputs may alias inputs.
   */
  hashChildren(outA: number, outB: number, childrenA: number, childrenB: number): void {
    this.#exports.loadInputs(childrenA, childrenB, ARITY + 1);
    this.#permute(ARITY + 1, outA, outB);
  }

  /** Copies one element inside wasm memory. */
  copyElement(to: number, from: number): void {
    this.#limbs.copyWithin(to / 8, from / 8, from / 8 + ELEMENT_BYTES / 8);
  }

  /** Stores a bigint (reduced mod p) at `pointer`, in Montgomery form unless told otherwise. */
  writeElement(pointer: number, value: bigint, { montgomery = true }: { montgomery?: boolean } = {}): void {
    let limbsValue = montgomery ? ((value % FIELD_MODULUS) * R_MOD_P) % FIELD_MODULUS : value;
    for (let i = 0; i < ELEMENT_BYTES / 8; i++) {
      this.#limbs[pointer / 8 + i] = limbsValue & LIMB_MASK;
      limbsValue >>= LIMB_BITS;
    }
  }

  /** Reads the element at `pointer` (Montgomery form, possibly in [p, 2p)) as a canonical bigint. */
  readElement(pointer: number): bigint {
    let value = 0n;
    for (let i = ELEMENT_BYTES / 8 - 1; i >= 0; i--) value = (value << LIMB_BITS) | (this.#limbs[pointer / 8 + i] ?? 0n);
    return (value * R_INVERSE) % FIELD_MODULUS;
  }

  #permute(t: number, outA: number, outB: number): void {
    const width = this.#width(t);
    this.#exports.permute(t, width.partialRounds, width.c, width.s, width.mt, width.pt, width.mk, width.pk);
    this.#exports.storeOutputs(outA, outB);
  }

  /** Loads the constants of width t into wasm memory on first use (transposing M and P). */
  #width(t: number): WidthPointers {
    const known = this.#widths.get(t);
    if (known !== undefined) return known;
    const constants = poseidonConstants(t);
    const transpose = (matrix: bigint[][]): bigint[][] => matrix.map((_, column) => matrix.map((row) => row[column] ?? 0n));
    const [mt, pt] = [transpose(constants.m), transpose(constants.p)];
    const store = (values: bigint[]): number => {
      const pointer = this.allocate(values.length * ELEMENT_BYTES);
      values.forEach((value, i) => this.writeElement(pointer + i * ELEMENT_BYTES, value));
      return pointer;
    };
    const pointers: WidthPointers = {
      partialRounds: constants.partialRounds,
      c: store(constants.c),
      s: store(partialRoundConstants(constants)),
      mt: store(mt.flat()),
      pt: store(pt.flat()),
      mk: store(matrixCorrections(mt)),
      pk: store(matrixCorrections(pt)),
    };
    this.#widths.set(t, pointers);
    return pointers;
  }
}
