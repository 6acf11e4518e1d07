import { join } from "node:path";
import { Option, type Command } from "commander";
import type { Logger } from "pino";
import { parseEther } from "viem";
import { isRpcUnavailable } from "../chain/isRpcUnavailable.ts";
import { connectProtocol } from "../chain/protocolContracts.ts";
import { loadKeeperConfig, type KeeperConfig, type KeeperConfigFlags } from "../config/keeperConfig.ts";
import { dialPeers } from "../content/dialPeers.ts";
import { createHeliaContentStore, type HeliaContentStore } from "../content/heliaContentStore.ts";
import { createKeeperRuntime, type KeeperRuntime } from "../keeperRuntime.ts";
import { VeritrainError } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { retry } from "../runtime/retry.ts";
import { createRoleHealth } from "../runtime/roleHealth.ts";
import { serveHttp } from "../runtime/serveHttp.ts";

/** The `--health-port` option every role command has. */
export const healthPortOption = () => new Option("--health-port <port>", "serve GET /healthz (JSON: status, cursor, lag, dead letters, tasks) on 127.0.0.1:<port>; 0: any free port; off when not set");

/**
 * Config (the program's global flags, environment, config file), logger, runtime, health and
 * chain connection of one command invocation. With `--health-port`, `/healthz` is served from
 * the start: it answers `starting` (503) while the keeper joins and opens its store, and 200
 * once its loop follows the chain. With `waitForChain` (the roles), a chain that does not answer
 * yet is asked again with backoff until it does (`unreachable` meanwhile), as the roles' loop does
 * later: the connection, and each start-up step passed to `untilReachable` (which must be safe to
 * run again: it checks the chain before it acts), as long as the failure is the RPC's
 * ({@link isRpcUnavailable}; a revert fails the command); without it, the command fails at once.
 *
 * @example
 * .action(async (o, command) => { const { log, config, runtime, chain, health } = await setUpCommand(command, "compute"); … })
 */
export async function setUpCommand(command: Command, name: string, { waitForChain = false }: { waitForChain?: boolean } = {}) {
  const log = createLogger(name);
  const config = loadKeeperConfig({ flags: command.optsWithGlobals<KeeperConfigFlags>() });
  const { healthPort } = command.opts<{ healthPort?: string }>();
  const port = healthPort === undefined ? undefined : parseCount(healthPort, "--health-port");
  const runtime = createKeeperRuntime(log);
  const health = createRoleHealth(name);
  try {
    if (port !== undefined) {
      const server = await serveHttp({ port, health, log });
      runtime.defer(() => server.close());
      log.info({ url: `${server.url}/healthz` }, "health endpoint listening");
    }
    // A role started while its RPC is down waits for it (`/healthz`: unreachable); a one-shot command fails at once.
    const untilReachable = async <T>(step: () => Promise<T>): Promise<T> => {
      const result = await retry(step, {
        attempts: waitForChain ? Infinity : 1,
        delayMs: 1000,
        maxDelayMs: 30_000,
        signal: runtime.signal,
        shouldRetry: isRpcUnavailable,
        onRetry: (err, attempt, delayMs) => {
          health.update({ rpcError: err instanceof Error ? err.message.split("\n")[0] : String(err) });
          log.warn({ err, attempt, delayMs }, "chain unreachable while starting; retrying");
        },
      });
      health.update({ rpcError: undefined });
      return result;
    };
    const chain = await untilReachable(() => connectProtocol({ ...config, addresses: config.addresses }));
    return { log, config, runtime, health, chain, untilReachable };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

/** Parameters of {@link openKeeperStore}. */
export type OpenKeeperStoreParameters = { config: KeeperConfig; runtime: KeeperRuntime; log: Logger; port: number; peers: string[] };

/**
 * The command's listening Helia node under `<dataDir>/ipfs`, closed by the runtime, dialed to
 * `peers` ({@link dialPeers}: a peer that is down is logged, not fatal).
 *
 * @example
 * const store = await openKeeperStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: o.peer });
 */
export async function openKeeperStore({ config, runtime, log, port, peers }: OpenKeeperStoreParameters): Promise<HeliaContentStore> {
  const store = await createHeliaContentStore({ directory: join(config.dataDir, "ipfs"), listen: true, port });
  runtime.defer(() => store.close());
  await dialPeers({ store, peers, log });
  return store;
}

/**
 * Wraps a command action so a VeritrainError ends the process with one line on stderr,
 * `error [CODE]: message`, and exit code 1, instead of a stack trace; other errors propagate.
 *
 * @example
 * program.command("status <id>").action(reportErrors(async (id) => { … }));
 */
export function reportErrors<Args extends unknown[]>(action: (...args: Args) => Promise<void>): (...args: Args) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args);
    } catch (error) {
      if (!(error instanceof VeritrainError)) throw error;
      process.stderr.write(`error [${error.code}]: ${error.message}\n`);
      process.exitCode = 1;
    }
  };
}

/** A token amount flag (decimal tokens, e.g. "10" or "0.5") in wei; `CLI_ARGUMENT_INVALID` otherwise. */
export function parseTokens(value: string, flag: string): bigint {
  if (!/^(0|[1-9][0-9]*)(\.[0-9]{1,18})?$/.test(value)) {
    throw new VeritrainError(`${flag} must be a token amount like "10" or "0.5", got ${JSON.stringify(value)}`, { code: "CLI_ARGUMENT_INVALID", details: { flag, value } });
  }
  return parseEther(value);
}

/** A non-negative integer flag; `CLI_ARGUMENT_INVALID` otherwise. */
export function parseCount(value: string, flag: string, min = 0): number {
  const number = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(number) || number < min) {
    throw new VeritrainError(`${flag} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`, { code: "CLI_ARGUMENT_INVALID", details: { flag, value } });
  }
  return number;
}
