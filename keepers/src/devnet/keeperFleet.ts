import type { Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import { startKeeperProcess, type KeeperProcess, type KeeperProcessParameters } from "./keeperProcess.ts";
import { createRestartBackoff, type RestartBackoff, type RestartBackoffParameters } from "./restartBackoff.ts";

/** One keeper of a fleet: how to (re)start it. */
export type KeeperSpec = {
  name: string;
  privateKey: Hex;
  /** Its CLI command and flags; called at each (re)start, so it can name the peers running then. */
  args: () => readonly string[];
  /** Its `GET /healthz` URL (see {@link KeeperProcess.waitUntilHealthy}). */
  healthUrl?: string;
  /** A daemon the fleet restarts when it exits without being asked to (a crash); a one-shot command (`dataset add`, `job post`) is not. @default false */
  supervised?: boolean;
};

/** A supervised keeper that exited without being asked to, and what the fleet did about it. */
export type KeeperCrash = {
  name: string;
  /** How it ended, e.g. `code 134` or `SIGKILL`. */
  exit: string;
  /** The restart it got (1 for the first), or undefined when the fleet gave up on it. */
  restart?: number;
  /** Crashes within the backoff's window that made the fleet give up. */
  crashes?: number;
};

/** Parameters of {@link createKeeperFleet}. */
export type CreateKeeperFleetParameters = Pick<KeeperProcessParameters, "directory" | "rpcUrl" | "deploymentFile" | "entry"> & {
  /** Hears each crash of a supervised keeper once it was restarted, or when the fleet gives up on it. */
  onCrash?: (crash: KeeperCrash) => void;
  /** How crashed keepers are restarted (each keeper has its own schedule). */
  backoff?: RestartBackoffParameters;
};

/** The devnet's keeper processes, by name. */
export type KeeperFleet = {
  /** Starts a keeper (a name already running is an error, and so is any start once stopAll began). */
  start(spec: KeeperSpec): KeeperProcess;
  /** The keeper's current process. */
  get(name: string): KeeperProcess;
  /** Whether a keeper of this name was started. */
  has(name: string): boolean;
  /** Stops it (SIGTERM) and starts it again with the same name, key and data directory (not counted as a crash restart). */
  restart(name: string): Promise<KeeperProcess>;
  /** Every keeper process started, in start order (running or not). */
  all(): KeeperProcess[];
  /** Crash restarts so far, by keeper name (keepers never restarted after a crash are absent). */
  restarts(): Record<string, number>;
  /** Stops every running keeper by PID (SIGTERM, SIGKILL after a grace period); no crash restart happens after it begins. */
  stopAll(): Promise<void>;
};

/**
 * A set of keeper processes sharing a devnet. A supervised keeper that exits without being asked
 * to (killed by the OOM killer, an uncaught error) is restarted with the same name, key and data
 * directory after a bounded backoff ({@link createRestartBackoff}), and `onCrash` hears of it; a
 * keeper ended with {@link KeeperProcess.stop} or {@link KeeperProcess.kill} (a test's deliberate
 * crash) stays down until {@link KeeperFleet.restart}. Its processes are SIGKILLed if the parent
 * exits without stopping them, so no keeper outlives the devnet.
 *
 * @example
 * const fleet = createKeeperFleet({ directory: ".devnet", rpcUrl, deploymentFile, onCrash: (c) => console.log(c) });
 * fleet.start({ name: "automation", privateKey, args: () => ["automation", "--vrf-mock", vrf], supervised: true });
 * await fleet.stopAll();
 */
export function createKeeperFleet({ onCrash, backoff, ...shared }: CreateKeeperFleetParameters): KeeperFleet {
  const specs = new Map<string, KeeperSpec>();
  const current = new Map<string, KeeperProcess>();
  const started: KeeperProcess[] = [];
  const backoffs = new Map<string, RestartBackoff>();
  const restartCounts = new Map<string, number>();
  const pendingRestarts = new Map<string, NodeJS.Timeout>();
  let stopping = false;
  const killAll = () => {
    for (const keeper of started) if (keeper.running()) process.kill(keeper.pid, "SIGKILL");
  };
  process.on("exit", killAll);

  const start = (spec: KeeperSpec) => {
    // A test whose suite timed out may still be restarting keepers (devnetFaults' chaos loop): none may outlive stopAll.
    if (stopping) throw new VeritrainError(`keeper ${spec.name} not started: the fleet is stopping`, { code: "DEVNET_FLEET_STOPPED", details: { name: spec.name } });
    if (current.get(spec.name)?.running()) throw new VeritrainError(`keeper ${spec.name} is running already`, { code: "DEVNET_KEEPER_RUNNING", details: { name: spec.name } });
    clearTimeout(pendingRestarts.get(spec.name));
    pendingRestarts.delete(spec.name);
    const keeper = startKeeperProcess({ ...shared, name: spec.name, privateKey: spec.privateKey, args: spec.args(), healthUrl: spec.healthUrl });
    specs.set(spec.name, spec);
    current.set(spec.name, keeper);
    started.push(keeper);
    if (spec.supervised) void keeper.exited.then(() => onExit(spec, keeper));
    return keeper;
  };
  // A supervised keeper's exit: a crash unless asked for, a newer process replaced it, or the fleet is stopping.
  const onExit = (spec: KeeperSpec, keeper: KeeperProcess) => {
    if (keeper.stopRequested() || stopping || current.get(spec.name) !== keeper) return;
    const exit = keeper.exitReason()!;
    let schedule = backoffs.get(spec.name);
    if (!schedule) backoffs.set(spec.name, (schedule = createRestartBackoff(backoff)));
    const delayMs = schedule.next(Date.now());
    if (delayMs === undefined) {
      onCrash?.({ name: spec.name, exit, crashes: schedule.crashes() });
      return;
    }
    const timer = setTimeout(() => {
      pendingRestarts.delete(spec.name);
      if (stopping || current.get(spec.name) !== keeper) return;
      try {
        start(spec);
      } catch {
        // The process could not even be spawned: as good as crashing again, and nothing retries it.
        onCrash?.({ name: spec.name, exit, crashes: schedule.crashes() });
        return;
      }
      const restart = (restartCounts.get(spec.name) ?? 0) + 1;
      restartCounts.set(spec.name, restart);
      onCrash?.({ name: spec.name, exit, restart });
    }, delayMs);
    timer.unref();
    pendingRestarts.set(spec.name, timer);
  };
  const get = (name: string) => {
    const keeper = current.get(name);
    if (!keeper) throw new VeritrainError(`no keeper named ${name}`, { code: "DEVNET_KEEPER_UNKNOWN", details: { name } });
    return keeper;
  };

  return {
    start,
    get,
    has: (name) => current.has(name),
    async restart(name) {
      await get(name).stop();
      return start(specs.get(name)!);
    },
    all: () => started.slice(),
    restarts: () => Object.fromEntries(restartCounts),
    async stopAll() {
      stopping = true;
      for (const timer of pendingRestarts.values()) clearTimeout(timer);
      pendingRestarts.clear();
      await Promise.all(started.map((keeper) => keeper.stop()));
      process.off("exit", killAll);
    },
  };
}
