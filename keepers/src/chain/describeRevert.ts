import { BaseError, ContractFunctionRevertedError, RawContractError, type Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import { protocolErrors } from "./protocolErrors.ts";
import { revertSentence } from "./revertSentence.ts";

/**
 * {@link revertSentence} against every custom error of the protocol's build
 * ({@link protocolErrors}, read from the artifacts' build-info).
 *
 * @example
 * const error = await describeRevert("0xe450d38c…");
 * // error.message: "ERC20InsufficientBalance: Indicates an error related to the current balance (0 VTT) of a sender (0x…). Used in transfers (needed 10 VTT); get tokens first, e.g. `npm run veritrain -- devnet fund 0x…`"
 */
export async function describeRevert(data: Hex): Promise<VeritrainError> {
  return revertSentence({ errors: await protocolErrors(), data });
}

/**
 * Runs `call` (a simulation, gas estimate, call or write) and turns a contract revert it meets
 * into {@link describeRevert}'s sentence, with viem's error as the cause; other errors pass
 * unchanged. `chain.send` runs every transaction through it.
 *
 * @example
 * await explainReverts(() => JobRegistry.simulate.post([order], { account }));
 */
export async function explainReverts<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError || cause instanceof RawContractError);
    const data = reverted instanceof ContractFunctionRevertedError ? reverted.raw : reverted instanceof RawContractError ? reverted.data : undefined;
    if (typeof data !== "string" || data === "0x") throw error;
    // Without the build-info (artifacts copied without it) viem's own message stands.
    const described = await describeRevert(data).catch(() => undefined);
    if (described === undefined) throw error;
    throw new VeritrainError(described.message, { code: described.code, details: described.details, cause: error });
  }
}
