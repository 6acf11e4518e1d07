import { join } from "node:path";
import { Option, type Command } from "commander";
import type { Logger } from "pino";
import { parseEther } from "viem";
import { isRpcUnavailable } from "../chain/isRpcUnavailable.ts";
import { connectProtocol } from "../chain/protocolContracts.ts";
import { loadKeeperConfig, type KeeperConfig, type KeeperConfigFlags } from "../config/keeperConfig.ts";
import { dialPeers } from "../content/dialPeers.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { createKeeperRuntime, type KeeperRuntime } from "../keeperRuntime.ts";
import { trackCreatedDirectory } from "../runtime/createdDirectory.ts";
import { VeritrainError } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { retry } from "../runtime/retry.ts";
import { createRoleHealth } from "../runtime/roleHealth.ts";
import { serveHttp } from "../runtime/serveHttp.ts";

/** The `--health-port` option every role command has. */
export const healthPortOption = () => new Option("--health-port <port>", "serve GET /healthz (JSON: status, cursor, lag, dead letters, tasks) on 127.0.0.1:<port>; 0: any free port; off when not set");

/** Whether a command signs transactions (needs `VERITRAIN_PRIVATE_KEY`) or only reads the chain. */
export type KeyUse = "signs" | "reads";

const keyUses = new WeakMap<Command, KeyUse>();

/**
 * Declares whether `command` signs transactions, says so in its `--help`, and makes
 * {@link setUpCommand} refuse to start a signing command without a key.
 *
 * @example
 * declareKeyUse(program.command("stake <tokens>"), "signs").action(…);
 */
export function declareKeyUse(command: Command, use: KeyUse): Command {
  keyUses.set(command, use);
  return command.addHelpText(
    "after",
    use === "signs"
      ? "\nKey: signs transactions with the account of VERITRAIN_PRIVATE_KEY (required)."
      : "\nKey: none needed (reads the chain only).",
  );
}

/**
 * Config (the program's global flags, environment, config file), logger, runtime, health and
 * chain connection of one command invocation. With `--health-port`, `/healthz` is served from
 * the start: it answers `starting` (503) while the keeper joins and opens its store, and 200
 * once its loop follows the chain. With `waitForChain` (the roles), a chain that does not answer
 * yet is asked again with backoff until it does (`unreachable` meanwhile), as the roles' loop does
 * later: the connection, and each start-up step passed to `untilReachable` (which must be safe to
 * run again: it checks the chain before it acts), as long as the failure is the RPC's
 * ({@link isRpcUnavailable}; a revert fails the command); without it (client commands), the
 * command fails at once with `RPC_UNREACHABLE`. Roles log JSON lines on stderr; client commands
 * log warnings only, one readable line each, unless `--verbose`. A command declared to sign
 * ({@link declareKeyUse}) fails with `KEY_MISSING` before anything else without a key.
 *
 * @example
 * .action(async (o, command) => { const { log, config, runtime, chain, health } = await setUpCommand(command, "compute"); … })
 */
export async function setUpCommand(command: Command, name: string, { waitForChain = false }: { waitForChain?: boolean } = {}) {
  const globals = command.optsWithGlobals<KeeperConfigFlags & { verbose?: boolean }>();
  const config = loadKeeperConfig({ flags: globals });
  if (keyUses.get(command) === "signs" && config.privateKey === undefined) {
    throw new VeritrainError(`${command.name()} signs transactions: set VERITRAIN_PRIVATE_KEY to the 0x-prefixed key of the account to use`, { code: "KEY_MISSING" });
  }
  const log = createLogger(name, { brief: !waitForChain && globals.verbose !== true });
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
    const chain = await untilReachable(() => connectProtocol({ ...config, addresses: config.addresses })).catch((error: unknown) => {
      if (!isRpcUnavailable(error)) throw error;
      throw new VeritrainError(`no chain answers at ${config.rpcUrl}: start one (npm run devnet -- --keep-running) or pass the right --rpc-url`, {
        code: "RPC_UNREACHABLE",
        details: { rpcUrl: config.rpcUrl },
        cause: error,
      });
    });
    // A keeper whose deployment block is past the head would wait for it and read nothing: the wrong chain, or a typo.
    const head = await untilReachable(() => chain.publicClient.getBlockNumber());
    if (config.deploymentBlock > head) {
      throw new VeritrainError(`the deployment block ${config.deploymentBlock} is past the chain's head ${head}: pass the block the deployment's first contract was created in (--deployment-block), or the RPC URL of its chain`, {
        code: "CONFIG_INVALID", details: { field: "deploymentBlock" },
      });
    }
    return { log, config, runtime, health, chain, untilReachable };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

/** Where a command keeps its Helia node: `<dataDir>/ipfs`. */
export const keeperStoreDirectory = (config: Pick<KeeperConfig, "dataDir">): string => join(config.dataDir, "ipfs");

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
  // Loaded here, not at start: Helia and libp2p are most of the CLI's start-up, and most commands never need them.
  const { createHeliaContentStore } = await import("../content/heliaContentStore.ts");
  const store = await createHeliaContentStore({ directory: keeperStoreDirectory(config), listen: true, port });
  runtime.defer(() => store.close());
  await dialPeers({ store, peers, log });
  return store;
}

/**
 * A client command's store ({@link openKeeperStore}) that leaves no trace of a failed command:
 * the part of `<dataDir>/ipfs` this command created is removed when the runtime closes, unless
 * `keep()` was called once the command's effect (a registration, a posting, a written file) took place.
 *
 * @example
 * const { store, keep } = await openClientStore({ config, runtime, log, port, peers: [] });
 * await registerDataset(…); keep();
 */
export async function openClientStore(parameters: OpenKeeperStoreParameters): Promise<{ store: HeliaContentStore; keep(): void }> {
  const created = trackCreatedDirectory(keeperStoreDirectory(parameters.config));
  let kept = false;
  // Deferred before the store's close, so it runs after it.
  parameters.runtime.defer(() => {
    if (!kept) created.discard();
  });
  const store = await openKeeperStore(parameters);
  return { store, keep: () => void (kept = true) };
}

/** A token amount flag (decimal tokens, e.g. "10" or "0.5") in wei; `CLI_ARGUMENT_INVALID` otherwise. */
export function parseTokens(value: string, flag: string): bigint {
  if (!/^(0|[1-9][0-9]*)(\.[0-9]{1,18})?$/.test(value)) {
    throw new VeritrainError(`${flag} must be a token amount like "10" or "0.5", got ${JSON.stringify(value)}`, { code: "CLI_ARGUMENT_INVALID", details: { flag, value } });
  }
  return parseEther(value);
}

/** A non-negative integer flag in [min, max]; `CLI_ARGUMENT_INVALID` otherwise. */
export function parseCount(value: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new VeritrainError(`${flag} must be an integer ${range}, got ${JSON.stringify(value)}`, { code: "CLI_ARGUMENT_INVALID", details: { flag, value } });
  }
  return number;
}
