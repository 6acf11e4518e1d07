import { useAccount, useConnect, useConnectors, useDisconnect, useSwitchChain } from "wagmi";
import { useAppConfig } from "../config/appContext.ts";
import { AccountLink } from "../ui/format.tsx";

/**
 * The header's wallet corner: the wallets that announced themselves (EIP-6963) to connect with,
 * the connected account, and a prompt to switch when the wallet is on another chain.
 *
 * @example
 * <WalletBar />
 */
export function WalletBar() {
  const { chainId: expected, chainName } = useAppConfig();
  const { address, chainId, status } = useAccount();
  const connectors = useConnectors();
  const { connect, error, isPending } = useConnect();
  const { disconnect } = useDisconnect();
  const { switchChain } = useSwitchChain();

  if (status === "connected" && address) {
    return (
      <div className="wallet" aria-label="wallet">
        <span>Connected: <AccountLink address={address} /></span>
        {chainId !== expected && (
          <span role="alert" className="wrong-network">
            Wrong network (chain {chainId}).{" "}
            <button type="button" onClick={() => switchChain({ chainId: expected })}>Switch to {chainName}</button>
          </span>
        )}
        <button type="button" onClick={() => disconnect()}>Disconnect</button>
      </div>
    );
  }
  return (
    <div className="wallet" aria-label="wallet">
      {connectors.length === 0 && <span>No wallet found: install one (e.g. MetaMask) or, on the devnet, reload.</span>}
      {connectors.map((connector) => (
        <button type="button" key={connector.uid} disabled={isPending} onClick={() => connect({ connector, chainId: expected })}>
          Connect {connector.name}
        </button>
      ))}
      {error && <span role="alert" className="error">{error.message.split("\n")[0]}</span>}
    </div>
  );
}
