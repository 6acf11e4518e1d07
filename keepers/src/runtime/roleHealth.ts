/**
 * What `/healthz` says of a role:
 * - `starting`: set up, not at the chain's head yet;
 * - `ok`: following the chain;
 * - `degraded`: following, but its dead-letter file holds work it gave up on (an operator must look);
 * - `unreachable`: its last call to the chain's RPC failed (it retries and catches up after);
 * - `stopping`: shutting down.
 */
export type HealthStatus = "starting" | "ok" | "degraded" | "unreachable" | "stopping";

/** The JSON body of `GET /healthz`. Block numbers are numbers (they fit), null where the role has none. */
export type HealthReport = {
  status: HealthStatus;
  role: string;
  /** The next block the role reads: its persisted cursor. */
  cursor: number | null;
  /** The latest block the chain reported. */
  lastBlock: number | null;
  /** Blocks with their confirmations that the role has not read yet. */
  lag: number | null;
  /** Entries in the role's dead-letter file (earlier runs included). */
  deadLetters: number;
  /** Long work by id: running, then waiting its turn. */
  tasks: { running: string[]; queued: string[] };
  /** The last RPC error while `unreachable`. */
  error?: string;
  /** The role's other loops by name (e.g. compute's distributed jobs), each counted in `status`. */
  loops?: Record<string, HealthReport>;
};

/** What the role's loop tells its health. */
export type HealthUpdate = Partial<{
  phase: "starting" | "following" | "stopping";
  cursor: bigint;
  lastBlock: bigint;
  lag: bigint;
  /** Set while the chain does not answer, cleared (undefined) once it does. */
  rpcError: string | undefined;
  deadLetters: number;
  tasks: HealthReport["tasks"];
}>;

/** A role's health, updated by its loop and read by its `/healthz`. */
export type RoleHealth = {
  readonly role: string;
  update(patch: HealthUpdate): void;
  report(): HealthReport;
  /** The health of another loop of the same role, reported under `loops[name]`; the role's status is the worse of all. */
  loop(name: string): RoleHealth;
};

/** Statuses from best to worst: a role is as healthy as its least healthy loop. */
const SEVERITY: HealthStatus[] = ["ok", "degraded", "starting", "unreachable", "stopping"];

/**
 * The health of role `role`, `starting` until its loop says it follows the chain.
 *
 * @example
 * const health = createRoleHealth("compute");
 * health.update({ phase: "following", cursor: 120n, lastBlock: 120n, lag: 0n });
 * health.report().status; // "ok"
 * const rounds = health.loop("rounds"); // health.report() is "starting" until `rounds` follows too
 */
export function createRoleHealth(role: string): RoleHealth {
  const state: HealthUpdate = { phase: "starting", deadLetters: 0, tasks: { running: [], queued: [] } };
  const loops = new Map<string, RoleHealth>();
  const number = (value: bigint | undefined) => (value === undefined ? null : Number(value));
  const status = (): HealthStatus => {
    if (state.phase === "stopping") return "stopping";
    if (state.rpcError !== undefined) return "unreachable";
    if (state.phase === "starting") return "starting";
    return state.deadLetters! > 0 ? "degraded" : "ok";
  };
  return {
    role,
    update: (patch) => void Object.assign(state, patch),
    report: () => {
      const others = Object.fromEntries([...loops].map(([name, loop]) => [name, loop.report()]));
      const worst = Object.values(others).reduce((worse, { status }) => (SEVERITY.indexOf(status) > SEVERITY.indexOf(worse) ? status : worse), status());
      return {
        status: worst,
        role,
        cursor: number(state.cursor),
        lastBlock: number(state.lastBlock),
        lag: number(state.lag),
        deadLetters: state.deadLetters!,
        tasks: { running: [...state.tasks!.running], queued: [...state.tasks!.queued] },
        ...(state.rpcError === undefined ? {} : { error: state.rpcError }),
        ...(loops.size === 0 ? {} : { loops: others }),
      };
    },
    loop(name) {
      const loop = loops.get(name) ?? createRoleHealth(`${role}-${name}`);
      loops.set(name, loop);
      return loop;
    },
  };
}
