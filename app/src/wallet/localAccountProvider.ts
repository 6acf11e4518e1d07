import { createWalletClient, hexToBigInt, http, type Chain, type EIP1193Provider, type Hex, type LocalAccount } from "viem";

/** Parameters of {@link localAccountProvider}. */
export type LocalAccountProviderParameters = {
  /** The key that signs, held in the page. */
  account: LocalAccount;
  chain: Chain;
  /** JSON-RPC URL that reads are forwarded to and signed transactions are sent to. */
  rpcUrl: string;
};

type TransactionRequest = { to?: Hex; data?: Hex; value?: Hex; gas?: Hex; nonce?: Hex };

/**
 * An EIP-1193 provider that signs with a key held in the page (viem's local account) and sends the
 * raw transactions to `rpcUrl`; every other method is forwarded. It works against any node — it
 * never asks the node to sign. The app's development wallet (local chain only) and the browser
 * tests' injected EIP-6963 wallet are this provider.
 *
 * @example
 * const provider = localAccountProvider({ account: privateKeyToAccount(key), chain, rpcUrl });
 * await provider.request({ method: "eth_requestAccounts" });
 */
export function localAccountProvider({ account, chain, rpcUrl }: LocalAccountProviderParameters): EIP1193Provider {
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  // As a wallet does: no account is exposed to the page until it asks and is granted (connects).
  let granted = false;
  const request = async ({ method, params }: { method: string; params?: unknown }): Promise<unknown> => {
    const args = (params ?? []) as unknown[];
    switch (method) {
      case "eth_accounts":
        return granted ? [account.address] : [];
      case "eth_requestAccounts":
        granted = true;
        return [account.address];
      case "wallet_revokePermissions":
        granted = false;
        return null;
      case "eth_chainId":
        return `0x${chain.id.toString(16)}`;
      case "wallet_switchEthereumChain": {
        const [{ chainId }] = args as [{ chainId: Hex }];
        if (Number(chainId) !== chain.id) throw Object.assign(new Error(`this wallet serves chain ${chain.id} only`), { code: 4902 });
        return null;
      }
      case "wallet_requestPermissions":
        granted = true;
        return [{ parentCapability: "eth_accounts" }];
      case "wallet_getPermissions":
        return granted ? [{ parentCapability: "eth_accounts" }] : [];
      case "personal_sign":
        return account.signMessage({ message: { raw: args[0] as Hex } });
      case "eth_signTypedData_v4": {
        const typed = JSON.parse(args[1] as string);
        return account.signTypedData(typed);
      }
      case "eth_sendTransaction": {
        const [tx] = args as [TransactionRequest];
        const big = (value: Hex | undefined) => (value === undefined ? undefined : hexToBigInt(value));
        return wallet.sendTransaction({ to: tx.to, data: tx.data, value: big(tx.value), gas: big(tx.gas), nonce: tx.nonce === undefined ? undefined : Number(tx.nonce) });
      }
      default:
        return wallet.request({ method, params } as Parameters<typeof wallet.request>[0]);
    }
  };
  return {
    request,
    on(event: string, listener: (...args: unknown[]) => void) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
    },
    removeListener(event: string, listener: (...args: unknown[]) => void) {
      listeners.get(event)?.delete(listener);
    },
  } as EIP1193Provider;
}
