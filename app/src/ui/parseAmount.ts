import { parseUnits } from "viem";

/** A token amount typed by the user: positive, at most 18 decimals, within `max`; or why not. */
export function parseAmount(text: string, max?: bigint): { value?: bigint; error?: string } {
  if (text.trim() === "") return { error: "Enter an amount." };
  if (!/^\d+(\.\d{1,18})?$/.test(text.trim())) return { error: "Enter a number of tokens, e.g. 100 or 2.5 (at most 18 decimals)." };
  const value = parseUnits(text.trim(), 18);
  if (value === 0n) return { error: "The amount must be more than 0." };
  if (max !== undefined && value > max) return { error: `That is more than the ${Number(max / 10n ** 14n) / 1e4} tokens you have for this.` };
  return { value };
}
