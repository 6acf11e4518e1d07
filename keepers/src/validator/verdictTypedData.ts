import type { Address } from "viem";

/**
 * The EIP-712 typed data of a committee verdict, as Disputes hashes it: domain
 * ("veritrain Disputes", "1", chainId, Disputes), type `Verdict(uint256 disputeId,bool providerWrong)`.
 * Signing it and Disputes' `verdictDigest(disputeId, providerWrong)` agree.
 *
 * @example
 * const signature = await account.signTypedData(verdictTypedData({ chainId, disputes, disputeId: 1n, providerWrong: true }));
 */
export function verdictTypedData({ chainId, disputes, disputeId, providerWrong }: { chainId: number; disputes: Address; disputeId: bigint; providerWrong: boolean }) {
  return {
    domain: { name: "veritrain Disputes", version: "1", chainId, verifyingContract: disputes },
    types: { Verdict: [{ name: "disputeId", type: "uint256" }, { name: "providerWrong", type: "bool" }] },
    primaryType: "Verdict",
    message: { disputeId, providerWrong },
  } as const;
}
