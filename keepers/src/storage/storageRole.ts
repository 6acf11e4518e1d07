import type { Logger } from "pino";
import { isAddressEqual } from "viem";
import { followEvents } from "../chain/followEvents.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { columnRoot } from "../commitments/columnRoot.ts";
import { fieldToBytes32Hex } from "../commitments/field.ts";
import { boundedGets } from "../content/boundedGets.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import type { StorageProver } from "../proofs/storageProver.ts";
import { readDatasetOnChain } from "../datasets/datasetOnChain.ts";
import type { RoleHealth } from "../runtime/roleHealth.ts";
import { answerRound } from "./answerRound.ts";
import { readHeldColumn } from "./heldColumn.ts";
import { rebuildShard } from "./rebuildShard.ts";

/** Parameters of {@link runStorageRole}. */
export type StorageRoleParameters = {
  chain: ProtocolConnection;
  /** This provider's listening Helia node (its endpoint is announced on join). */
  store: HeliaContentStore;
  /** Proves the audit rounds' challenges. */
  prover: StorageProver;
  /** Where the block cursor, dead letters and proofs are kept. */
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  /** Served at `/healthz`: the loop's cursor and dead letters. */
  health?: RoleHealth;
  /** Blocks a placement or a round must have on top of it (counting its own) before the role acts on it. @default 1 */
  confirmations?: number;
  /** Delay between polls of the chain. */
  pollMs?: number;
  /**
   * Failures of one event's handling before it is dead-lettered. Generous: right after a
   * placement the shards are often not served yet (the owner dials each holder as it is placed;
   * a rebuild waits for other holders to accept), and a placement given up is a column never
   * accepted — its holder is slashed at the first audit. @default 10 (about 3.5 min of backoff)
   */
  attempts?: number;
};

/**
 * The storage provider: follows DatasetRegistry and StorageProofs events from its persisted
 * cursor ({@link followEvents}), from blocks with `confirmations`.
 * - `ColumnPlaced` on this provider: dials the other holders, fetches every shard (any peer it is
 *   connected to; rebuilt from the other holders' shards when its previous holder is gone), checks
 *   each against the manifest's CID, recomputes the column's Poseidon root, compares it with the
 *   root registered on-chain, pins the shards and calls `acceptColumn`. A column whose root does
 *   not match is refused (unpinned, not accepted).
 * - `RoundOpened`: proves and submits every audited column it holds ({@link answerRound}).
 * Idempotent: a column already accepted or proved, or no longer held, is skipped, so a restart
 * repeats nothing; the cursor only moves past events that were handled (or dead-lettered).
 *
 * @example
 * await runStorageRole({ chain, store, prover, dataDir, log, signal: controller.signal, confirmations: 2 });
 */
export async function runStorageRole({ chain, store, prover, dataDir, log, signal, health, confirmations, pollMs, attempts = 10 }: StorageRoleParameters) {
  const { DatasetRegistry: registry, StorageProofs: storageProofs } = chain.contracts;
  await followEvents({
    chain,
    address: [registry.address, storageProofs.address],
    abi: [...registry.abi, ...storageProofs.abi],
    eventName: ["ColumnPlaced", "RoundOpened"],
    role: "storage",
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    handle: async (event) => {
      if (event.eventName === "ColumnPlaced") {
        const { datasetId, column, provider } = event.args;
        if (isAddressEqual(provider, chain.account.address)) await acceptColumn({ chain, store, log, signal, datasetId, column: Number(column) });
      } else {
        await answerRound({ chain, store, prover, dataDir, log, signal, datasetId: event.args.datasetId, round: event.args.round });
      }
    },
  });
}

/** Parameters of {@link acceptColumn}. */
export type AcceptColumnParameters = Pick<StorageRoleParameters, "chain" | "store" | "log" | "signal"> & {
  datasetId: bigint;
  column: number;
  /** How long a shard is looked for as is before the column is rebuilt from the other holders instead. */
  shardTimeoutMs?: number;
};

/**
 * Fetches, verifies, pins and accepts one column (see {@link runStorageRole}); returns whether it
 * accepted. The other holders' announced endpoints are dialed first. Each shard is fetched as is
 * (from the dataset owner or a previous holder); once one cannot be had within `shardTimeoutMs`
 * — the column was reassigned because its holder is gone — every remaining shard is rebuilt from
 * any k shards of its stripe held by the others ({@link rebuildShard}), checked against the
 * manifest's CID, and stored.
 */
export async function acceptColumn({ chain, store, log, datasetId, column, signal, shardTimeoutMs = 10_000 }: AcceptColumnParameters): Promise<boolean> {
  const context = { datasetId: datasetId.toString(), column };
  const reachable = await dialHolders({ chain, store, log, signal, datasetId, column });
  const { onChain, manifest, held, cids, bytes } = await readHeldColumn({ chain, store, datasetId, column, signal });
  if (!held || onChain.accepted[column]) {
    log.info(context, "column skipped: accepted already or held by another provider");
    return false;
  }
  let rebuilt = 0;
  const bounded = () => AbortSignal.any([signal, AbortSignal.timeout(shardTimeoutMs)]);
  const boundedStore = boundedGets(store, bounded);
  for (const [stripe, cid] of cids.entries()) {
    if (!(await store.has(cid, { signal }))) {
      const fetched = rebuilt > 0 ? undefined : await store.get(cid, { signal: bounded() }).catch(() => undefined);
      if (fetched === undefined) {
        if (rebuilt === 0) log.warn({ ...context, stripe }, "shard not served as is; rebuilding the column from the other holders");
        const shard = await rebuildShard({
          manifest,
          stripe,
          column,
          // Only holders that accepted their column have its shards, and each one gets a bounded time.
          source: (c) => (reachable[c] && onChain.accepted[c] ? boundedStore : undefined),
          signal,
          onSkip: ({ column: skipped, error }) => log.warn({ ...context, stripe, skipped, err: error }, "shard skipped while rebuilding"),
        });
        await store.put(shard, { signal });
        rebuilt++;
      }
    }
    await store.pin(cid, { signal });
  }
  const { root } = await columnRoot({ column: bytes(), depth: manifest.columnTreeDepth });
  if (fieldToBytes32Hex(root) !== onChain.columnRoots[column]) {
    for (const cid of cids) await store.unpin(cid);
    log.error({ ...context, computed: fieldToBytes32Hex(root), registered: onChain.columnRoots[column] }, "column refused: root mismatch");
    return false;
  }
  await chain.send(() => chain.contracts.DatasetRegistry.write.acceptColumn([datasetId, BigInt(column)]));
  log.info({ ...context, shards: cids.length, rebuilt }, "column accepted");
  return true;
}

/** Dials the other holders of the dataset; `reachable[c]` says whether column c's holder answered. */
async function dialHolders({ chain, store, log, signal, datasetId, column }: Omit<AcceptColumnParameters, "shardTimeoutMs">): Promise<boolean[]> {
  const { endpoints, holders } = await readDatasetOnChain(chain, datasetId);
  return Promise.all(
    endpoints.map((endpoint, c) =>
      c === column || endpoint === "" || isAddressEqual(holders[c]!, chain.account.address)
        ? false
        : store.dial(endpoint, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) }).then(
            () => true,
            (error: unknown) => (log.warn({ datasetId: datasetId.toString(), column: c, endpoint, err: error }, "holder unreachable"), false),
          ),
    ),
  );
}
