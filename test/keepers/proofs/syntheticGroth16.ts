import type { G1, G2 } from "mcl-wasm";
import { type Bn254, SCALAR_FIELD_MODULUS } from "../../../keepers/src/proofs/bn254.ts";
import type { SnarkjsVerificationKey } from "../../../keepers/src/proofs/groth16Verifier.ts";
import type { SnarkjsG1, SnarkjsG2, SnarkjsProof } from "../../../keepers/src/proofs/proofEncoding.ts";
import { SeededRandom } from "../commitments/seededRandom.ts";

/** Parameters of {@link syntheticGroth16}. */
export type SyntheticGroth16Parameters = {
  /** Number of public inputs (IC has one point more). */
  publicInputs: number;
  seed: bigint;
  /** Pick IC₀ so that vk_x is the point at infinity (IC₀ itself when there are no public inputs). */
  vkXAtInfinity?: boolean;
  /** Pick A so that C is the point at infinity. */
  cAtInfinity?: boolean;
};

/** A verifying key in snarkjs's format and one valid proof of it. */
export type SyntheticGroth16 = { verificationKey: SnarkjsVerificationKey; proof: SnarkjsProof; publicSignals: string[] };

const R = SCALAR_FIELD_MODULUS;
const mod = (value: bigint) => ((value % R) + R) % R;

function inverse(value: bigint): bigint {
  // Extended Euclid: r is prime, so every non-zero value has an inverse.
  let [a, b, x, y] = [mod(value), R, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b, x, y] = [b, a - q * b, y, x - q * y];
  }
  return mod(x);
}

function fr(bn254: Bn254, value: bigint) {
  const result = new bn254.Fr();
  result.setStr(`${value}`, 10);
  return result;
}

function g1ToSnarkjs(bn254: Bn254, point: G1): SnarkjsG1 {
  if (point.isZero()) return ["0", "1", "0"];
  const [, x, y] = bn254.normalize(point).getStr(10).split(" ") as [string, string, string];
  return [x, y, "1"];
}

function g2ToSnarkjs(bn254: Bn254, point: G2): SnarkjsG2 {
  const [, x0, x1, y0, y1] = bn254.normalize(point).getStr(10).split(" ") as [string, string, string, string, string];
  return [[x0, x1], [y0, y1], ["1", "0"]];
}

/**
 * A Groth16 verifying key and a valid proof made from known scalars (the toxic waste is public:
 * tests only), for shapes the fixture circuits do not have: any number of public inputs, vk_x or
 * C at infinity. With G₁ ∈ G1 and G₂ ∈ G2 fixed points, α = a·G₁, β = b·G₂, γ = c·G₂, δ = d·G₂,
 * ICᵢ = kᵢ·G₁, A = x·G₁ and B = y·G₂, the proof verifies iff C = ((x·y − a·b − v·c)/d)·G₁ with
 * v = k₀ + Σ signalᵢ·kᵢ (so vk_x = v·G₁).
 *
 * @example
 * const { verificationKey, proof, publicSignals } = syntheticGroth16(bn254, { publicInputs: 3, seed: 1n });
 */
export function syntheticGroth16(bn254: Bn254, { publicInputs, seed, vkXAtInfinity = false, cAtInfinity = false }: SyntheticGroth16Parameters): SyntheticGroth16 {
  const random = new SeededRandom(seed);
  const scalar = () => mod(random.bits(256)) || 1n;
  const g1 = bn254.hashAndMapToG1(`synthetic G1 ${seed}`);
  const g2 = bn254.hashAndMapToG2(`synthetic G2 ${seed}`);
  const [a, b, c, d, y] = [scalar(), scalar(), scalar(), scalar(), scalar()];
  const signals = Array.from({ length: publicInputs }, scalar);
  const ks = Array.from({ length: publicInputs + 1 }, scalar);
  const signalSum = signals.reduce((sum, signal, i) => sum + signal * ks[i + 1]!, 0n);
  if (vkXAtInfinity) ks[0] = mod(-signalSum);
  const v = mod(ks[0]! + signalSum);
  const x = cAtInfinity ? mod((a * b + v * c) * inverse(y)) : scalar();
  const cScalar = mod((x * y - a * b - v * c) * inverse(d));
  return {
    verificationKey: {
      protocol: "groth16",
      curve: "bn128",
      nPublic: publicInputs,
      vk_alpha_1: g1ToSnarkjs(bn254, bn254.mul(g1, fr(bn254, a))),
      vk_beta_2: g2ToSnarkjs(bn254, bn254.mul(g2, fr(bn254, b))),
      vk_gamma_2: g2ToSnarkjs(bn254, bn254.mul(g2, fr(bn254, c))),
      vk_delta_2: g2ToSnarkjs(bn254, bn254.mul(g2, fr(bn254, d))),
      IC: ks.map((k) => g1ToSnarkjs(bn254, bn254.mul(g1, fr(bn254, k)))),
    },
    proof: {
      pi_a: g1ToSnarkjs(bn254, bn254.mul(g1, fr(bn254, x))),
      pi_b: g2ToSnarkjs(bn254, bn254.mul(g2, fr(bn254, y))),
      pi_c: g1ToSnarkjs(bn254, bn254.mul(g1, fr(bn254, cScalar))),
      protocol: "groth16",
      curve: "bn128",
    },
    publicSignals: signals.map(String),
  };
}
