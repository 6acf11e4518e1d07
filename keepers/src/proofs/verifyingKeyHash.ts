import { encodeAbiParameters, type Hex, keccak256 } from "viem";
import type { SnarkjsVerificationKey } from "./groth16Verification.ts";

const g1 = (point: readonly string[]) => [BigInt(point[0]!), BigInt(point[1]!)] as const;
/** G2 in the EVM's order: each Fp2 coordinate as [imaginary, real]. */
const g2 = (point: readonly (readonly string[])[]) =>
  [
    [BigInt(point[0]![1]!), BigInt(point[0]![0]!)],
    [BigInt(point[1]![1]!), BigInt(point[1]![0]!)],
  ] as const;

/**
 * The hash StorageProofs anchors for a verifier version (docs/storage-proofs.md):
 * `keccak256(abi.encode(uint256[2] alpha1, uint256[2][2] beta2, uint256[2][2] gamma2,
 * uint256[2][2] delta2, uint256[2][] ic))`, affine coordinates, G2 coordinates in the EVM
 * precompile's order (imaginary part first), as in the generated Solidity verifier.
 *
 * @example
 * verifyingKeyHash(JSON.parse(readFileSync("circuits/build/verification_key.json", "utf8"))); // 0x…
 */
export function verifyingKeyHash(key: SnarkjsVerificationKey): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256[2]" }, { type: "uint256[2][2]" }, { type: "uint256[2][2]" }, { type: "uint256[2][2]" }, { type: "uint256[2][]" }],
      [g1(key.vk_alpha_1), g2(key.vk_beta_2), g2(key.vk_gamma_2), g2(key.vk_delta_2), key.IC.map(g1)],
    ),
  );
}
