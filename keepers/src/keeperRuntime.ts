import type { Logger } from "pino";

/** What a running keeper command shares: one abort signal and one cleanup stack. */
export type KeeperRuntime = {
  /** Aborted on the first SIGINT/SIGTERM; every loop, sleep and fetch takes it. */
  signal: AbortSignal;
  /** Registers a cleanup, run in reverse order by {@link KeeperRuntime.close}. */
  defer(cleanup: () => Promise<void> | void): void;
  /** Runs the cleanups (each once, failures logged, not thrown). */
  close(): Promise<void>;
};

/**
 * The designed shutdown of a keeper: the first signal aborts the work and lets cleanups run; a
 * second signal exits at once.
 *
 * @example
 * const runtime = createKeeperRuntime(log);
 * const store = await createHeliaContentStore({ … });
 * runtime.defer(() => store.close());
 * try { await work(runtime.signal); } finally { await runtime.close(); }
 */
export function createKeeperRuntime(log: Logger): KeeperRuntime {
  const controller = new AbortController();
  const cleanups: (() => Promise<void> | void)[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    log.info({ signal }, "shutting down; a second signal forces exit");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    defer: (cleanup) => void cleanups.push(cleanup),
    async close() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      for (const cleanup of cleanups.splice(0).reverse()) {
        try {
          await cleanup();
        } catch (error) {
          log.error({ err: error }, "cleanup failed");
        }
      }
    },
  };
}
