import type { Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import { startKeeperProcess, type KeeperProcess, type KeeperProcessParameters } from "./keeperProcess.ts";

/** One keeper of a fleet: how to (re)start it. */
export type KeeperSpec = {
  name: string;
  privateKey: Hex;
  /** Its CLI command and flags; called at each (re)start, so it can name the peers running then. */
  args: () => readonly string[];
  /** Its `GET /healthz` URL (see {@link KeeperProcess.waitUntilHealthy}). */
  healthUrl?: string;
};

/** The devnet's keeper processes, by name. */
export type KeeperFleet = {
  /** Starts a keeper (a name already running is an error). */
  start(spec: KeeperSpec): KeeperProcess;
  /** The keeper's current process. */
  get(name: string): KeeperProcess;
  /** Stops it (SIGTERM) and starts it again with the same name, key and data directory. */
  restart(name: string): Promise<KeeperProcess>;
  /** Every keeper process started, in start order (running or not). */
  all(): KeeperProcess[];
  /** Stops every running keeper by PID (SIGTERM, SIGKILL after a grace period). */
  stopAll(): Promise<void>;
};

/**
 * A set of keeper processes sharing a devnet. Its processes are SIGKILLed if the parent exits
 * without stopping them, so no keeper outlives the devnet.
 *
 * @example
 * const fleet = createKeeperFleet({ directory: ".devnet", rpcUrl, deploymentFile });
 * fleet.start({ name: "automation", privateKey, args: () => ["automation", "--vrf-mock", vrf] });
 * await fleet.stopAll();
 */
export function createKeeperFleet(shared: Pick<KeeperProcessParameters, "directory" | "rpcUrl" | "deploymentFile">): KeeperFleet {
  const specs = new Map<string, KeeperSpec>();
  const current = new Map<string, KeeperProcess>();
  const started: KeeperProcess[] = [];
  const killAll = () => {
    for (const keeper of started) if (keeper.running()) process.kill(keeper.pid, "SIGKILL");
  };
  process.on("exit", killAll);

  const start = (spec: KeeperSpec) => {
    if (current.get(spec.name)?.running()) throw new VeritrainError(`keeper ${spec.name} is running already`, { code: "DEVNET_KEEPER_RUNNING", details: { name: spec.name } });
    const keeper = startKeeperProcess({ ...shared, name: spec.name, privateKey: spec.privateKey, args: spec.args(), healthUrl: spec.healthUrl });
    specs.set(spec.name, spec);
    current.set(spec.name, keeper);
    started.push(keeper);
    return keeper;
  };
  const get = (name: string) => {
    const keeper = current.get(name);
    if (!keeper) throw new VeritrainError(`no keeper named ${name}`, { code: "DEVNET_KEEPER_UNKNOWN", details: { name } });
    return keeper;
  };

  return {
    start,
    get,
    async restart(name) {
      await get(name).stop();
      return start(specs.get(name)!);
    },
    all: () => started.slice(),
    async stopAll() {
      await Promise.all(started.map((keeper) => keeper.stop()));
      process.off("exit", killAll);
    },
  };
}
