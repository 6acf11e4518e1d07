import { BaseError, ContractFunctionRevertedError } from "viem";

/**
 * Whether a transaction would go through: `simulate` (a viem `simulateContract`) resolves →
 * true, reverts → false. Any other failure (the RPC unreachable, a malformed answer) is thrown,
 * so the caller retries instead of taking "not now" for an answer.
 *
 * @example
 * if (await simulates(() => registry.simulate.reassign([datasetId, column], { account }))) await chain.send(() => registry.write.reassign([datasetId, column]));
 */
export async function simulates(simulate: () => Promise<unknown>): Promise<boolean> {
  try {
    await simulate();
    return true;
  } catch (error) {
    if (error instanceof BaseError && error.walk((cause) => cause instanceof ContractFunctionRevertedError)) return false;
    throw error;
  }
}
