import { parseEther, toHex, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";

/** Hardhat's development mnemonic: the keys of a local chain's funded accounts (never use them elsewhere). */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Chain id of a Hardhat node: the only chain on which the development keys may be offered. */
export const DEVNET_CHAIN_ID = 31337;

/** Development accounts the devnet funds for a person in the browser: the web app's development wallet signs with them. Above every keeper's account. */
export const DEV_WALLET_ACCOUNTS = [40, 41, 42] as const;

/**
 * Tokens of a devnet account that plays dispute games (compute keepers, the challenger): each side of a LeNet-5
 * game pays ~9,000 tokens of bonds at the devnet's 100-token move bond (docs/dispute-game.md §3), back to the
 * winner only at its end, and a challenger may play several games at once.
 */
export const GAME_PLAYER_TOKENS = parseEther("100000");

/**
 * The private key of development account `index` (BIP-44 `m/44'/60'/0'/0/index` of
 * {@link DEV_MNEMONIC}). Hardhat's node funds the first 20; {@link fundDevAccounts} funds any.
 *
 * @example
 * const key = devAccountKey(3);
 */
export function devAccountKey(index: number): Hex {
  return toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey().privateKey!);
}

/** Parameters of {@link fundDevAccounts}. */
export type FundDevAccountsParameters = {
  /** The deployer's connection: it holds the test token's supply. */
  deployer: ProtocolConnection;
  accounts: readonly Address[];
  /** Tokens sent to each account, in wei. @default 10,000 tokens */
  tokens?: bigint;
  /** Ether balance set on each account (local chain only: `hardhat_setBalance`). @default 1,000 ETH */
  ether?: bigint;
};

/**
 * Gives each account gas money (`hardhat_setBalance`, so accounts past Hardhat's 20 work too)
 * and protocol tokens from the deployer.
 *
 * @example
 * await fundDevAccounts({ deployer, accounts: [provider, validator] });
 */
export async function fundDevAccounts({ deployer, accounts, tokens = parseEther("10000"), ether = parseEther("1000") }: FundDevAccountsParameters): Promise<void> {
  for (const account of accounts) {
    await deployer.publicClient.request({ method: "hardhat_setBalance" as never, params: [account, toHex(ether)] as never });
    await deployer.send(() => deployer.contracts.VeritrainToken.write.transfer([account, tokens]));
  }
}
