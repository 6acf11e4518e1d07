import { readFile } from "node:fs/promises";
import { VeritrainError } from "../errors.ts";
import { Groth16Prover, stopProverThreads } from "./groth16Prover.ts";
import { type PreparedVerifyingKey, prepareVerifyingKey, verifyGroth16Proof } from "./groth16Verifier.ts";
import type { Groth16Proof } from "./proofEncoding.ts";
import type { StorageWitnessInput } from "./storageWitness.ts";

/** The committed build of the storage circuit (made by `npm run zk:ceremony`). */
export const STORAGE_CIRCUIT_FILES = {
  wasm: new URL("../../../circuits/build/storageProof.wasm", import.meta.url),
  zkey: new URL("../../../circuits/build/storageProof.zkey", import.meta.url),
  verificationKey: new URL("../../../circuits/build/verification_key.json", import.meta.url),
} as const;

/** A proof and the public signals it proves, `[columnRoot, prover, seed]`. */
export type StorageProof = { proof: Groth16Proof; publicSignals: [bigint, bigint, bigint] };

/** Reads and prepares the committed verification key of the storage circuit. */
export async function storageVerifyingKey(file: URL | string = STORAGE_CIRCUIT_FILES.verificationKey): Promise<PreparedVerifyingKey> {
  return prepareVerifyingKey(JSON.parse(await readFile(file, "utf8")));
}

/**
 * Prover of the storage circuit ({@link Groth16Prover} on the committed build), with the verifying
 * key held in memory: each proof is verified before it is returned, so a keeper never submits an
 * invalid one (which would slash it). Proving runs on a pool of worker threads shared by the
 * thread's provers: call {@link StorageProver.close} before the process should exit.
 *
 * @example
 * const prover = await StorageProver.load({ fixedBaseTables: { cacheDir: ".veritrain/prover" } });
 * const { proof, publicSignals } = await prover.prove(await storageWitness({ column, columnRoot, prover: address, seed, leafCount }));
 * await prover.close();
 */
export class StorageProver {
  readonly #prover: Groth16Prover;
  readonly #verifyingKey: PreparedVerifyingKey;

  private constructor(prover: Groth16Prover, verifyingKey: PreparedVerifyingKey) {
    this.#prover = prover;
    this.#verifyingKey = verifyingKey;
  }

  /**
   * Reads the witness generator, proving key and verifying key (default: the committed build);
   * with `fixedBaseTables`, also builds the prover's MSM tables or reads them from `cacheDir`
   * ({@link Groth16Prover.load}: ~1 min on two cores the first time, proofs ~20 % faster).
   */
  static async load({
    files = STORAGE_CIRCUIT_FILES,
    fixedBaseTables = false,
  }: { files?: { wasm: URL | string; zkey: URL | string; verificationKey: URL | string }; fixedBaseTables?: boolean | { cacheDir: string } } = {}): Promise<StorageProver> {
    const [wasm, zkey, verifyingKey] = await Promise.all([readFile(files.wasm), readFile(files.zkey), storageVerifyingKey(files.verificationKey)]);
    return new StorageProver(await Groth16Prover.load({ wasm, zkey, fixedBaseTables }), verifyingKey);
  }

  /** Computes the witness of `input`, proves it and checks the proof. Throws if `input` violates a constraint. */
  async prove(input: StorageWitnessInput): Promise<StorageProof> {
    const { proof, publicSignals } = await this.#prover.prove(input);
    if (!verifyGroth16Proof({ verifyingKey: this.#verifyingKey, proof, publicSignals })) {
      throw new VeritrainError("the prover produced a proof that does not verify", { code: "PROOF_INVALID", details: { publicSignals: publicSignals.map(String) } });
    }
    return { proof, publicSignals: [publicSignals[0]!, publicSignals[1]!, publicSignals[2]!] };
  }

  /** Stops the proving worker threads (shared by every prover of this thread); a later proof starts them again. */
  close(): Promise<void> {
    return stopProverThreads();
  }
}
