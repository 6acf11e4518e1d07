import { keccak256, numberToHex, type Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import { loadBn254, toMclG1, toMclG2 } from "../proofs/bn254.ts";
import { hashToG1 } from "./hashToG1.ts";

/** The RFC 9380 domain separation tag of drand's `bls-bn254-unchained-on-g1` signatures. */
export const DRAND_BN254_DST = "BLS_SIG_BN254G1_XMD:KECCAK-256_SVDW_RO_NUL_";

/** The G2 generator (c0 + c1·u coordinates). */
const G2_GENERATOR = {
  x: { c0: 0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6edn, c1: 0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2n },
  y: { c0: 0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daan, c1: 0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975bn },
};

/** Parameters of {@link verifyBeacon}. */
export type VerifyBeaconParameters = {
  /** The drand round. */
  round: bigint;
  /** Its signature, a G1 point `[x, y]` (drand's 64 bytes split in two). */
  signature: readonly [bigint, bigint];
  /** The beacon's G2 public key, EIP-197 order `[x.c1, x.c0, y.c1, y.c0]` (as the coordinator returns it). */
  publicKey: readonly [bigint, bigint, bigint, bigint];
};

/**
 * Whether `signature` is drand's BLS signature of `round` under `publicKey`: e(σ, g2) = e(H(m), pk) with
 * m = keccak256(uint64_be(round)) and H drand's hash to G1 ({@link hashToG1}), checked off chain (mcl-wasm)
 * with the contract's rules, so a keeper never pays for a fulfilment that would revert.
 *
 * @throws VeritrainError `DRAND_BEACON_INVALID` when the signature is not a G1 point (non-canonical or off the
 *   curve), or the key not a G2 point.
 * @example
 * if (await verifyBeacon({ round, signature, publicKey })) await relay(round, signature);
 */
export async function verifyBeacon({ round, signature, publicKey }: VerifyBeaconParameters): Promise<boolean> {
  const bn254 = await loadBn254();
  const code = "DRAND_BEACON_INVALID";
  const sigma = toMclG1(bn254, { x: signature[0], y: signature[1] }, { code, field: "signature" });
  if (sigma.isZero()) throw new VeritrainError("the drand signature is the point at infinity", { code, details: { round } });
  const [x1, x0, y1, y0] = publicKey;
  const key = toMclG2(bn254, { x: { c0: x0, c1: x1 }, y: { c0: y0, c1: y1 } }, { code, field: "publicKey" });
  const h = toMclG1(bn254, hashToG1(drandRoundMessage(round), DRAND_BN254_DST), { code, field: "H(m)" });
  const g2 = toMclG2(bn254, G2_GENERATOR, { code, field: "g2" });
  return bn254.pairing(sigma, g2).isEqual(bn254.pairing(h, key));
}

/** drand's message for `round`: keccak256 of the round as 8 big-endian bytes. */
export function drandRoundMessage(round: bigint): Hex {
  return keccak256(numberToHex(round, { size: 8 }));
}
