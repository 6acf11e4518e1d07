import { VeritrainError } from "../errors.ts";
import { CONTRACT_REVERT } from "./revertSentence.ts";

/**
 * Whether `error` (as {@link explainReverts} makes it) is a token's refusal to transfer for want of
 * allowance: OpenZeppelin 5's `ERC20InsufficientAllowance`, or OpenZeppelin 4's string. The
 * protocol's contracts (JobRegistry, StakeManager, DatasetRegistry, Disputes) take tokens last,
 * after every other check, so a call simulated before its approval that fails only this way will
 * succeed once approved.
 *
 * @example
 * await explainReverts(() => StakeManager.simulate.stake([amount], { account })).catch((e) => { if (!isAllowanceShortfall(e)) throw e; });
 */
export function isAllowanceShortfall(error: unknown): boolean {
  if (!(error instanceof VeritrainError) || error.code !== CONTRACT_REVERT) return false;
  return error.details.error === "ERC20InsufficientAllowance" || (error.details.error === "Error" && /allowance/i.test(error.message));
}
