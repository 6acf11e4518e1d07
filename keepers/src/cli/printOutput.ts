import type { Command } from "commander";

/** A value as JSON: bigints (token amounts in wei, ids) as decimal strings. */
export function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v)));
}

/**
 * Prints a command's result on stdout: with the global `--json`, one JSON line (amounts in wei,
 * as decimal strings); otherwise the readable lines (amounts in tokens with the token's symbol).
 *
 * @example
 * printOutput(command, { jobId, reward }, [`job ${jobId} posted`, `reward  ${tokens(reward)}`]);
 */
export function printOutput(command: Command, json: Record<string, unknown>, lines: readonly string[]): void {
  if (command.optsWithGlobals<{ json?: boolean }>().json === true) console.log(JSON.stringify(toJson(json)));
  else console.log(lines.join("\n"));
}

/** `rows` as aligned `label  value` lines. */
export function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}
