import type { Logger } from "pino";
import { type Address, BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, decodeAbiParameters, encodeAbiParameters, isAddressEqual, parseAbi } from "viem";
import { followEvents } from "../chain/followEvents.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { readEvents } from "../chain/readEvents.ts";
import { simulates } from "../chain/simulates.ts";
import type { RoleHealth } from "../runtime/roleHealth.ts";
import { DRAND_COORDINATOR_ABI, relayDrandBeacons } from "./relayDrandBeacons.ts";

/** The parts of Chainlink's VRFCoordinatorV2_5Mock the local automation answers. */
const VRF_MOCK_ABI = parseAbi([
  "event RandomWordsRequested(bytes32 indexed keyHash, uint256 requestId, uint256 preSeed, uint256 indexed subId, uint16 minimumRequestConfirmations, uint32 callbackGasLimit, uint32 numWords, bytes extraArgs, address indexed sender)",
  "function fulfillRandomWords(uint256 requestId, address consumer)",
]);

/** RangeUpkeep's Automation interface, shared by JobRegistry, RoundJobRegistry, Disputes, BisectionGame and StorageProofs. */
const UPKEEP_ABI = parseAbi([
  "function checkUpkeep(bytes checkData) view returns (bool upkeepNeeded, bytes performData)",
  "function performUpkeep(bytes performData)",
]);

/** BisectionGame's id range (Disputes deploys it; keepers reach it through `Disputes.game()`). */
const GAME_COUNT_ABI = parseAbi(["function gameCount() view returns (uint256)"]);

/** Round status `Open` in IStorageProofs.RoundStatus. */
const ROUND_OPEN = 2;

/** Dataset statuses `Placing` and `Active` in IDatasetRegistry.DatasetStatus. */
const DATASET_PLACING = 1;
const DATASET_ACTIVE = 2;

/** Columns one `applyPlacement` call places (each a bounded draw; ~60k gas typical, ~190k at worst). */
const APPLY_CHUNK = 32n;

/** Steps of a committee draw one `continueDraw` call runs (~30k gas each: a stored swap). */
const DRAW_CHUNK = 100n;

/** Committee statuses `Requested` and `Drawing` in IValidatorCommittee.CommitteeStatus. */
const COMMITTEE_REQUESTED = 1;
const COMMITTEE_DRAWING = 4;

/** Ids one `checkUpkeep` call scans (RangeUpkeep.MAX_UPKEEP_SCAN). */
const SCAN = 500n;

/** Parameters of {@link runAutomationRole}. */
export type AutomationRoleParameters = {
  chain: ProtocolConnection;
  /** Where the event cursor and dead letters are kept. */
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  /** On a local chain: the VRF coordinator mock whose requests this keeper answers (no VRF service there). */
  vrfMock?: Address;
  /**
   * The drand beacon's HTTP base URL (e.g. `DEFAULT_DRAND_URL`): when the consumers' coordinator is a
   * DrandBeaconCoordinator, its requests are relayed from there. Unset: no relay.
   */
  drandUrl?: string;
  /** Served at `/healthz`: the loop's cursor and dead letters. */
  health?: RoleHealth;
  confirmations?: number;
  /** Delay between rounds of checks. */
  pollMs?: number;
  attempts?: number;
};

/**
 * The automation keeper, doing what Chainlink Automation does on a live network:
 * - each round, drives the upkeeps of JobRegistry (settle auctions, expire, finalize), RoundJobRegistry
 *   (settle auctions, fail jobs whose seed did not come, close rounds past their deadline, advance rounds, expire unaggregated rounds), Disputes
 *   (expire), BisectionGame (end a game whose side to move ran out of time) and StorageProofs (open and close audit rounds): `checkUpkeep` over windows of ids,
 *   then `performUpkeep` with its answer (less audit rounds not worth opening yet); the upkeeps
 *   say afresh each round what is due, so a failed round is simply done again by the next one;
 * - each round, applies each answered placement (`DatasetRegistry.applyPlacement`, in chunks), cancels a
 *   placement left unanswered past its deadline (`cancelPlacement`, which refunds the owner), draws a redraw
 *   whose word an audit round held once the round no longer holds the column (`applyRedraw`), and redraws the first column
 *   `DatasetRegistry.reassignable` offers (faulty, exited or unaccepted holder, unplaced, or a redraw unanswered
 *   for the cooldown; a dataset has one redraw in flight at a time);
 * - on `ColumnFaulty` and `ProviderExited`, redraws the column's holder (`DatasetRegistry.reassign`) at once;
 * - on `CommitteeDrawUnfinished` (a validator list padded so that the VRF callback's steps did not finish a
 *   dispute's committee draw), runs the draw to its end (`ValidatorCommittee.continueDraw`, in chunks);
 * - on ValidatorCommittee's `CoordinatorSet` (governance replaced the coordinator), sends every committee request
 *   the old coordinator left unanswered to the new one (`ValidatorCommittee.renewRequest`), so those disputes are
 *   still judged;
 * - with `vrfMock`, answers every VRF request of the local coordinator mock;
 * - with `drandUrl`, each round relays the drand beacons that answer the protocol's requests to a
 *   DrandBeaconCoordinator (whichever coordinator the consumers point at; {@link relayDrandBeacons}).
 * Events come through the shared loop ({@link followEvents}): a failed reassignment or VRF answer
 * is retried, then dead-lettered, never passed over. Every action is checked first (a
 * simulation, or `checkUpkeep` itself), so a keeper racing another one, or restarted, never
 * sends a transaction that would revert.
 *
 * @example
 * await runAutomationRole({ chain, dataDir, log, signal, vrfMock: addresses.VRFCoordinatorV2_5Mock });
 */
export async function runAutomationRole({ chain, dataDir, log, signal, vrfMock, drandUrl, health, confirmations, pollMs = 1000, attempts }: AutomationRoleParameters) {
  const { JobRegistry, RoundJobRegistry, Disputes, StorageProofs, DatasetRegistry, ValidatorCommittee } = chain.contracts;
  /** Per DrandBeaconCoordinator: the relay's cursor; `false` for a coordinator that is not one. */
  const drandCoordinators = new Map<Address, { nextId: bigint } | false>();
  const keepAll = async (ids: readonly bigint[]) => ids;
  /** Disputes' BisectionGame, read in the first round (the loop's retries cover an RPC outage at start). */
  let game: Address | undefined;
  const upkeeps = (bisectionGame: Address) => [
    { name: "JobRegistry", address: JobRegistry.address, count: () => JobRegistry.read.jobCount(), worthDoing: keepAll },
    { name: "RoundJobRegistry", address: RoundJobRegistry.address, count: () => RoundJobRegistry.read.jobCount(), worthDoing: keepAll },
    { name: "Disputes", address: Disputes.address, count: () => Disputes.read.disputeCount(), worthDoing: keepAll },
    { name: "BisectionGame", address: bisectionGame, count: () => chain.publicClient.readContract({ address: bisectionGame, abi: GAME_COUNT_ABI, functionName: "gameCount" }), worthDoing: keepAll },
    { name: "StorageProofs", address: StorageProofs.address, count: () => DatasetRegistry.read.datasetCount(), worthDoing: roundsWorthOpening },
  ];

  await followEvents({
    chain,
    address: [DatasetRegistry.address, ValidatorCommittee.address, ...(vrfMock ? [vrfMock] : [])],
    abi: [...DatasetRegistry.abi, ...ValidatorCommittee.abi, ...VRF_MOCK_ABI],
    eventName: ["ColumnFaulty", "ProviderExited", "CommitteeDrawUnfinished", "CoordinatorSet", "RandomWordsRequested"],
    role: "automation",
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    handle: async (event) => {
      if (event.eventName === "ColumnFaulty") await reassign(event.args);
      else if (event.eventName === "ProviderExited") for (const target of await columnsHeldBy(event.args.provider)) await reassign(target);
      else if (event.eventName === "CommitteeDrawUnfinished") await finishDraw(event.args.disputeId);
      else if (event.eventName === "CoordinatorSet") {
        if (isAddressEqual(event.address, ValidatorCommittee.address)) await renewCommitteeRequests();
      }
      else if (vrfMock && isAddressEqual(event.address, vrfMock)) await fulfil(vrfMock, event.args.requestId, event.args.sender);
    },
    everyRound: async () => {
      await performUpkeeps();
      await placementWork();
      await relayBeacons();
    },
  });

  async function performUpkeeps() {
    game ??= await Disputes.read.game();
    for (const { name, address, count, worthDoing } of upkeeps(game)) {
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
    }
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
        // A dataset has one redraw in flight at a time: its held word drawn once no round holds it, else the next column.
        if ((await DatasetRegistry.read.redrawOf([datasetId])).answered) await applyRedraw(datasetId);
        const due = await DatasetRegistry.read.reassignable([datasetId]);
        if (due !== 0n) {
          let column = 0n;
          while (((due >> column) & 1n) === 0n) column++;
          await reassign({ datasetId, column });
        }
      }
    }
  }

  async function applyPlacement(datasetId: bigint) {
    const context = { datasetId: datasetId.toString() };
    if (!(await simulates(() => DatasetRegistry.simulate.applyPlacement([datasetId, APPLY_CHUNK], { account: chain.account })))) return;
    await chain.send(() => DatasetRegistry.write.applyPlacement([datasetId, APPLY_CHUNK]));
    log.info({ ...context, placed: (await DatasetRegistry.read.placementOf([datasetId])).placed }, "placement applied");
  }

  /**
   * Runs dispute `disputeId`'s committee draw to its end. A call the chain would refuse (the draw finished by
   * another keeper, or its window closed) ends the work; one refused because the request's second is not over
   * yet throws, so that the event loop retries it.
   */
  async function finishDraw(disputeId: bigint) {
    const context = { disputeId: disputeId.toString() };
    while ((await ValidatorCommittee.read.requestOf([disputeId])).status === COMMITTEE_DRAWING) {
      if (!(await simulates(() => ValidatorCommittee.simulate.continueDraw([disputeId, DRAW_CHUNK], { account: chain.account })))) {
        const { requestedAt } = await ValidatorCommittee.read.requestOf([disputeId]);
        const { timestamp } = await chain.publicClient.getBlock();
        if (timestamp <= BigInt(requestedAt)) throw new Error(`dispute ${disputeId}'s draw cannot continue in its request's second: retrying`);
        log.info(context, "committee draw not continued: the chain refuses it (finished elsewhere, or past its window)");
        return;
      }
      await chain.send(() => ValidatorCommittee.write.continueDraw([disputeId, DRAW_CHUNK]));
      const { nextStep } = await ValidatorCommittee.read.requestOf([disputeId]);
      log.info({ ...context, nextStep: nextStep.toString() }, "committee draw continued");
    }
  }

  /**
   * Sends again every committee request (`CommitteeRequested` since the deployment) still awaiting an answer from a
   * coordinator governance has replaced; the chain refuses those past their draw window, or answered meanwhile: skipped.
   */
  async function renewCommitteeRequests() {
    const epoch = await ValidatorCommittee.read.coordinatorEpoch();
    const requested = await readEvents({ chain, contract: ValidatorCommittee, eventName: "CommitteeRequested" });
    for (const disputeId of new Set(requested.map((event) => event.args.disputeId))) {
      const { status, coordinatorEpoch } = await ValidatorCommittee.read.requestOf([disputeId]);
      if (status !== COMMITTEE_REQUESTED || coordinatorEpoch === epoch) continue;
      const context = { disputeId: disputeId.toString() };
      if (!(await simulates(() => ValidatorCommittee.simulate.renewRequest([disputeId], { account: chain.account })))) {
        log.info(context, "committee request not renewed: the chain refuses it (answered, or past its draw window)");
        continue;
      }
      await chain.send(() => ValidatorCommittee.write.renewRequest([disputeId]));
      log.info(context, "committee request renewed with the new coordinator");
    }
  }

  async function applyRedraw(datasetId: bigint) {
    const context = { datasetId: datasetId.toString() };
    if (!(await simulates(() => DatasetRegistry.simulate.applyRedraw([datasetId], { account: chain.account })))) return;
    await chain.send(() => DatasetRegistry.write.applyRedraw([datasetId]));
    log.info(context, "held redraw applied: its audit round no longer holds the column");
  }

  async function cancelPlacement(datasetId: bigint) {
    const context = { datasetId: datasetId.toString() };
    if (!(await simulates(() => DatasetRegistry.simulate.cancelPlacement([datasetId], { account: chain.account })))) return;
    await chain.send(() => DatasetRegistry.write.cancelPlacement([datasetId]));
    log.info(context, "placement cancelled after its deadline; payment refunded");
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
    if (!(await simulates(() => DatasetRegistry.simulate.reassign([datasetId, column], { account: chain.account })))) {
      log.info(context, "reassignment skipped: the column is not reassignable (redrawn already or healthy)");
      return;
    }
    await chain.send(() => DatasetRegistry.write.reassign([datasetId, column]));
    log.info(context, "column reassigned");
  }

  /** Relays drand beacons to the consumers' coordinators that are DrandBeaconCoordinators (re-read each round: governance may repoint them). */
  async function relayBeacons() {
    if (drandUrl === undefined) return;
    const consumers = [ValidatorCommittee.address, DatasetRegistry.address, StorageProofs.address, RoundJobRegistry.address];
    const coordinators = new Set(
      await Promise.all([
        ValidatorCommittee.read.vrfCoordinator(),
        DatasetRegistry.read.vrfCoordinator(),
        StorageProofs.read.vrfCoordinator(),
        RoundJobRegistry.read.vrfCoordinator(),
      ]),
    );
    for (const coordinator of coordinators) {
      if (!drandCoordinators.has(coordinator)) drandCoordinators.set(coordinator, (await isDrandCoordinator(coordinator)) && { nextId: 1n });
      const cursor = drandCoordinators.get(coordinator);
      if (cursor) await relayDrandBeacons({ chain, coordinator, url: drandUrl, consumers, cursor, log, signal });
    }
  }

  /** Whether `coordinator` answers DrandBeaconCoordinator's `genesisTime()` (a VRF coordinator does not). */
  async function isDrandCoordinator(coordinator: Address) {
    try {
      await chain.publicClient.readContract({ address: coordinator, abi: DRAND_COORDINATOR_ABI, functionName: "genesisTime" });
      log.info({ coordinator }, "consumers use a drand beacon coordinator: relaying its beacons");
      return true;
    } catch (error) {
      // A revert or an empty answer: not a drand coordinator. Anything else (the RPC down) is retried next round.
      const refused = (cause: unknown) => cause instanceof ContractFunctionRevertedError || cause instanceof ContractFunctionZeroDataError;
      if (error instanceof BaseError && error.walk(refused)) return false;
      throw error;
    }
  }

  async function fulfil(coordinator: Address, requestId: bigint, consumer: Address) {
    const request = { address: coordinator, abi: VRF_MOCK_ABI, functionName: "fulfillRandomWords", args: [requestId, consumer] } as const;
    if (!(await simulates(() => chain.publicClient.simulateContract({ ...request, account: chain.account })))) {
      log.info({ requestId: requestId.toString() }, "VRF answer skipped: the request is answered already");
      return;
    }
    await chain.send(() => chain.walletClient.writeContract({ ...request, chain: null }));
    log.info({ requestId: requestId.toString(), consumer }, "VRF request answered");
  }
}
