import { readFile } from "node:fs/promises";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import type { StorageWitnessInput } from "./storageWitness.ts";

/** The committed build of the storage circuit (made by `npm run zk:ceremony`). */
export const STORAGE_CIRCUIT_FILES = {
  wasm: new URL("../../../circuits/build/storageProof.wasm", import.meta.url),
  zkey: new URL("../../../circuits/build/storageProof.zkey", import.meta.url),
  verificationKey: new URL("../../../circuits/build/verification_key.json", import.meta.url),
} as const;

/** A proof and the public signals it proves, `[columnRoot, boundSeed]` as decimal strings. */
export type StorageProof = { proof: Groth16Proof; publicSignals: string[] };

/**
 * Groth16 prover of the storage circuit (snarkjs), with the witness generator and the proving
 * key held in memory so every proof after the first is warm. snarkjs keeps a pool of worker
 * threads for the curve: call {@link StorageProver.close} before the process should exit.
 *
 * @example
 * const prover = await StorageProver.load();
 * const { proof, publicSignals } = await prover.prove(await storageWitness({ column, columnRoot, boundSeed, leafCount }));
 * await prover.close();
 */
export class StorageProver {
  readonly #wasm: Uint8Array;
  readonly #zkey: Uint8Array;

  private constructor(wasm: Uint8Array, zkey: Uint8Array) {
    this.#wasm = wasm;
    this.#zkey = zkey;
  }

  /** Reads the witness generator and proving key (default: the committed build). */
  static async load(files: { wasm: URL | string; zkey: URL | string } = STORAGE_CIRCUIT_FILES): Promise<StorageProver> {
    const [wasm, zkey] = await Promise.all([readFile(files.wasm), readFile(files.zkey)]);
    return new StorageProver(wasm, zkey);
  }

  /** Computes the witness of `input` and proves it. Throws if `input` violates a constraint. */
  async prove(input: StorageWitnessInput): Promise<StorageProof> {
    return snarkjs.groth16.fullProve(input, this.#wasm, this.#zkey);
  }

  /** Stops snarkjs's curve worker threads (shared by every prover and verifier of this thread). */
  async close(): Promise<void> {
    const curve = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
    await curve?.terminate();
  }
}
