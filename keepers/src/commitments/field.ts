import { VeritrainError } from "../errors.ts";

/** The BN254 (alt_bn128) scalar field modulus p: the field of circom signals and Poseidon. */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * Encodes a field element as the 32-byte big-endian hex string used on chain (a `bytes32` /
 * `uint256` whose value is the element).
 *
 * @example
 * fieldToBytes32Hex(1n); // "0x0000…0001"
 */
export function fieldToBytes32Hex(value: bigint): `0x${string}` {
  assertFieldElement(value, "value");
  return `0x${value.toString(16).padStart(64, "0")}`;
}

/**
 * Decodes a 32-byte big-endian hex string into a field element (rejects values >= p).
 *
 * @example
 * fieldFromBytes32Hex("0x" + "00".repeat(31) + "2a"); // 42n
 */
export function fieldFromBytes32Hex(hex: string): bigint {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
    throw new VeritrainError(`root must be 0x followed by 64 hex digits, got "${hex}"`, {
      code: "FIELD_ELEMENT_INVALID",
      details: { field: "root", value: hex },
    });
  }
  const value = BigInt(hex);
  assertFieldElement(value, "root");
  return value;
}

/** Throws unless `value` is an integer in [0, p). */
export function assertFieldElement(value: bigint, field: string): void {
  if (value < 0n || value >= FIELD_MODULUS) {
    throw new VeritrainError(`${field} must be a BN254 field element in [0, p), got ${value}`, {
      code: "FIELD_ELEMENT_INVALID",
      details: { field, value: value.toString() },
    });
  }
}
