import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import type { Abi, Hash, TransactionReceipt } from "viem";
import { useAccount, useConfig } from "wagmi";
import { simulateContract, waitForTransactionReceipt, writeContract, type SimulateContractParameters } from "wagmi/actions";
import { explainError } from "./explainError.ts";

/** Where a transaction is: what the user sees next to the button that sent it. */
export type TransactionState =
  | { status: "idle" }
  | { status: "checking"; label: string }
  | { status: "signing"; label: string }
  | { status: "pending"; label: string; hash: Hash }
  | { status: "confirmed"; label: string; hash: Hash; receipt: TransactionReceipt }
  | { status: "failed"; label: string; message: string; hash?: Hash };

/** A contract call as wagmi takes it: `{ ...contracts.X, functionName, args }`. */
export type ContractCall = Omit<SimulateContractParameters<Abi, string>, "account" | "chainId">;

/**
 * Sends one contract call from the connected wallet, and says where it is: simulated first (a
 * revert is one sentence and nothing is signed), then signed in the wallet, pending, and confirmed
 * or failed. `call` may be a function, to ask the wallet for a signature (a permit) first; it
 * returns `undefined` to stop without sending. After a confirmation every query is refetched.
 *
 * @example
 * const tx = useTransaction();
 * <button onClick={() => tx.send("Stake", { ...StakeManager, functionName: "stake", args: [amount] })}>Stake</button>
 * <TransactionStatus state={tx.state} />
 */
export function useTransaction() {
  const config = useConfig();
  const { address, chainId } = useAccount();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TransactionState>({ status: "idle" });

  const send = useCallback(
    async (label: string, call: ContractCall | (() => Promise<ContractCall | undefined>)): Promise<TransactionReceipt | undefined> => {
      let hash: Hash | undefined;
      try {
        if (address === undefined) throw new Error("Connect a wallet first.");
        const expected = config.chains[0].id;
        if (chainId !== expected) throw new Error(`Your wallet is on chain ${chainId}; switch it to ${config.chains[0].name} (chain ${expected}).`);
        setState({ status: "checking", label });
        const resolved = typeof call === "function" ? await call() : call;
        if (resolved === undefined) return setState({ status: "idle" }), undefined;
        const { request } = await simulateContract(config, { ...resolved, account: address } as SimulateContractParameters);
        setState({ status: "signing", label });
        hash = await writeContract(config, request);
        setState({ status: "pending", label, hash });
        const receipt = await waitForTransactionReceipt(config, { hash });
        if (receipt.status !== "success") throw new Error(`The transaction ${hash} reverted when it was mined.`);
        setState({ status: "confirmed", label, hash, receipt });
        await queryClient.invalidateQueries();
        return receipt;
      } catch (error) {
        setState({ status: "failed", label, message: await explainError(error), ...(hash === undefined ? {} : { hash }) });
        return undefined;
      }
    },
    [address, chainId, config, queryClient],
  );
  const reset = useCallback(() => setState({ status: "idle" }), []);
  return { state, send, reset, busy: state.status === "checking" || state.status === "signing" || state.status === "pending" };
}
