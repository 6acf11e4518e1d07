import { Eip1559FeesNotSupportedError, formatEther } from "viem";
import { VeritrainError } from "../errors.ts";
import type { ProtocolConnection } from "./protocolContracts.ts";
import { tokenFormatter } from "./tokenFormatter.ts";

/** Parameters of {@link requireFunds}. */
export type RequireFundsParameters = {
  chain: ProtocolConnection;
  /** What the account is about to do, as the message says it: "posting", "staking". */
  action: string;
  /** Protocol tokens the action spends and what they are, e.g. `{ amount: 10n * 10n ** 18n, label: "reward" }`. */
  tokens?: { amount: bigint; label: string };
  /** Gas the action's transactions use (an estimate); checked against the ETH balance at the current fee. */
  gas?: bigint;
};

/**
 * Checks, before anything is sent, that the connected account holds the protocol tokens and the
 * ETH an action needs; otherwise throws one line saying what is missing and how to get it
 * (`INSUFFICIENT_TOKENS`, `INSUFFICIENT_GAS_FUNDS`). Reads `balanceOf`, `eth_getBalance` and the fee.
 *
 * @example
 * await requireFunds({ chain, action: "posting", tokens: { amount: order.reward, label: "reward" }, gas });
 */
export async function requireFunds({ chain, action, tokens, gas }: RequireFundsParameters): Promise<void> {
  const account = chain.account.address;
  if (tokens !== undefined) {
    const [balance, format] = await Promise.all([chain.contracts.VeritrainToken.read.balanceOf([account]), tokenFormatter(chain)]);
    if (balance < tokens.amount) {
      throw new VeritrainError(
        `account ${account} holds ${format(balance)}; ${action} needs ${format(tokens.amount)} (${tokens.label}): get tokens first, e.g. \`npm run veritrain -- devnet fund ${account}\``,
        { code: "INSUFFICIENT_TOKENS", details: { account, balance: balance.toString(), needed: tokens.amount.toString(), for: tokens.label } },
      );
    }
  }
  if (gas !== undefined) {
    // The fee cap viem will send with (what the node checks the balance against); a chain without
    // EIP-1559 fees (Polygon zkEVM) prices gas at eth_gasPrice.
    const fee = chain.publicClient.estimateFeesPerGas().then(
      (fees) => fees.maxFeePerGas,
      (error: unknown) => (error instanceof Eip1559FeesNotSupportedError ? chain.publicClient.getGasPrice() : Promise.reject(error)),
    );
    const [balance, price] = await Promise.all([chain.publicClient.getBalance({ address: account }), fee]);
    const cost = gas * price;
    if (balance < cost) {
      throw new VeritrainError(
        `account ${account} holds ${formatEther(balance)} ETH; ${action} needs about ${formatEther(cost)} ETH for gas: send it ETH first`,
        { code: "INSUFFICIENT_GAS_FUNDS", details: { account, balance: balance.toString(), needed: cost.toString(), gas: gas.toString() } },
      );
    }
  }
}
