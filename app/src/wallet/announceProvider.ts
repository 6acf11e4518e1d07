import type { EIP1193Provider } from "viem";

/** EIP-6963's description of a wallet. */
export type ProviderInfo = { uuid: string; name: string; icon: string; rdns: string };

/**
 * Announces `provider` the way EIP-6963 wallets do: now, and again whenever a dapp dispatches
 * `eip6963:requestProvider`. wagmi's multi-injected-provider discovery lists it as a wallet.
 *
 * @example
 * announceProvider({ info: { uuid, name: "Test wallet", icon, rdns: "dev.veritrain.test" }, provider });
 */
export function announceProvider({ info, provider }: { info: ProviderInfo; provider: EIP1193Provider }): void {
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}

/** A plain square icon as a data URI (EIP-6963 asks for one). */
export const WALLET_ICON = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d4ed8"/><path d="M8 11h16v10H8z" fill="#fff"/></svg>')}`;
