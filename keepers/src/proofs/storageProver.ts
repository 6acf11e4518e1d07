import { readFile } from "node:fs/promises";
import * as snarkjs from "snarkjs";
import { VeritrainError } from "../errors.ts";
import { type PreparedVerifyingKey, prepareVerifyingKey, verifyGroth16Proof } from "./groth16Verifier.ts";
import { type Groth16Proof, proofFromSnarkjs } from "./proofEncoding.ts";
import type { StorageWitnessInput } from "./storageWitness.ts";

/** The committed build of the storage circuit (made by `npm run zk:ceremony`). */
export const STORAGE_CIRCUIT_FILES = {
  wasm: new URL("../../../circuits/build/storageProof.wasm", import.meta.url),
  zkey: new URL("../../../circuits/build/storageProof.zkey", import.meta.url),
  verificationKey: new URL("../../../circuits/build/verification_key.json", import.meta.url),
} as const;

/**
 * snarkjs's bn128 curve, whose worker pool every snarkjs call of this thread shares. It is built
 * once here because snarkjs builds a new pool for every call that finds none yet: concurrent first
 * proofs would each start one, and all but the last would never be stopped (and keep the process alive).
 */
let curve: ReturnType<typeof snarkjs.curves.getCurveFromName> | undefined;

/** A proof and the public signals it proves, `[columnRoot, boundSeed]`. */
export type StorageProof = { proof: Groth16Proof; publicSignals: [bigint, bigint] };

/** Reads and prepares the committed verification key of the storage circuit. */
export async function storageVerifyingKey(file: URL | string = STORAGE_CIRCUIT_FILES.verificationKey): Promise<PreparedVerifyingKey> {
  return prepareVerifyingKey(JSON.parse(await readFile(file, "utf8")));
}

/**
 * Groth16 prover of the storage circuit (snarkjs), with the witness generator, the proving key
 * and the verifying key held in memory so every proof after the first is warm. Each proof is
 * verified before it is returned, so a keeper never submits an invalid one (which would slash it).
 * snarkjs keeps a pool of worker threads for the curve: call {@link StorageProver.close} before
 * the process should exit.
 *
 * @example
 * const prover = await StorageProver.load();
 * const { proof, publicSignals } = await prover.prove(await storageWitness({ column, columnRoot, boundSeed, leafCount }));
 * await prover.close();
 */
export class StorageProver {
  readonly #wasm: Uint8Array;
  readonly #zkey: Uint8Array;
  readonly #verifyingKey: PreparedVerifyingKey;

  private constructor(wasm: Uint8Array, zkey: Uint8Array, verifyingKey: PreparedVerifyingKey) {
    this.#wasm = wasm;
    this.#zkey = zkey;
    this.#verifyingKey = verifyingKey;
  }

  /** Reads the witness generator, proving key and verifying key (default: the committed build). */
  static async load(files: { wasm: URL | string; zkey: URL | string; verificationKey: URL | string } = STORAGE_CIRCUIT_FILES): Promise<StorageProver> {
    const [wasm, zkey, verifyingKey] = await Promise.all([readFile(files.wasm), readFile(files.zkey), storageVerifyingKey(files.verificationKey)]);
    return new StorageProver(wasm, zkey, verifyingKey);
  }

  /** Computes the witness of `input`, proves it and checks the proof. Throws if `input` violates a constraint. */
  async prove(input: StorageWitnessInput): Promise<StorageProof> {
    await (curve ??= snarkjs.curves.getCurveFromName("bn128"));
    const { proof: raw, publicSignals } = await snarkjs.groth16.fullProve(input, this.#wasm, this.#zkey);
    const proof = proofFromSnarkjs(raw);
    if (!verifyGroth16Proof({ verifyingKey: this.#verifyingKey, proof, publicSignals })) {
      throw new VeritrainError("snarkjs produced a proof that does not verify", { code: "PROOF_INVALID", details: { publicSignals } });
    }
    return { proof, publicSignals: [BigInt(publicSignals[0]!), BigInt(publicSignals[1]!)] };
  }

  /** Stops snarkjs's curve worker threads (shared by every prover of this thread); a later proof starts them again. */
  async close(): Promise<void> {
    const running = curve;
    curve = undefined;
    await (await running)?.terminate();
  }
}
