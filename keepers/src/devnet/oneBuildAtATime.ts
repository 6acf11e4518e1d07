import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { withDirectoryLock } from "../runtime/directoryLock.ts";

const BUILD_LOCK = new URL("../../../cache/devnet-build.lock", import.meta.url).pathname;

/**
 * Runs `step` while holding the checkout's build lock. Hardhat's compile, Ignition's deployment
 * and the subgraph and app builds write shared directories (cache/, artifacts/, subgraph/build/,
 * app/dist/) without a lock of their own: devnets starting at once in one checkout (concurrent
 * test files) take them one at a time.
 *
 * @example
 * await oneBuildAtATime(() => buildApp({ outputFile }), { log, rpcUrl });
 */
export function oneBuildAtATime<T>(step: () => Promise<T>, { log, rpcUrl }: { log: Logger; rpcUrl: string }): Promise<T> {
  mkdirSync(dirname(BUILD_LOCK), { recursive: true });
  return withDirectoryLock(BUILD_LOCK, step, { onWait: (pid) => log.info({ rpcUrl, pid }, "another devnet is building or deploying; waiting") });
}
