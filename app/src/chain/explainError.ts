import { BaseError, ContractFunctionRevertedError, RawContractError, UserRejectedRequestError, type Abi, type Hex } from "viem";
import type { ProtocolErrorDoc, ProtocolErrors } from "../../../keepers/src/chain/protocolErrors.ts";
import { revertSentence } from "../../../keepers/src/chain/revertSentence.ts";

let errors: Promise<ProtocolErrors> | undefined;

/** The protocol's custom errors with their NatSpec, generated from the build; loaded on first use. */
function protocolErrors(): Promise<ProtocolErrors> {
  errors ??= import("../generated/protocolErrors.json").then(({ default: json }) => ({ abi: json.abi as Abi, docs: new Map(json.docs as [Hex, ProtocolErrorDoc][]) }));
  return errors;
}

/**
 * One sentence for a failed call or transaction: a contract revert decoded against the
 * protocol's custom errors into the same sentence the CLI prints (the error's NatSpec with its
 * values), a rejection in the wallet said as such, and otherwise viem's short message.
 *
 * @example
 * setMessage(await explainError(error));
 */
export async function explainError(error: unknown): Promise<string> {
  if (!(error instanceof BaseError)) return error instanceof Error ? error.message : String(error);
  if (error.walk((cause) => cause instanceof UserRejectedRequestError) instanceof UserRejectedRequestError) return "You rejected the request in your wallet; nothing was sent.";
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError || cause instanceof RawContractError);
  const data = reverted instanceof ContractFunctionRevertedError ? reverted.raw : reverted instanceof RawContractError ? reverted.data : undefined;
  if (typeof data === "string" && data !== "0x") return revertSentence({ errors: await protocolErrors(), data: data as Hex }).message;
  return error.shortMessage;
}
