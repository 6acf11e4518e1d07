import type { Fr, G1, G2, GT } from "mcl-wasm";
import { VeritrainError } from "../errors.ts";
import {
  type Bn254,
  SCALAR_FIELD_MODULUS,
  isInG2,
  loadBn254,
  millerLoopInG2,
  multiMillerLoop,
  outsideG2Error,
  precomputeLines,
  precomputedMillerLoop2,
  toMclG1,
  toMclG2,
  toMclTwistPoint,
} from "./bn254.ts";
import type { PairingThread } from "./pairingThread.ts";
import {
  type Groth16Proof,
  PROOF_MALFORMED,
  type SnarkjsG1,
  type SnarkjsG2,
  type SnarkjsProof,
  g1FromSnarkjs,
  g2FromSnarkjs,
  proofFromSnarkjs,
} from "./proofEncoding.ts";

// Groth16 verification on BN254 with mcl-wasm and no node:* module, so the browser app verifies
// proofs with the keepers' code; groth16Verifier.ts adds the keepers' pairing thread.

/** snarkjs's `verification_key.json` for Groth16 (`vk_alphabeta_12`, if present, is ignored). */
export type SnarkjsVerificationKey = {
  protocol: "groth16";
  curve: "bn128";
  nPublic: number;
  vk_alpha_1: SnarkjsG1;
  vk_beta_2: SnarkjsG2;
  vk_gamma_2: SnarkjsG2;
  vk_delta_2: SnarkjsG2;
  IC: SnarkjsG1[];
};

/**
 * A verifying key ready for {@link verifyGroth16Proof}: points parsed and checked, e(α, β)⁻¹ and
 * the Miller-loop lines of γ and δ computed. Opaque.
 */
export type PreparedVerifyingKey = {
  /** Number of public signals a proof must come with. */
  readonly publicInputCount: number;
  readonly bn254: Bn254;
  /** IC₀, the constant term of vk_x. */
  readonly ic0: G1;
  /** IC₁…ICₙ, one per public signal. */
  readonly icSignals: G1[];
  readonly gamma: G2;
  readonly delta: G2;
  /** {@link precomputeLines} of γ and of δ. */
  readonly gammaLines: Int32Array;
  readonly deltaLines: Int32Array;
  /** e(α, β)⁻¹: the equation is checked as e(−A, B)·e(vk_x, γ)·e(C, δ) = e(α, β)⁻¹. */
  readonly target: GT;
  /** The thread that computes e'(−A, B) and the G2 check of B, or undefined: all on the caller's thread. */
  readonly thread: PairingThread | undefined;
};

const VERIFYING_KEY_INVALID = "VERIFYING_KEY_INVALID";
const PUBLIC_SIGNALS_INVALID = "PUBLIC_SIGNALS_INVALID";
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses and checks a snarkjs Groth16 verifying key for BN254 (every point on its curve, G2
 * points in the subgroup, `IC` of length `nPublic + 1`) and precomputes what every verification
 * shares. Throws a VeritrainError `VERIFYING_KEY_INVALID` naming the bad field. Without
 * `pairingThreadStarting` the key verifies on the calling thread (a browser's case); the keepers
 * call {@link prepareVerifyingKey} of groth16Verifier.ts, which passes their pairing thread.
 *
 * @example
 * const verifyingKey = await parseVerifyingKey(await (await fetch(keyUrl)).json());
 */
export async function parseVerifyingKey(verificationKey: unknown, pairingThreadStarting?: Promise<PairingThread | undefined>): Promise<PreparedVerifyingKey> {
  const bn254 = await loadBn254();
  const key = (verificationKey ?? {}) as Partial<Record<keyof SnarkjsVerificationKey, unknown>>;
  if (key.protocol !== "groth16" || key.curve !== "bn128") {
    throw new VeritrainError(`verifying key must have protocol "groth16" and curve "bn128", got ${String(key.protocol)}/${String(key.curve)}`, {
      code: VERIFYING_KEY_INVALID,
      details: { field: "protocol", protocol: String(key.protocol), curve: String(key.curve) },
    });
  }
  if (!Array.isArray(key.IC) || key.IC.length < 1 || key.nPublic !== key.IC.length - 1) {
    throw new VeritrainError(`verifying key must have IC of length nPublic + 1, got nPublic ${String(key.nPublic)} and ${Array.isArray(key.IC) ? key.IC.length : "no"} IC points`, {
      code: VERIFYING_KEY_INVALID,
      details: { field: "IC", nPublic: String(key.nPublic) },
    });
  }
  const g1 = (value: unknown, field: string) => {
    const source = { code: VERIFYING_KEY_INVALID, field };
    return toMclG1(bn254, g1FromSnarkjs(value, source), source);
  };
  const g2 = (value: unknown, field: string) => {
    const source = { code: VERIFYING_KEY_INVALID, field };
    return toMclG2(bn254, g2FromSnarkjs(value, source), source);
  };
  const alpha = g1(key.vk_alpha_1, "vk_alpha_1");
  const beta = g2(key.vk_beta_2, "vk_beta_2");
  const gamma = g2(key.vk_gamma_2, "vk_gamma_2");
  const delta = g2(key.vk_delta_2, "vk_delta_2");
  const ic = key.IC.map((point: unknown, i: number) => g1(point, `IC[${i}]`));
  return Object.freeze({
    publicInputCount: ic.length - 1,
    bn254,
    ic0: ic[0]!,
    icSignals: ic.slice(1),
    gamma,
    delta,
    gammaLines: precomputeLines(bn254, gamma),
    deltaLines: precomputeLines(bn254, delta),
    target: bn254.inv(bn254.pairing(alpha, beta)),
    thread: await pairingThreadStarting,
  });
}

/** Parameters of {@link verifyGroth16Proof}. */
export type VerifyGroth16ProofParameters = {
  /** From {@link prepareVerifyingKey}. */
  verifyingKey: PreparedVerifyingKey;
  /** snarkjs's proof object, or the decoded form (from calldata or {@link decompressProof}). */
  proof: SnarkjsProof | Groth16Proof;
  /** The public signals in circuit order: canonical decimal strings (as snarkjs writes them) or bigints, each in [0, r). */
  publicSignals: readonly (string | bigint)[];
};

function scalarsOf(bn254: Bn254, publicSignals: readonly (string | bigint)[], expected: number): Fr[] {
  if (!Array.isArray(publicSignals) || publicSignals.length !== expected) {
    throw new VeritrainError(`expected ${expected} public signals, got ${Array.isArray(publicSignals) ? publicSignals.length : typeof publicSignals}`, {
      code: PUBLIC_SIGNALS_INVALID,
      details: { field: "publicSignals", expected },
    });
  }
  return publicSignals.map((signal, i) => {
    const value = typeof signal === "bigint" ? signal : typeof signal === "string" && DECIMAL.test(signal) ? BigInt(signal) : undefined;
    if (value === undefined || value < 0n || value >= SCALAR_FIELD_MODULUS) {
      throw new VeritrainError(`public signal ${i} must be a field element in [0, r) as a bigint or canonical decimal string, got ${String(signal)}`, {
        code: PUBLIC_SIGNALS_INVALID,
        details: { field: `publicSignals[${i}]`, value: String(signal) },
      });
    }
    const scalar = new bn254.Fr();
    scalar.setStr(`${value}`, 10);
    return scalar;
  });
}

/**
 * Verifies a Groth16 proof on BN254: e(−A, B)·e(α, β)·e(vk_x, γ)·e(C, δ) = 1 with
 * vk_x = IC₀ + Σ signalᵢ·ICᵢ, as Miller loops over the three pairs and one final exponentiation.
 * The G2 check of B and the loop of (−A, B) run on the key's pairing thread (if it has one) while
 * this thread computes vk_x and the loop over γ and δ from their precomputed lines.
 *
 * Returns false when the proof is well formed but the equation fails (wrong public signals, a
 * proof of another statement or for another key). Throws a VeritrainError for input that is not
 * a proof at all: `PROOF_MALFORMED` (bad shape, coordinate ≥ p, point off its curve, B outside
 * G2 — e.g. G2 coordinates in on-chain order) or `PUBLIC_SIGNALS_INVALID` (wrong count, value ≥ r).
 * Callers that only need "valid or not" treat those throws as false.
 *
 * @example
 * const verifyingKey = await prepareVerifyingKey(vkJson);
 * verifyGroth16Proof({ verifyingKey, proof, publicSignals }); // true
 */
export function verifyGroth16Proof({ verifyingKey, proof, publicSignals }: VerifyGroth16ProofParameters): boolean {
  const { bn254, ic0, icSignals, gamma, delta, gammaLines, deltaLines, target, thread } = verifyingKey;
  const { a, b, c } = typeof proof === "object" && proof !== null && !("pi_a" in proof) ? proof : proofFromSnarkjs(proof);
  const scalars = scalarsOf(bn254, publicSignals, verifyingKey.publicInputCount);
  const bSource = { code: PROOF_MALFORMED, field: "b" };
  const negA = bn254.neg(toMclG1(bn254, a, { code: PROOF_MALFORMED, field: "a" }));
  const B = toMclTwistPoint(bn254, b, bSource);
  let C: G1;
  try {
    C = toMclG1(bn254, c, { code: PROOF_MALFORMED, field: "c" });
  } catch (error) {
    // Faults are reported in the order a, b, c: B's subgroup check (otherwise left to the
    // pairing thread) runs here first, so a proof with both faults is reported for b.
    if (!isInG2(bn254, B)) throw outsideG2Error(bSource, b);
    throw error;
  }
  const proofPair = thread === undefined ? () => millerLoopInG2(bn254, negA, B) : thread.submit(bn254, negA, B);
  const vkX = scalars.length === 0 ? ic0 : bn254.add(ic0, bn254.mulVec(icSignals, scalars));
  // A pair with the point at infinity contributes 1; the loop over precomputed lines cannot take
  // that point, the plain loop skips it.
  const keyPairs =
    vkX.isZero() || C.isZero() ? multiMillerLoop(bn254, [vkX, C], [gamma, delta]) : precomputedMillerLoop2(bn254, vkX, gammaLines, C, deltaLines);
  const miller = proofPair();
  if (miller === undefined) throw outsideG2Error(bSource, b);
  return bn254.finalExp(bn254.mul(miller, keyPairs)).isEqual(target);
}
