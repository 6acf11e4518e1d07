// The injected test wallet, as a browser extension would inject it: bundled by appBrowser.ts into
// an init script that runs before the app, it announces one EIP-6963 wallet signing with the key
// the test put in `window.__veritrainTestWallet`.
import { defineChain } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { announceProvider, WALLET_ICON } from "../../app/src/wallet/announceProvider.ts";
import { localAccountProvider } from "../../app/src/wallet/localAccountProvider.ts";

const { privateKey, rpcUrl, chainId } = (window as unknown as { __veritrainTestWallet: { privateKey: `0x${string}`; rpcUrl: string; chainId: number } }).__veritrainTestWallet;
const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
announceProvider({
  info: { uuid: "5f3c1a2e-0000-4000-8000-7e57aa11e700", name: "Test wallet", icon: WALLET_ICON, rdns: "dev.veritrain.testwallet" },
  provider: localAccountProvider({ account: privateKeyToAccount(privateKey), chain, rpcUrl }),
});
