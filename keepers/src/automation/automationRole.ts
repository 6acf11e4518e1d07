import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { type Address, decodeAbiParameters, encodeAbiParameters, isAddressEqual, parseAbi, parseEventLogs } from "viem";
import { openBlockCursor } from "../chain/blockCursor.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";

/** The parts of Chainlink's VRFCoordinatorV2_5Mock the local automation answers. */
const VRF_MOCK_ABI = parseAbi([
  "event RandomWordsRequested(bytes32 indexed keyHash, uint256 requestId, uint256 preSeed, uint256 indexed subId, uint16 minimumRequestConfirmations, uint32 callbackGasLimit, uint32 numWords, bytes extraArgs, address indexed sender)",
  "function fulfillRandomWords(uint256 requestId, address consumer)",
]);

/** RangeUpkeep's Automation interface, shared by JobRegistry, Disputes and StorageProofs. */
const UPKEEP_ABI = parseAbi([
  "function checkUpkeep(bytes checkData) view returns (bool upkeepNeeded, bytes performData)",
  "function performUpkeep(bytes performData)",
]);

/** Round status `Open` in IStorageProofs.RoundStatus. */
const ROUND_OPEN = 2;

/** Dataset statuses `Placing` and `Active` in IDatasetRegistry.DatasetStatus. */
const DATASET_PLACING = 1;
const DATASET_ACTIVE = 2;

/** Columns one `applyPlacement` call places (each a bounded draw; ~60k gas typical, ~190k at worst). */
const APPLY_CHUNK = 32n;

/** Ids one `checkUpkeep` call scans (RangeUpkeep.MAX_UPKEEP_SCAN). */
const SCAN = 500n;

/** Parameters of {@link runAutomationRole}. */
export type AutomationRoleParameters = {
  chain: ProtocolConnection;
  /** Where the event cursor is kept. */
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  /** On a local chain: the VRF coordinator mock whose requests this keeper answers (no VRF service there). */
  vrfMock?: Address;
  /** Delay between rounds of checks. */
  pollMs?: number;
  /** Most blocks read per poll. */
  blockRange?: bigint;
};

/**
 * The automation keeper, doing what Chainlink Automation does on a live network:
 * - drives the upkeeps of JobRegistry (settle auctions, expire, finalize), Disputes (expire) and
 *   StorageProofs (open and close audit rounds): `checkUpkeep` over windows of ids, then
 *   `performUpkeep` with its answer (less audit rounds not worth opening yet);
 * - applies each answered placement (`DatasetRegistry.applyPlacement`, in chunks), cancels a
 *   placement left unanswered past its deadline (`cancelPlacement`, which refunds the owner), and
 *   redraws every column `DatasetRegistry.reassignable` offers (faulty, exited or unaccepted holder,
 *   unplaced, or a redraw unanswered for the cooldown), besides reacting to faults and exits;
 * - with `vrfMock`, answers every VRF request of the local coordinator mock.
 * Every action is checked first (a simulation, or `checkUpkeep` itself), so a keeper racing
 * another one, or restarted, never sends a transaction that would revert.
 *
 * @example
 * await runAutomationRole({ chain, dataDir, log, signal, vrfMock: addresses.VRFCoordinatorV2_5Mock });
 */
export async function runAutomationRole({ chain, dataDir, log, signal, vrfMock, pollMs = 1000, blockRange = 2_000n }: AutomationRoleParameters) {
  const { JobRegistry, Disputes, StorageProofs, DatasetRegistry } = chain.contracts;
  const keepAll = async (ids: readonly bigint[]) => ids;
  const upkeeps = [
    { name: "JobRegistry", address: JobRegistry.address, count: () => JobRegistry.read.jobCount(), worthDoing: keepAll },
    { name: "Disputes", address: Disputes.address, count: () => Disputes.read.disputeCount(), worthDoing: keepAll },
    { name: "StorageProofs", address: StorageProofs.address, count: () => DatasetRegistry.read.datasetCount(), worthDoing: roundsWorthOpening },
  ] as const;
  const cursor = openBlockCursor(join(dataDir, "automation.cursor.json"));
  const attempt = async (context: object, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      log.warn({ err: error, ...context }, "automation action failed; retried on the next round");
    }
  };

  while (!signal.aborted) {
    for (const { name, address, count, worthDoing } of upkeeps) {
      await attempt({ upkeep: name }, async () => {
        const last = await count();
        for (let from = 1n; from <= last; from += SCAN) {
          const checkData = encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [from, SCAN]);
          const [needed, performData] = await chain.publicClient.readContract({ address, abi: UPKEEP_ABI, functionName: "checkUpkeep", args: [checkData] });
          if (!needed) continue;
          const [due] = decodeAbiParameters([{ type: "uint256[]" }], performData);
          const ids = await worthDoing(due);
          if (ids.length === 0) continue;
          const data = encodeAbiParameters([{ type: "uint256[]" }], [ids]);
          await chain.send(() => chain.walletClient.writeContract({ address, abi: UPKEEP_ABI, functionName: "performUpkeep", args: [data], chain: null }));
          log.info({ upkeep: name, ids: ids.map(String) }, "upkeep performed");
        }
      });
    }
    await attempt({ step: "events" }, () => handleEvents());
    await attempt({ step: "placements" }, () => placementWork());
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }

  /** Reassignments and VRF answers for the events since the cursor. */
  async function handleEvents() {
    const head = await chain.publicClient.getBlockNumber();
    const from = cursor.next();
    if (from > head) return;
    const to = from + blockRange - 1n < head ? from + blockRange - 1n : head;
    const logs = await chain.publicClient.getLogs({ address: [DatasetRegistry.address, ...(vrfMock ? [vrfMock] : [])], fromBlock: from, toBlock: to });
    for (const event of parseEventLogs({ abi: DatasetRegistry.abi, logs, eventName: ["ColumnFaulty", "ProviderExited"] })) {
      const columns =
        event.eventName === "ColumnFaulty"
          ? [{ datasetId: event.args.datasetId, column: event.args.column }]
          : await columnsHeldBy(event.args.provider);
      for (const target of columns) await reassign(target);
    }
    if (vrfMock) {
      for (const { args } of parseEventLogs({ abi: VRF_MOCK_ABI, logs, eventName: "RandomWordsRequested" })) {
        await fulfil(vrfMock, args.requestId, args.sender);
      }
    }
    cursor.advance(to + 1n);
  }

  /**
   * Due StorageProofs work minus the rounds not worth opening: a dataset's first round waits
   * until every column is accepted (its holders are still fetching their shards right after
   * placement; opening earlier audits a few columns or none and pushes the first full round back a
   * whole `roundInterval`), and a later round that would audit no column is skipped (it would
   * open and close at once for a VRF request). Closing an open round is always done.
   */
  async function roundsWorthOpening(ids: readonly bigint[]) {
    const { timestamp } = await chain.publicClient.getBlock();
    const worth = await Promise.all(
      ids.map(async (datasetId) => {
        const round = await StorageProofs.read.currentRound([datasetId]);
        if (round.status === ROUND_OPEN) return true;
        if (round.number === 0n) return (await DatasetRegistry.read.accepted([datasetId])).every(Boolean);
        return (await DatasetRegistry.read.auditable([datasetId, timestamp])) !== 0n;
      }),
    );
    return ids.filter((_, i) => worth[i]);
  }

  /** Placement work that falls due with time rather than with an event: apply, cancel, redraw. */
  async function placementWork() {
    const { timestamp } = await chain.publicClient.getBlock();
    const count = await DatasetRegistry.read.datasetCount();
    for (let datasetId = 1n; datasetId <= count; datasetId++) {
      const { status } = await DatasetRegistry.read.getDataset([datasetId]);
      if (status === DATASET_PLACING) {
        const placement = await DatasetRegistry.read.placementOf([datasetId]);
        if (placement.seeded) await applyPlacement(datasetId);
        else if (timestamp >= BigInt(placement.deadline)) await cancelPlacement(datasetId);
      } else if (status === DATASET_ACTIVE) {
        const due = await DatasetRegistry.read.reassignable([datasetId]);
        for (let column = 0n; due >> column !== 0n; column++) {
          if ((due >> column) & 1n) await reassign({ datasetId, column });
        }
      }
    }
  }

  async function applyPlacement(datasetId: bigint) {
    const context = { datasetId: datasetId.toString() };
    await attempt(context, async () => {
      const pending = await DatasetRegistry.simulate.applyPlacement([datasetId, APPLY_CHUNK], { account: chain.account }).then(() => true, () => false);
      if (!pending) return;
      await chain.send(() => DatasetRegistry.write.applyPlacement([datasetId, APPLY_CHUNK]));
      log.info({ ...context, placed: (await DatasetRegistry.read.placementOf([datasetId])).placed }, "placement applied");
    });
  }

  async function cancelPlacement(datasetId: bigint) {
    const context = { datasetId: datasetId.toString() };
    await attempt(context, async () => {
      const cancellable = await DatasetRegistry.simulate.cancelPlacement([datasetId], { account: chain.account }).then(() => true, () => false);
      if (!cancellable) return;
      await chain.send(() => DatasetRegistry.write.cancelPlacement([datasetId]));
      log.info(context, "placement cancelled after its deadline; payment refunded");
    });
  }

  async function columnsHeldBy(provider: Address) {
    const held: { datasetId: bigint; column: bigint }[] = [];
    for (let datasetId = 1n; datasetId <= (await DatasetRegistry.read.datasetCount()); datasetId++) {
      const holders = await DatasetRegistry.read.holders([datasetId]);
      holders.forEach((holder, column) => isAddressEqual(holder, provider) && held.push({ datasetId, column: BigInt(column) }));
    }
    return held;
  }

  async function reassign({ datasetId, column }: { datasetId: bigint; column: bigint }) {
    const context = { datasetId: datasetId.toString(), column: column.toString() };
    await attempt(context, async () => {
      const reassignable = await DatasetRegistry.simulate.reassign([datasetId, column], { account: chain.account }).then(() => true, () => false);
      if (!reassignable) return;
      await chain.send(() => DatasetRegistry.write.reassign([datasetId, column]));
      log.info(context, "column reassigned");
    });
  }

  async function fulfil(coordinator: Address, requestId: bigint, consumer: Address) {
    const request = { address: coordinator, abi: VRF_MOCK_ABI, functionName: "fulfillRandomWords", args: [requestId, consumer] } as const;
    await attempt({ requestId: requestId.toString() }, async () => {
      const pending = await chain.publicClient.simulateContract({ ...request, account: chain.account }).then(() => true, () => false);
      if (!pending) return;
      await chain.send(() => chain.walletClient.writeContract({ ...request, chain: null }));
      log.info({ requestId: requestId.toString(), consumer }, "VRF request answered");
    });
  }
}
