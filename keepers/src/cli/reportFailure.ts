import { BaseError } from "viem";
import { isRpcUnavailable } from "../chain/isRpcUnavailable.ts";
import { VeritrainError } from "../errors.ts";

/** What a file-system error code means for the path it names. */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a part of the path is not a directory",
  ENOSPC: "no space left on the device",
};

/**
 * The one line a command prints for a failure: `error [CODE]: what, why, what to do`. A
 * VeritrainError says it itself; a file-system error names its path; an RPC that does not answer
 * says so; anything else (a bug, an unforeseen library error) gets its first line and a pointer
 * to `--verbose`, which adds the stack and the cause chain below the line.
 *
 * @example
 * try { await program.parseAsync(); } catch (error) { process.stderr.write(describeFailure(error, { verbose })); process.exitCode = 1; }
 */
export function describeFailure(error: unknown, { verbose }: { verbose: boolean }): string {
  const line = oneLine(error);
  if (!verbose) return `${line}\n`;
  const chain: string[] = [];
  for (let cause: unknown = error; cause !== undefined && chain.length < 10; cause = cause instanceof Error ? cause.cause : undefined) {
    chain.push(cause instanceof Error ? (cause.stack ?? cause.message) : String(cause));
  }
  return `${line}\n${chain.join("\ncaused by: ")}\n`;
}

function oneLine(error: unknown): string {
  if (error instanceof VeritrainError) return `error [${error.code}]: ${error.message}`;
  const code = (error as { code?: unknown } | undefined)?.code;
  const path = (error as { path?: unknown } | undefined)?.path;
  if (typeof code === "string" && typeof path === "string" && FILE_ERRORS[code] !== undefined) {
    return `error [FILE_UNREADABLE]: ${path}: ${FILE_ERRORS[code]}`;
  }
  if (isRpcUnavailable(error)) return `error [RPC_UNREACHABLE]: the chain's RPC did not answer (${firstLine(error)}): check --rpc-url and that the node runs`;
  return `error [UNEXPECTED]: ${firstLine(error)} (run again with --verbose for the details)`;
}

function firstLine(error: unknown): string {
  const message = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]!;
}
