import { BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, type Address } from "viem";
import { permitSignature, permitTypedData, type Eip712DomainTuple, type PermitSignature } from "./permitTypedData.ts";
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
  let domain: Eip712DomainTuple;
  let nonce: bigint;
  try {
    [domain, nonce] = await Promise.all([token.read.eip712Domain(), token.read.nonces([owner])]);
  } catch (error) {
    const unsupported = error instanceof BaseError && error.walk((cause) => cause instanceof ContractFunctionRevertedError || cause instanceof ContractFunctionZeroDataError);
    if (unsupported) return undefined;
    throw error;
  }
  const signature = await chain.walletClient.signTypedData({ account: chain.account, ...permitTypedData({ domain, owner, spender, value, nonce, deadline }) });
  return permitSignature(signature, deadline);
}
