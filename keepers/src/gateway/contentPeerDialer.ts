import type { Logger } from "pino";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { dialPeers } from "../content/dialPeers.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";

/** Parameters of {@link contentPeerDialer}. */
export type ContentPeerDialerParameters = {
  chain: ProtocolConnection;
  store: HeliaContentStore;
  /** The `--peer`s: job keepers, which serve specs, checkpoints and trained models. */
  peers: readonly string[];
  log: Logger;
  /** Least time between two rounds of dials. @default 30 s */
  intervalMs?: number;
};

/**
 * What the gateway can serve is what its peers hold: the job keepers it was given and every
 * storage provider registered on-chain (their endpoints in DatasetRegistry: dataset manifests and
 * shards). The returned function dials all of them — again after a keeper restarted or a provider
 * joined — at most once per `intervalMs`; concurrent callers share one round. Unreachable peers are
 * logged and skipped.
 *
 * @example
 * const reachPeers = contentPeerDialer({ chain, store, peers: o.peer, log });
 * await reachPeers();
 */
export function contentPeerDialer({ chain, store, peers, log, intervalMs = 30_000 }: ContentPeerDialerParameters): () => Promise<void> {
  let last: { at: number; round: Promise<void> } | undefined;
  const round = async () => {
    const registry = chain.contracts.DatasetRegistry;
    const providers = await registry.read.providers();
    const endpoints = await Promise.all(providers.map((provider) => registry.read.endpointOf([provider])));
    await dialPeers({ store, peers: [...peers, ...endpoints.filter((endpoint) => endpoint !== "")], log });
  };
  return () => {
    if (last === undefined || Date.now() - last.at >= intervalMs) {
      last = { at: Date.now(), round: round().catch((error: unknown) => log.warn({ err: error }, "could not list the storage providers to dial")) };
    }
    return last.round;
  };
}
