// The injected test wallet, as a browser extension would inject it: bundled by appBrowser.ts into
// an init script that runs before the app, it announces one EIP-6963 wallet signing with the key
// the test put in `window.__veritrainTestWallet`. Setting `rejectNext` there makes the next
// signature or transaction request fail as a user's "Reject" does (EIP-1193 code 4001).
import { defineChain, UserRejectedRequestError, type EIP1193Provider } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { announceProvider, WALLET_ICON } from "../../app/src/wallet/announceProvider.ts";
import { localAccountProvider } from "../../app/src/wallet/localAccountProvider.ts";

type TestWallet = { privateKey: `0x${string}`; rpcUrl: string; chainId: number; rejectNext?: boolean };
const wallet = (window as unknown as { __veritrainTestWallet: TestWallet }).__veritrainTestWallet;
const chain = defineChain({ id: wallet.chainId, name: `chain ${wallet.chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [wallet.rpcUrl] } } });
const inner = localAccountProvider({ account: privateKeyToAccount(wallet.privateKey), chain, rpcUrl: wallet.rpcUrl });
const ASKS_USER = new Set(["eth_sendTransaction", "eth_signTypedData_v4", "personal_sign"]);
const provider = {
  ...inner,
  request: async (args: { method: string; params?: unknown }) => {
    if (wallet.rejectNext && ASKS_USER.has(args.method)) {
      wallet.rejectNext = false;
      throw new UserRejectedRequestError(new Error("User rejected the request."));
    }
    return (inner.request as (a: typeof args) => Promise<unknown>)(args);
  },
} as EIP1193Provider;
announceProvider({ info: { uuid: "5f3c1a2e-0000-4000-8000-7e57aa11e700", name: "Test wallet", icon: WALLET_ICON, rdns: "dev.veritrain.testwallet" }, provider });
