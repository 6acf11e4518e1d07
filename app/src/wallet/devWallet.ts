import type { Chain } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { DEV_MNEMONIC, DEV_WALLET_ACCOUNTS, DEVNET_CHAIN_ID } from "../../../keepers/src/devnet/devAccounts.ts";
import { announceProvider, WALLET_ICON } from "./announceProvider.ts";
import { localAccountProvider } from "./localAccountProvider.ts";


/**
 * Announces one EIP-6963 wallet per browser account of the devnet, each signing in the page with
 * its well-known development key. Called only when the config names chain 31337 and asks for it:
 * these keys are public and must never hold value on a real network.
 *
 * @example
 * if (config.devWallet) announceDevWallets({ chain, rpcUrl: config.rpcUrl });
 */
export function announceDevWallets({ chain, rpcUrl }: { chain: Chain; rpcUrl: string }): void {
  if (chain.id !== DEVNET_CHAIN_ID) throw new Error(`the development wallet serves the local chain ${DEVNET_CHAIN_ID} only, not ${chain.id}`);
  for (const index of DEV_WALLET_ACCOUNTS) {
    const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
    announceProvider({
      info: { uuid: `00000000-0000-4000-8000-0000000000${index}`, name: `Devnet account #${index}`, icon: WALLET_ICON, rdns: `dev.veritrain.devnet${index}` },
      provider: localAccountProvider({ account, chain, rpcUrl }),
    });
  }
}
