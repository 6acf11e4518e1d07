import { availableParallelism } from "node:os";
import { type PreparedVerifyingKey, parseVerifyingKey } from "./groth16Verification.ts";
import { PairingThread } from "./pairingThread.ts";

export { type PreparedVerifyingKey, type SnarkjsVerificationKey, type VerifyGroth16ProofParameters, verifyGroth16Proof } from "./groth16Verification.ts";

/** Options of {@link prepareVerifyingKey}. */
export type PrepareVerifyingKeyOptions = {
  /**
   * Split each verification over two threads (default: when the machine has more than one core):
   * the G2 check of B and the Miller loop of (−A, B) run on a worker thread, shared by every key
   * of this thread, while the caller computes the rest; ~35 % less wall-clock time, as much CPU.
   */
  thread?: boolean;
};

/**
 * This thread's pairing thread, started by the first {@link prepareVerifyingKey} that wants one.
 * Verification does not depend on it: if it cannot start, keys verify on the calling thread.
 */
let pairingThread: Promise<PairingThread | undefined> | undefined;

/**
 * Stops the pairing thread {@link prepareVerifyingKey} started (it is unref'd, so a process need
 * not call this to exit). Keys prepared before verify on the calling thread from then on; keys
 * prepared after start a new one.
 *
 * @example
 * after(stopVerifierThread);
 */
export async function stopVerifierThread(): Promise<void> {
  const stopping = pairingThread;
  pairingThread = undefined;
  await (await stopping)?.close();
}

/**
 * Parses and checks a snarkjs Groth16 verifying key for BN254 ({@link parseVerifyingKey}) and
 * starts the pairing thread unless `thread` is false.
 *
 * @example
 * const verifyingKey = await prepareVerifyingKey(JSON.parse(await readFile("verification_key.json", "utf8")));
 */
export function prepareVerifyingKey(verificationKey: unknown, { thread = availableParallelism() > 1 }: PrepareVerifyingKeyOptions = {}): Promise<PreparedVerifyingKey> {
  // Started first: the worker's own initialisation (~0.2 s) overlaps this thread's.
  return parseVerifyingKey(verificationKey, thread ? (pairingThread ??= PairingThread.start().catch(() => undefined)) : undefined);
}
