import type { Multiaddr } from "@multiformats/multiaddr";
import type { Logger } from "pino";
import type { HeliaContentStore } from "./heliaContentStore.ts";

/** Parameters of {@link dialPeers}. */
export type DialPeersParameters = {
  store: HeliaContentStore;
  peers: ReadonlyArray<Multiaddr | string>;
  log: Logger;
  /** Bound of each dial: a peer that is down refuses at once; one on a loaded machine may take seconds. @default 30 s */
  timeoutMs?: number;
};

/**
 * Dials every peer once, in parallel, and returns the ones that answered. A peer that does not
 * answer is logged and skipped, not fatal: among keepers a peer may be restarting right now, and
 * whichever of two peers comes up later dials the other.
 *
 * @example
 * const connected = await dialPeers({ store, peers: ["/ip4/127.0.0.1/tcp/4005"], log });
 */
export async function dialPeers({ store, peers, log, timeoutMs = 30_000 }: DialPeersParameters): Promise<Array<Multiaddr | string>> {
  const answered = await Promise.all(
    peers.map((peer) =>
      store.dial(peer, { signal: AbortSignal.timeout(timeoutMs) }).then(
        () => true,
        (error: unknown) => (log.warn({ peer: String(peer), err: error }, "peer unreachable, skipped (it dials this node when it comes up)"), false),
      ),
    ),
  );
  return peers.filter((_, i) => answered[i]);
}
