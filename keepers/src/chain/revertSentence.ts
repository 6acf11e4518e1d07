import { decodeErrorResult, formatEther, getAddress, isAddress, slice, type Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import type { ProtocolErrorDoc, ProtocolErrors } from "./protocolErrors.ts";

/** The code of every error {@link revertSentence} returns. */
export const CONTRACT_REVERT = "CONTRACT_REVERT";

/**
 * Arguments that are token amounts (18 decimals), by error: the ABI says only uint256, and the same
 * names are counts elsewhere (`DatasetRegistryNotEnoughProviders(available, needed)`).
 */
const TOKEN_AMOUNTS: Readonly<Record<string, readonly string[]>> = {
  ERC20InsufficientBalance: ["balance", "needed"],
  ERC20InsufficientAllowance: ["allowance", "needed"],
  SafeERC20FailedDecreaseAllowance: ["currentAllowance", "requestedDecrease"],
  StakeManagerInsufficientAvailable: ["available", "needed"],
  StakeManagerInsufficientLocked: ["locked", "needed"],
  JobRegistryBidTooHigh: ["price", "limit"],
};

/** What to do about the errors a user meets most, given the formatted arguments. */
const REMEDIES: Readonly<Record<string, (args: Readonly<Record<string, string>>) => string>> = {
  ERC20InsufficientBalance: ({ sender }) => `get tokens first, e.g. \`npm run veritrain -- devnet fund ${sender}\``,
  ERC20InsufficientAllowance: () => "the spender was not approved for the amount: approve it first (the CLI's commands approve or sign a permit themselves)",
  ERC2612ExpiredSignature: () => "the permit expired before the transaction was mined: run the command again",
  ERC2612InvalidSigner: () => "the permit was signed by another account or for another token or chain: run the command again with the paying account",
  StakeManagerInsufficientAvailable: () => "stake more first, e.g. `npm run veritrain -- stake <tokens>`, or wait for locked stake to be released",
  JobRegistryDeadlinePassed: ({ jobId }) => `that phase of the job is over: check it with \`npm run veritrain -- job status ${jobId}\``,
  JobRegistryWrongStatus: ({ jobId }) => `check the job with \`npm run veritrain -- job status ${jobId}\``,
  StorageProofsNotHolder: () => "only the column's holder may submit its proof",
  AccessControlUnauthorizedAccount: () => "only an account holding that role (a protocol contract or governance) may call this",
};

/** Parameters of {@link revertSentence}. */
export type RevertSentenceParameters = {
  /** The errors to decode against and their documentation. */
  errors: ProtocolErrors;
  /** The revert data. */
  data: Hex;
};

/**
 * Decodes revert data against the protocol's custom errors (its contracts and the OpenZeppelin
 * code they run, as keepers/src/chain/protocolErrors.ts reads them from the build) into one sentence: the error's name, its
 * NatSpec with the values put in (addresses checksummed, token amounts in VTT, enum members by
 * name, timestamps with their UTC time) and, for the common errors, what to do. `Error(string)`
 * and `Panic(uint256)` are decoded too; an unknown selector is named with the raw data.
 *
 * @example
 * const error = revertSentence({ errors: await protocolErrors(), data: "0xe450d38c…" });
 * // error.message: "ERC20InsufficientBalance: Indicates an error related to the current balance (0 VTT) of a sender (0x…). Used in transfers (needed 10 VTT); get tokens first, e.g. `npm run veritrain -- devnet fund 0x…`"
 */
export function revertSentence({ errors: { abi, docs }, data }: RevertSentenceParameters): VeritrainError {
  const selector = data.length >= 10 ? slice(data, 0, 4) : data;
  let decoded: { errorName: string; args?: readonly unknown[] | undefined };
  try {
    decoded = decodeErrorResult({ abi, data });
  } catch {
    return new VeritrainError(`the contract reverted with an unknown error, selector ${selector} (data ${data})`, { code: CONTRACT_REVERT, details: { selector, data } });
  }
  const values = (decoded.args ?? []) as readonly unknown[];
  const doc = docs.get(selector);
  const message =
    decoded.errorName === "Error" ? `the contract reverted: ${String(values[0])}`
    : decoded.errorName === "Panic" ? `the contract panicked with code ${String(values[0])} (a failed assert, an arithmetic overflow or an out-of-bounds index)`
    : sentence(decoded.errorName, values, doc);
  return new VeritrainError(message, { code: CONTRACT_REVERT, details: { error: decoded.errorName, selector, args: values.map(String), data } });
}

/** `Name: <NatSpec with the values> (<values the text does not name>); <remedy>`. */
function sentence(name: string, values: readonly unknown[], doc: ProtocolErrorDoc | undefined): string {
  const parameters = doc?.parameters ?? values.map((_, i) => ({ name: `arg${i}` }));
  const formatted: Record<string, string> = {};
  parameters.forEach((parameter, i) => {
    formatted[parameter.name] = formatValue(name, parameter, values[i]);
  });
  const named = new Set<string>();
  // This project's `@notice` texts read with the values in their place ("job `jobId` does not
  // exist" → "job 3 does not exist"); OpenZeppelin's `@dev` texts name roles ("the current
  // `balance` of a `sender`"), so the value goes after the name.
  const text = (doc?.text ?? "")
    .replace(/^Thrown when /, "")
    .replace(/\{(\w+)\}/g, "$1")
    .replace(/`([^`]+)`/g, (_, word: string) => {
      if (!(word in formatted)) return word;
      named.add(word);
      return doc?.tag === "notice" ? formatted[word]! : `${word} (${formatted[word]})`;
    })
    .replace(/\.$/, "");
  const rest = parameters.filter((p) => !named.has(p.name)).map((p) => `${p.name} ${formatted[p.name]}`);
  const remedy = REMEDIES[name]?.(formatted);
  return `${name}: ${text || "(undocumented error)"}${rest.length > 0 ? ` (${rest.join(", ")})` : ""}${remedy ? `; ${remedy}` : ""}`;
}

function formatValue(error: string, parameter: { name: string; enumMembers?: string[] }, value: unknown): string {
  if (parameter.enumMembers && typeof value === "number") return parameter.enumMembers[value] ?? String(value);
  if (typeof value === "bigint" && TOKEN_AMOUNTS[error]?.includes(parameter.name)) return `${formatEther(value)} VTT`;
  // Solidity timestamps fit 40 bits; a name saying "deadline" or "…At" marks one.
  if (typeof value === "bigint" && /(deadline|Deadline|At|Timestamp)$/.test(parameter.name) && value > 0n && value < 1n << 40n) {
    return `${value} (${new Date(Number(value) * 1000).toISOString()})`;
  }
  if (typeof value === "string" && isAddress(value)) return getAddress(value);
  if (typeof value === "string" && !value.startsWith("0x")) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(String).join(", ")}]`;
  return String(value);
}
