import { BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, parseSignature, type Address, type Hex } from "viem";
import type { ProtocolConnection } from "./protocolContracts.ts";

/** Parameters of {@link signPermit}. */
export type SignPermitParameters = {
  chain: ProtocolConnection;
  /** The contract that will spend the tokens (and submit the permit). */
  spender: Address;
  /** Allowance the permit grants, in wei. */
  value: bigint;
  /** Unix time after which the permit is void. */
  deadline: bigint;
};

/** An EIP-2612 permit signature, in the `(deadline, v, r, s)` form the protocol's `…WithPermit` calls take. */
export type PermitSignature = { deadline: bigint; v: number; r: Hex; s: Hex };

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

/**
 * Signs an EIP-2612 permit of the protocol token for `spender` with the connected account (no
 * transaction): the domain from the token's `eip712Domain()` (EIP-5267), the nonce from
 * `nonces(owner)`. Returns `undefined` when the token has no permit (either call reverts or
 * returns nothing), so the caller falls back to `approve`; an RPC failure is thrown.
 *
 * @example
 * const permit = await signPermit({ chain, spender: JobRegistry.address, value: reward, deadline });
 */
export async function signPermit({ chain, spender, value, deadline }: SignPermitParameters): Promise<PermitSignature | undefined> {
  const token = chain.contracts.VeritrainToken;
  const owner = chain.account.address;
  let domain: readonly [Hex, string, string, bigint, Address, Hex, readonly bigint[]];
  let nonce: bigint;
  try {
    [domain, nonce] = await Promise.all([token.read.eip712Domain(), token.read.nonces([owner])]);
  } catch (error) {
    const unsupported = error instanceof BaseError && error.walk((cause) => cause instanceof ContractFunctionRevertedError || cause instanceof ContractFunctionZeroDataError);
    if (unsupported) return undefined;
    throw error;
  }
  const [, name, version, chainId, verifyingContract] = domain;
  const signature = await chain.walletClient.signTypedData({
    account: chain.account,
    domain: { name, version, chainId, verifyingContract },
    types: PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner, spender, value, nonce, deadline },
  });
  const { r, s, yParity } = parseSignature(signature);
  return { deadline, v: 27 + yParity, r, s };
}
