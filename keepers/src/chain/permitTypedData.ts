import { parseSignature, type Address, type Hex } from "viem";

/** EIP-2612's typed-data struct of a permit. */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** The token's EIP-5267 `eip712Domain()` answer: fields, name, version, chainId, verifyingContract, salt, extensions. */
export type Eip712DomainTuple = readonly [Hex, string, string, bigint, Address, Hex, readonly bigint[]];

/** Parameters of {@link permitTypedData}. */
export type PermitTypedDataParameters = {
  /** The token's `eip712Domain()`. */
  domain: Eip712DomainTuple;
  owner: Address;
  /** The contract that will spend the tokens (and submit the permit). */
  spender: Address;
  /** Allowance the permit grants, in wei. */
  value: bigint;
  /** The token's `nonces(owner)`. */
  nonce: bigint;
  /** Unix time after which the permit is void. */
  deadline: bigint;
};

/**
 * The EIP-712 typed data of an EIP-2612 permit, for viem's or wagmi's `signTypedData`: the CLI
 * and the web app sign exactly the same message. No RPC, no wallet.
 *
 * @example
 * const signature = await walletClient.signTypedData({ account, ...permitTypedData({ domain, owner, spender, value, nonce, deadline }) });
 */
export function permitTypedData({ domain, owner, spender, value, nonce, deadline }: PermitTypedDataParameters) {
  const [, name, version, chainId, verifyingContract] = domain;
  return {
    domain: { name, version, chainId, verifyingContract },
    types: PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner, spender, value, nonce, deadline },
  } as const;
}

/** An EIP-2612 permit signature, in the `(deadline, v, r, s)` form the protocol's `…WithPermit` calls take. */
export type PermitSignature = { deadline: bigint; v: number; r: Hex; s: Hex };

/**
 * A permit's 65-byte signature split into the `(deadline, v, r, s)` arguments of `…WithPermit`.
 *
 * @example
 * const { v, r, s } = permitSignature(signature, deadline);
 */
export function permitSignature(signature: Hex, deadline: bigint): PermitSignature {
  const { r, s, yParity } = parseSignature(signature);
  return { deadline, v: 27 + yParity, r, s };
}
