import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFunctionData, getAddress, keccak256, numberToHex, parseEther, stringToHex, zeroAddress, zeroHash, type Address } from "viem";
import { placementDraw, type ProviderEntry } from "../../keepers/src/chain/placementDraw.ts";
import { deployProtocol, fieldRoot, networkHelpers, SNARK_SCALAR_FIELD, stake, viem, type Protocol } from "./fixture.ts";
import { padProviders } from "./providerSet.ts";

const PROVIDER_STAKE = parseEther("1000");
const FAULT_PENALTY = parseEther("400");
const WHOLE_PLACEMENT = 2n ** 256n - 1n;
const DatasetStatus = { None: 0, Placing: 1, Active: 2, Settled: 3, Cancelled: 4 } as const;
/** Ignition defaults of VeritrainLocal (no parameter file in tests). */
const PLACEMENT_TIMEOUT = 24n * 3600n;
const ACCEPTANCE_PERIOD = 24n * 3600n;
const REASSIGN_COOLDOWN = 3600n;
const PERIODS = { placementTimeout: 24 * 3600, acceptancePeriod: 24 * 3600, reassignCooldown: 3600 };

const endpointOf = (address: string) => `/ip4/127.0.0.1/tcp/4001/p2p/provider-${address.slice(2, 10)}`;

/** 8+3 stripes of 1 MiB shards, 2 stripes, 10 MiB of data. */
const REGISTRATION = {
  manifestDigest: keccak256(stringToHex("manifest")),
  datasetRoot: fieldRoot("dataset"),
  columnRoots: Array.from({ length: 11 }, (_, i) => fieldRoot(`column ${i}`)),
  k: 8,
  n: 11,
  shardSize: 1 << 20,
  stripeCount: 2,
  byteLength: 10n << 20n,
  payment: parseEther("1100") + 7n,
  term: 30 * 24 * 3600,
  verifierVersion: 1,
};

/** Fourteen storage providers staked and joined. */
async function withProviders() {
  const p = await deployProtocol();
  for (const wallet of p.storageProviders) {
    await stake(p, wallet, PROVIDER_STAKE * 2n);
    await p.datasetRegistry.write.join([endpointOf(wallet.account.address)], { account: wallet.account });
  }
  return p;
}

/**
 * Answers dataset `datasetId`'s latest VRF request with the mock and returns the word: a whole placement's
 * seed (then applied in one call), or a redraw's.
 */
async function fulfillLatest(p: Protocol, datasetId: bigint) {
  const events = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId }, { fromBlock: 0n });
  const { requestId, column } = events.at(-1)!.args;
  await p.vrfCoordinator.write.fulfillRandomWords([requestId!, p.datasetRegistry.address]);
  if (column === WHOLE_PLACEMENT) {
    const [seeded] = await p.datasetRegistry.getEvents.PlacementSeeded({ datasetId }, { fromBlock: 0n });
    await p.datasetRegistry.write.applyPlacement([datasetId, 255n]);
    return seeded!.args.seed!;
  }
  const placed = await p.datasetRegistry.getEvents.ColumnPlaced({ datasetId }, { fromBlock: 0n });
  return placed.at(-1)!.args.seed!;
}

/** What a draw reads besides its word: the provider list at its block, the request's range and time. */
type DrawContext = { entries: readonly ProviderEntry[]; range: bigint | number; requestedAt: bigint | number };

/** The {@link DrawContext} of dataset `datasetId`'s whole placement, with the provider list as it is now. */
async function placementContext(p: Protocol, datasetId: bigint): Promise<DrawContext> {
  const { range, requestedAt } = await p.datasetRegistry.read.placementOf([datasetId]);
  return { entries: await p.datasetRegistry.read.providerList(), range, requestedAt };
}

/** The holders a whole placement from `seed` draws in `context`, by the TypeScript twin of the draw. */
function expectedPlacement(seed: bigint, context: DrawContext, n: number) {
  const taken = new Set<Address>();
  return Array.from({ length: n }, (_, column) => {
    const drawn = placementDraw({ seed, column, ...context, taken: (p) => taken.has(p) });
    if (drawn) taken.add(drawn.holder);
    return drawn?.holder ?? zeroAddress;
  });
}

/** Dataset 1 registered by the consumer and placed. */
async function withPlacedDataset() {
  const p = await withProviders();
  await p.datasetRegistry.write.register([REGISTRATION], { account: p.consumer.account });
  const drawContext = await placementContext(p, 1n);
  const seed = await fulfillLatest(p, 1n);
  return { ...p, datasetId: 1n, seed, drawContext };
}

/** Dataset 1 registered, its placement answered by the VRF but not applied. */
async function withSeededDataset() {
  const p = await withProviders();
  await p.datasetRegistry.write.register([REGISTRATION], { account: p.consumer.account });
  const [requested] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.datasetRegistry.address]);
  const [seeded] = await p.datasetRegistry.getEvents.PlacementSeeded({ datasetId: 1n }, { fromBlock: 0n });
  return { ...p, datasetId: 1n, seed: seeded!.args.seed!, requestId: requested!.args.requestId! };
}

function walletOf(p: Protocol, address: string) {
  const wallet = p.storageProviders.find((w) => w.account.address.toLowerCase() === address.toLowerCase());
  if (!wallet) throw new Error(`${address} is not a test storage provider`);
  return wallet;
}

describe("DatasetRegistry", () => {
  describe("register", () => {
    it("escrows the payment, stores the layout and requests a placement", async () => {
      const p = await networkHelpers.loadFixture(withProviders);
      const before = await p.token.read.balanceOf([p.consumer.account.address]);
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.register([REGISTRATION], { account: p.consumer.account }),
        p.datasetRegistry,
        "PlacementRequested",
        [1n, WHOLE_PLACEMENT, (id: bigint) => id > 0n, 14n],
      );
      assert.equal(await p.token.read.balanceOf([p.consumer.account.address]), before - REGISTRATION.payment);
      assert.equal(await p.token.read.balanceOf([p.datasetRegistry.address]), REGISTRATION.payment);
      const dataset = await p.datasetRegistry.read.getDataset([1n]);
      assert.equal(dataset.status, DatasetStatus.Placing);
      assert.equal(dataset.k, 8);
      assert.equal(dataset.n, 11);
      assert.equal(dataset.manifestDigest, REGISTRATION.manifestDigest);
      assert.deepEqual(await p.datasetRegistry.read.columnRoots([1n]), REGISTRATION.columnRoots);
      assert.deepEqual(await p.datasetRegistry.read.holders([1n]), []);
    });

    const invalid: [string, Partial<typeof REGISTRATION>][] = [
      ["manifestDigest", { manifestDigest: zeroHash }],
      ["datasetRoot", { datasetRoot: zeroHash }],
      ["datasetRoot", { datasetRoot: numberToHex(SNARK_SCALAR_FIELD, { size: 32 }) }],
      ["k", { k: 0 }],
      ["n", { n: 8 }],
      ["n", { n: 7 }],
      ["columnRoots", { columnRoots: REGISTRATION.columnRoots.slice(1) }],
      ["columnRoots", { columnRoots: [...REGISTRATION.columnRoots.slice(1), zeroHash] }],
      ["columnRoots", { columnRoots: [...REGISTRATION.columnRoots.slice(1), numberToHex(SNARK_SCALAR_FIELD, { size: 32 })] }],
      ["columnRoots", { columnRoots: [...REGISTRATION.columnRoots.slice(1), `0x${"ff".repeat(32)}`] }],
      ["shardSize", { shardSize: 0 }],
      ["shardSize", { shardSize: (1 << 20) + 1 }],
      ["stripeCount", { stripeCount: 0 }],
      ["byteLength", { byteLength: 8n << 20n }],
      ["byteLength", { byteLength: (16n << 20n) + 1n }],
      ["payment", { payment: 0n }],
      ["term", { term: 0 }],
    ];
    for (const [field, change] of invalid) {
      it(`rejects a bad ${field} (${JSON.stringify(change, (_, v) => (typeof v === "bigint" ? v.toString() : v)).slice(0, 40)}) and stores nothing`, async () => {
        const p = await networkHelpers.loadFixture(withProviders);
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.datasetRegistry.write.register([{ ...REGISTRATION, ...change }], { account: p.consumer.account }),
          p.datasetRegistry,
          "DatasetRegistryInvalidRegistration",
          [field],
        );
        assert.equal(await p.datasetRegistry.read.datasetCount(), 0n);
      });
    }

    it("rejects a dataset with more columns than providers", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.register([REGISTRATION], { account: p.consumer.account }),
        p.datasetRegistry,
        "DatasetRegistryNotEnoughProviders",
        [0n, 11n],
      );
    });
  });

  describe("placement", () => {
    it("places the columns on distinct providers, recomputably from the seed", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      assert.equal(new Set(holders.map((h) => h.toLowerCase())).size, 11);
      assert.deepEqual(holders, expectedPlacement(p.seed, p.drawContext, 11));
      const dataset = await p.datasetRegistry.read.getDataset([p.datasetId]);
      assert.equal(dataset.status, DatasetStatus.Active);
      assert.equal(BigInt(dataset.endsAt), BigInt(await networkHelpers.time.latest()) + BigInt(REGISTRATION.term));
    });

    it("keeps only the seed in the VRF callback and places the columns in chunks anyone applies", async () => {
      const p = await networkHelpers.loadFixture(withSeededDataset);
      const registeredAt = BigInt((await p.datasetRegistry.read.placementOf([p.datasetId])).deadline) - PLACEMENT_TIMEOUT;
      assert.deepEqual(await p.datasetRegistry.read.placementOf([p.datasetId]), {
        seed: p.seed,
        deadline: Number(registeredAt + PLACEMENT_TIMEOUT),
        placed: 0,
        seeded: true,
        requestedAt: Number(registeredAt),
        range: 14n,
      });
      assert.deepEqual(await p.datasetRegistry.read.holders([p.datasetId]), [], "nothing placed in the callback");
      const expected = expectedPlacement(p.seed, await placementContext(p, p.datasetId), 11);
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.applyPlacement([p.datasetId, 4n], { account: p.outsider.account }),
        p.datasetRegistry,
        "ColumnPlaced",
        [p.datasetId, 3n, expected[3]!, p.seed],
      );
      assert.deepEqual(await p.datasetRegistry.read.holders([p.datasetId]), expected.slice(0, 4));
      assert.equal((await p.datasetRegistry.read.getDataset([p.datasetId])).status, DatasetStatus.Placing);
      // A holder drawn by an early chunk may accept before the dataset is Active.
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.acceptColumn([p.datasetId, 0n], { account: walletOf(p, expected[0]!).account }),
        p.datasetRegistry,
        "ColumnAccepted",
        [p.datasetId, 0n, expected[0]!],
      );
      await p.datasetRegistry.write.applyPlacement([p.datasetId, 4n]);
      const last = p.datasetRegistry.write.applyPlacement([p.datasetId, 100n]);
      await viem.assertions.emit(last, p.datasetRegistry, "DatasetActivated");
      assert.deepEqual(await p.datasetRegistry.read.holders([p.datasetId]), expected);
      assert.equal((await p.datasetRegistry.read.placementOf([p.datasetId])).placed, 11);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.applyPlacement([p.datasetId, 1n]),
        p.datasetRegistry,
        "DatasetRegistryWrongStatus",
        [p.datasetId, DatasetStatus.Active, DatasetStatus.Placing],
      );
    });

    it("cannot be steered once the seed is public: a join after the request never counts, an exit only passes its column on", async () => {
      const p = await networkHelpers.loadFixture(withSeededDataset);
      const atRequest = await placementContext(p, p.datasetId);
      const planned = expectedPlacement(p.seed, atRequest, 11);
      // The provider drawn for column 0 exits, and a newcomer refills its entry, which column 0's try hits.
      const leaving = walletOf(p, planned[0]!);
      await p.datasetRegistry.write.exit({ account: leaving.account });
      for (const newcomer of [p.outsider, p.challenger]) {
        await stake(p, newcomer, PROVIDER_STAKE);
        await p.datasetRegistry.write.join([endpointOf(newcomer.account.address)], { account: newcomer.account });
      }
      const now = await placementContext(p, p.datasetId);
      const refilled = now.entries.findIndex((e) => e.account === getAddress(p.outsider.account.address));
      assert.equal(now.entries[refilled]!.account, getAddress(p.outsider.account.address));
      assert.equal(atRequest.entries[refilled]!.account, planned[0], "the newcomer took the leaver's entry");
      assert.equal(now.entries.length, 15, "the second newcomer was appended beyond the request's range");
      // Had joins after the request counted, the newcomer would take column 0 at the leaver's entry.
      assert.equal(expectedPlacement(p.seed, { ...now, requestedAt: BigInt(await networkHelpers.time.latest()) }, 11)[0], now.entries[refilled]!.account);

      await p.datasetRegistry.write.applyPlacement([p.datasetId, 11n], { account: p.outsider.account });
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      assert.deepEqual(holders, expectedPlacement(p.seed, now, 11));
      for (const absent of [leaving.account.address, p.outsider.account.address, p.challenger.account.address]) {
        assert.ok(!holders.includes(getAddress(absent)), `${absent} holds nothing`);
      }
      assert.notEqual(holders[0], zeroAddress, "column 0 went to the next provider of the request");
    });

    it("refuses to apply a placement before the VRF answered, or of an unknown dataset", async () => {
      const p = await networkHelpers.loadFixture(withProviders);
      await p.datasetRegistry.write.register([REGISTRATION], { account: p.consumer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.applyPlacement([1n, 11n]),
        p.datasetRegistry,
        "DatasetRegistryPlacementNotSeeded",
        [1n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.applyPlacement([2n, 11n]),
        p.datasetRegistry,
        "DatasetRegistryUnknownDataset",
        [2n],
      );
    });

    it("accepts randomness only for its own requests", async () => {
      const p = await networkHelpers.loadFixture(withProviders);
      await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
      await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.rawFulfillRandomWords([99n, [1n]], { account: p.vrfCoordinator.address }),
        p.datasetRegistry,
        "DatasetRegistryUnknownRequest",
        [99n],
      );
    });
  });

  describe("when thousands of providers joined (finding 6: bounded VRF callbacks)", () => {
    /** 5,000 providers (13 real, the rest written into the set), a 64-column dataset registered. */
    async function withManyProviders() {
      const p = await withProviders();
      await padProviders({ registry: p.datasetRegistry.address, count: 5000 });
      const registration = { ...REGISTRATION, k: 48, n: 64, columnRoots: Array.from({ length: 64 }, (_, i) => fieldRoot(`wide ${i}`)), byteLength: 96n << 20n };
      await p.datasetRegistry.write.register([registration], { account: p.consumer.account });
      return p;
    }

    /** Gas the coordinator must give rawFulfillRandomWords for the answer `word` to request `requestId`. */
    async function callbackGas(p: Protocol, requestId: bigint, word: bigint) {
      const publicClient = await viem.getPublicClient();
      const data = encodeFunctionData({ abi: p.datasetRegistry.abi, functionName: "rawFulfillRandomWords", args: [requestId, [word]] });
      return publicClient.estimateGas({ account: p.vrfCoordinator.address, to: p.datasetRegistry.address, data });
    }

    it("places a 64-column dataset: the callback keeps the seed, the columns are applied in chunks", async () => {
      const p = await networkHelpers.loadFixture(withManyProviders);
      const [requested] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
      await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
      await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
      assert.ok((await callbackGas(p, requested!.args.requestId!, 1n)) < 100_000n, "far under the callback gas limit");
      // The mock calls back with the deployment's callback gas limit (2,000,000), as the VRF service would.
      await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.datasetRegistry.address]);
      assert.equal((await p.datasetRegistry.read.placementOf([1n])).seeded, true);
      for (let placed = 0; placed < 64; placed += 16) await p.datasetRegistry.write.applyPlacement([1n, 16n]);
      const holders = await p.datasetRegistry.read.holders([1n]);
      assert.equal(new Set(holders).size, 64);
      assert.ok(!holders.includes(zeroAddress));
      assert.equal((await p.datasetRegistry.read.getDataset([1n])).status, DatasetStatus.Active);
    });

    it("redraws the column of a holder that exited within the callback gas limit, so it never sticks", async () => {
      const p = await networkHelpers.loadFixture(withManyProviders);
      await fulfillLatest(p, 1n);
      const holders = await p.datasetRegistry.read.holders([1n]);
      await networkHelpers.impersonateAccount(holders[5]!);
      await networkHelpers.setBalance(holders[5]!, parseEther("1"));
      await p.datasetRegistry.write.exit({ account: holders[5]! });
      await p.datasetRegistry.write.reassign([1n, 5n]);
      const requested = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
      const requestId = requested.at(-1)!.args.requestId!;
      await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
      await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
      assert.ok((await callbackGas(p, requestId, 1n)) < 400_000n);
      await p.vrfCoordinator.write.fulfillRandomWords([requestId, p.datasetRegistry.address]);
      const after = (await p.datasetRegistry.read.holders([1n]))[5]!;
      assert.notEqual(after, holders[5]);
      assert.notEqual(after, zeroAddress);
      assert.ok(!holders.includes(after), "a provider holding no column of the dataset");
      assert.equal((await p.datasetRegistry.read.columnState([1n, 5n])).redrawPending, false);
    });
  });

  describe("when the placement never completes (finding 6: a way out of Placing)", () => {
    it("lets anyone cancel after placementTimeout and refunds the owner; the late answer is ignored", async () => {
      const p = await networkHelpers.loadFixture(withProviders);
      await p.datasetRegistry.write.register([REGISTRATION], { account: p.consumer.account });
      const { deadline } = await p.datasetRegistry.read.placementOf([1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.cancelPlacement([1n]),
        p.datasetRegistry,
        "DatasetRegistryPlacementNotOverdue",
        [1n, BigInt(deadline)],
      );
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      const ownerBefore = await p.token.read.balanceOf([p.consumer.account.address]);
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.cancelPlacement([1n], { account: p.outsider.account }),
        p.datasetRegistry,
        "DatasetCancelled",
        [1n, REGISTRATION.payment],
      );
      assert.equal(await p.token.read.balanceOf([p.consumer.account.address]), ownerBefore + REGISTRATION.payment);
      assert.equal(await p.token.read.balanceOf([p.datasetRegistry.address]), 0n);
      assert.equal((await p.datasetRegistry.read.getDataset([1n])).status, DatasetStatus.Cancelled);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.cancelPlacement([1n]),
        p.datasetRegistry,
        "DatasetRegistryWrongStatus",
        [1n, DatasetStatus.Cancelled, DatasetStatus.Placing],
      );
      const [requested] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
      await viem.assertions.emitWithArgs(
        p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.datasetRegistry.address]),
        p.datasetRegistry,
        "PlacementAnswerIgnored",
        [1n, WHOLE_PLACEMENT, requested!.args.requestId!],
      );
      assert.equal((await p.datasetRegistry.read.placementOf([1n])).seeded, false);
    });

    it("releases the holders of a partly applied placement when it is cancelled", async () => {
      const p = await networkHelpers.loadFixture(withSeededDataset);
      await p.datasetRegistry.write.applyPlacement([p.datasetId, 3n]);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      const leaving = walletOf(p, holders[1]!);
      await p.datasetRegistry.write.exit({ account: leaving.account });
      assert.equal(await p.datasetRegistry.read.lockedStakeOf([leaving.account.address]), PROVIDER_STAKE, "held until the column goes");
      await networkHelpers.time.increase(PLACEMENT_TIMEOUT);
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.cancelPlacement([p.datasetId]),
        p.datasetRegistry,
        "ProviderReleased",
        [getAddress(leaving.account.address), PROVIDER_STAKE],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.cancelPlacement([5n]),
        p.datasetRegistry,
        "DatasetRegistryUnknownDataset",
        [5n],
      );
    });

    it("refuses to cancel an active dataset", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      await networkHelpers.time.increase(PLACEMENT_TIMEOUT);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.cancelPlacement([p.datasetId]),
        p.datasetRegistry,
        "DatasetRegistryWrongStatus",
        [p.datasetId, DatasetStatus.Active, DatasetStatus.Placing],
      );
    });
  });

  describe("providers", () => {
    it("lock stake on join and refuse a second join or an exit of a stranger", async () => {
      const p = await networkHelpers.loadFixture(withProviders);
      const wallet = p.storageProviders[0]!;
      assert.equal((await p.stakeManager.read.stakeOf([wallet.account.address])).locked, PROVIDER_STAKE);
      assert.equal(await p.datasetRegistry.read.endpointOf([wallet.account.address]), endpointOf(wallet.account.address));
      await viem.assertions.revertWithCustomError(
        p.datasetRegistry.write.join([""], { account: p.outsider.account }),
        p.datasetRegistry,
        "DatasetRegistryEmptyEndpoint",
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.join(["/ip4/127.0.0.1/tcp/4001"], { account: wallet.account }),
        p.datasetRegistry,
        "DatasetRegistryAlreadyProvider",
        [wallet.account.address],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.exit({ account: p.outsider.account }),
        p.datasetRegistry,
        "DatasetRegistryNotProvider",
        [p.outsider.account.address],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.join(["/ip4/127.0.0.1/tcp/4001"], { account: p.outsider.account }),
        p.stakeManager,
        "StakeManagerInsufficientAvailable",
        [p.outsider.account.address, 0n, PROVIDER_STAKE],
      );
    });

    it("keep every list entry in place: an exit empties its entry, the next join refills it", async () => {
      const p = await networkHelpers.loadFixture(withProviders);
      const before = await p.datasetRegistry.read.providerList();
      const leaving = p.storageProviders[3]!;
      const index = before.findIndex((e) => e.account === getAddress(leaving.account.address));
      await p.datasetRegistry.write.exit({ account: leaving.account });
      const emptied = await p.datasetRegistry.read.providerList();
      assert.deepEqual(emptied[index], { account: zeroAddress, joinedAt: 0 });
      assert.deepEqual([...emptied.slice(0, index), ...emptied.slice(index + 1)], [...before.slice(0, index), ...before.slice(index + 1)], "no other entry moved");
      assert.equal((await p.datasetRegistry.read.providers()).length, before.length - 1);

      await stake(p, p.outsider, PROVIDER_STAKE);
      await p.datasetRegistry.write.join([endpointOf(p.outsider.account.address)], { account: p.outsider.account });
      const refilled = await p.datasetRegistry.read.providerList();
      assert.deepEqual(refilled[index], { account: getAddress(p.outsider.account.address), joinedAt: await networkHelpers.time.latest() });
      assert.equal(refilled.length, before.length, "refilled, not appended");
      assert.ok((await p.datasetRegistry.read.providers()).includes(getAddress(p.outsider.account.address)));
    });

    it("unlock stake at once when a provider holding nothing exits", async () => {
      const p = await networkHelpers.loadFixture(withProviders);
      const wallet = p.storageProviders[0]!;
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.exit({ account: wallet.account }),
        p.datasetRegistry,
        "ProviderReleased",
        [wallet.account.address, PROVIDER_STAKE],
      );
      assert.equal((await p.stakeManager.read.stakeOf([wallet.account.address])).locked, 0n);
    });
  });

  describe("reassign", () => {
    it("moves an exited provider's column to a provider of the dataset's none, then releases its stake", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      const leaving = walletOf(p, holders[4]!);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.reassign([p.datasetId, 4n]),
        p.datasetRegistry,
        "DatasetRegistryColumnNotReassignable",
        [p.datasetId, 4n],
      );
      await p.datasetRegistry.write.acceptColumn([p.datasetId, 4n], { account: leaving.account });
      await p.datasetRegistry.write.exit({ account: leaving.account });
      assert.equal((await p.stakeManager.read.stakeOf([leaving.account.address])).locked, PROVIDER_STAKE, "still holds a column");
      assert.equal(await p.datasetRegistry.read.reassignable([p.datasetId]), 1n << 4n);

      await p.datasetRegistry.write.reassign([p.datasetId, 4n], { account: p.outsider.account });
      const requestedAt = BigInt(await networkHelpers.time.latest());
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.reassign([p.datasetId, 4n]),
        p.datasetRegistry,
        "DatasetRegistryReassignTooSoon",
        [p.datasetId, 4n, requestedAt + REASSIGN_COOLDOWN],
      );
      const entries = await p.datasetRegistry.read.providerList();
      const seed = await fulfillLatest(p, p.datasetId);

      const after = await p.datasetRegistry.read.holders([p.datasetId]);
      const taken = (provider: Address) => holders.includes(provider);
      const expected = placementDraw({ seed, column: 4, entries, range: entries.length, requestedAt, taken });
      assert.equal(after[4], expected!.holder);
      assert.ok(!holders.includes(after[4]!));
      assert.equal((await p.datasetRegistry.read.accepted([p.datasetId]))[4], false, "the new holder has not accepted yet");
      assert.deepEqual([...after.slice(0, 4), ...after.slice(5)], [...holders.slice(0, 4), ...holders.slice(5)]);
      assert.equal((await p.stakeManager.read.stakeOf([leaving.account.address])).locked, 0n, "released with its last column");
    });

    it("rejects unknown datasets and columns", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.reassign([p.datasetId, 11n]),
        p.datasetRegistry,
        "DatasetRegistryUnknownColumn",
        [p.datasetId, 11n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.reassign([5n, 0n]),
        p.datasetRegistry,
        "DatasetRegistryUnknownDataset",
        [5n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(p.datasetRegistry.write.applyRedraw([5n]), p.datasetRegistry, "DatasetRegistryUnknownDataset", [5n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.applyRedraw([p.datasetId]),
        p.datasetRegistry,
        "DatasetRegistryNoRedrawWaiting",
        [p.datasetId],
      );
    });

    it("waits for the placement before any reassignment", async () => {
      const p = await networkHelpers.loadFixture(withProviders);
      await p.datasetRegistry.write.register([REGISTRATION], { account: p.consumer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.reassign([1n, 0n]),
        p.datasetRegistry,
        "DatasetRegistryWrongStatus",
        [1n, DatasetStatus.Placing, DatasetStatus.Active],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.applyRedraw([1n]),
        p.datasetRegistry,
        "DatasetRegistryWrongStatus",
        [1n, DatasetStatus.Placing, DatasetStatus.Active],
      );
    });

    it("requests an unanswered redraw again after reassignCooldown and ignores the late answer (finding 6)", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      await p.datasetRegistry.write.exit({ account: walletOf(p, holders[2]!).account });
      await p.datasetRegistry.write.reassign([p.datasetId, 2n]);
      const [, first] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: p.datasetId }, { fromBlock: 0n });
      // The VRF never answers: after the cooldown the redraw is requested anew.
      await networkHelpers.time.increase(REASSIGN_COOLDOWN);
      await p.datasetRegistry.write.reassign([p.datasetId, 2n], { account: p.outsider.account });
      const [, , second] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: p.datasetId }, { fromBlock: 0n });
      await viem.assertions.emitWithArgs(
        p.vrfCoordinator.write.fulfillRandomWords([first!.args.requestId!, p.datasetRegistry.address]),
        p.datasetRegistry,
        "PlacementAnswerIgnored",
        [p.datasetId, 2n, first!.args.requestId!],
      );
      assert.equal((await p.datasetRegistry.read.holders([p.datasetId]))[2], holders[2], "the late answer changed nothing");
      assert.equal((await p.datasetRegistry.read.columnState([p.datasetId, 2n])).redrawPending, true);
      await viem.assertions.emit(
        p.vrfCoordinator.write.fulfillRandomWords([second!.args.requestId!, p.datasetRegistry.address]),
        p.datasetRegistry,
        "ColumnPlaced",
      );
      assert.notEqual((await p.datasetRegistry.read.holders([p.datasetId]))[2], holders[2]);
    });

    it("redraws one column of a dataset at a time, so no relayer chooses the order words land in; an unanswered one is superseded after the cooldown", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      for (const column of [2, 3]) await p.datasetRegistry.write.exit({ account: walletOf(p, holders[column]!).account });
      await p.datasetRegistry.write.reassign([p.datasetId, 2n]);
      const first = (await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: p.datasetId }, { fromBlock: 0n })).at(-1)!.args;
      assert.equal(await p.datasetRegistry.read.reassignable([p.datasetId]), 0n, "nothing offered while a redraw is in flight");
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.reassign([p.datasetId, 3n], { account: p.outsider.account }),
        p.datasetRegistry,
        "DatasetRegistryRedrawInFlight",
        [p.datasetId, 2n],
      );
      // The VRF never answers column 2: after the cooldown, column 3's redraw supersedes it.
      await networkHelpers.time.increase(REASSIGN_COOLDOWN);
      assert.equal(await p.datasetRegistry.read.reassignable([p.datasetId]), (1n << 2n) | (1n << 3n));
      await p.datasetRegistry.write.reassign([p.datasetId, 3n], { account: p.outsider.account });
      const second = (await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: p.datasetId }, { fromBlock: 0n })).at(-1)!.args;
      assert.equal((await p.datasetRegistry.read.columnState([p.datasetId, 2n])).redrawPending, false, "superseded");
      const redraw = await p.datasetRegistry.read.redrawOf([p.datasetId]);
      assert.deepEqual(redraw, { column: 3, requestedAt: await networkHelpers.time.latest(), range: second.range!, answered: false });
      await viem.assertions.emitWithArgs(
        p.vrfCoordinator.write.fulfillRandomWords([first.requestId!, p.datasetRegistry.address]),
        p.datasetRegistry,
        "PlacementAnswerIgnored",
        [p.datasetId, 2n, first.requestId!],
      );
      assert.equal((await p.datasetRegistry.read.holders([p.datasetId]))[2], holders[2], "the superseded answer changed nothing");
      const entries = await p.datasetRegistry.read.providerList();
      const seed = await fulfillLatest(p, p.datasetId);
      const expected = placementDraw({ seed, column: 3, entries, range: redraw.range, requestedAt: redraw.requestedAt, taken: (a) => holders.includes(a) });
      assert.equal((await p.datasetRegistry.read.holders([p.datasetId]))[3], expected!.holder);
      assert.equal(await p.datasetRegistry.read.reassignable([p.datasetId]), 1n << 2n, "column 2 next");
    });

    it("refuses a loop of paid redraws of an unplaceable column: one request per reassignCooldown (finding 7)", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      // Every provider outside the dataset leaves: a redrawn column finds no one.
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      for (const wallet of p.storageProviders.filter((w) => !holders.includes(getAddress(w.account.address)))) {
        await p.datasetRegistry.write.exit({ account: wallet.account });
      }
      await p.datasetRegistry.write.exit({ account: walletOf(p, holders[0]!).account });
      await p.datasetRegistry.write.reassign([p.datasetId, 0n], { account: p.outsider.account });
      await fulfillLatest(p, p.datasetId);
      assert.equal((await p.datasetRegistry.read.holders([p.datasetId]))[0], zeroAddress, "unplaced: reassignable again");
      const requests = async () => (await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: p.datasetId }, { fromBlock: 0n })).length;
      const before = await requests();
      const { redrawRequestedAt } = await p.datasetRegistry.read.columnState([p.datasetId, 0n]);
      for (let i = 0; i < 3; i++) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.datasetRegistry.write.reassign([p.datasetId, 0n], { account: p.outsider.account }),
          p.datasetRegistry,
          "DatasetRegistryReassignTooSoon",
          [p.datasetId, 0n, BigInt(redrawRequestedAt) + REASSIGN_COOLDOWN],
        );
      }
      assert.equal(await requests(), before, "no VRF request paid");
      assert.equal(await p.datasetRegistry.read.reassignable([p.datasetId]), 0n, "cooling down");
      await networkHelpers.time.setNextBlockTimestamp(BigInt(redrawRequestedAt) + REASSIGN_COOLDOWN);
      await p.datasetRegistry.write.reassign([p.datasetId, 0n], { account: p.outsider.account });
      assert.equal(await requests(), before + 1);
    });

    it("redraws a column its holder did not accept within acceptancePeriod (finding 5)", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const { placedAt } = await p.datasetRegistry.read.columnState([p.datasetId, 7n]);
      const deadline = BigInt(placedAt) + ACCEPTANCE_PERIOD;
      await networkHelpers.time.setNextBlockTimestamp(deadline - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.reassign([p.datasetId, 7n]),
        p.datasetRegistry,
        "DatasetRegistryColumnNotReassignable",
        [p.datasetId, 7n],
      );
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      await p.datasetRegistry.write.reassign([p.datasetId, 7n]);
      assert.equal((await p.datasetRegistry.read.columnState([p.datasetId, 7n])).redrawPending, true);
    });
  });

  describe("acceptColumn", () => {
    it("lets the holder accept its column once, and nobody else", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      const holder = walletOf(p, holders[6]!);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.acceptColumn([p.datasetId, 6n], { account: p.outsider.account }),
        p.datasetRegistry,
        "DatasetRegistryNotHolder",
        [p.datasetId, 6n, p.outsider.account.address, holders[6]!],
      );
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.acceptColumn([p.datasetId, 6n], { account: holder.account }),
        p.datasetRegistry,
        "ColumnAccepted",
        [p.datasetId, 6n, holder.account.address],
      );
      assert.deepEqual(await p.datasetRegistry.read.accepted([p.datasetId]), Array.from({ length: 11 }, (_, i) => i === 6));
      assert.equal(await p.datasetRegistry.read.acceptanceListener(), getAddress(p.storageProofs.address));
      const [prepared] = await p.storageProofs.getEvents.ColumnPrepared({ datasetId: p.datasetId }, { fromBlock: 0n });
      assert.deepEqual(prepared!.args, { datasetId: p.datasetId, column: 6n, holder: getAddress(holder.account.address), version: 1n });
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.acceptColumn([p.datasetId, 6n], { account: holder.account }),
        p.datasetRegistry,
        "DatasetRegistryAlreadyAccepted",
        [p.datasetId, 6n],
      );
    });

    it("refuses an acceptance at or after placedAt + acceptancePeriod (finding 5)", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      const { placedAt } = await p.datasetRegistry.read.columnState([p.datasetId, 3n]);
      const deadline = BigInt(placedAt) + ACCEPTANCE_PERIOD;
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.acceptColumn([p.datasetId, 3n], { account: walletOf(p, holders[3]!).account }),
        p.datasetRegistry,
        "DatasetRegistryAcceptanceOverdue",
        [p.datasetId, 3n, deadline],
      );
      assert.equal((await p.datasetRegistry.read.accepted([p.datasetId]))[3], false);
    });
  });

  describe("reportFaulty", () => {
    it("is closed to accounts without FAULT_REPORTER_ROLE", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.reportFaulty([p.datasetId, 0n], { account: p.outsider.account }),
        p.datasetRegistry,
        "AccessControlUnauthorizedAccount",
        [p.outsider.account.address, keccak256(stringToHex("FAULT_REPORTER_ROLE"))],
      );
    });
  });

  describe("settle", () => {
    it("pays each holder its share after the term and refunds the rounding, once", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      for (const [column, holder] of holders.entries()) {
        await p.datasetRegistry.write.acceptColumn([p.datasetId, BigInt(column)], { account: walletOf(p, holder).account });
      }
      const { endsAt } = await p.datasetRegistry.read.getDataset([p.datasetId]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.settle([p.datasetId]),
        p.datasetRegistry,
        "DatasetRegistryTermNotOver",
        [p.datasetId, BigInt(endsAt)],
      );
      await networkHelpers.time.setNextBlockTimestamp(endsAt);
      const before = await Promise.all(holders.map((h) => p.token.read.balanceOf([h])));
      const ownerBefore = await p.token.read.balanceOf([p.consumer.account.address]);
      const perColumn = REGISTRATION.payment / 11n;
      await viem.assertions.emitWithArgs(p.datasetRegistry.write.settle([p.datasetId]), p.datasetRegistry, "DatasetSettled", [
        p.datasetId,
        perColumn,
        REGISTRATION.payment - perColumn * 11n,
      ]);
      for (const [i, h] of holders.entries()) {
        assert.equal(await p.token.read.balanceOf([h]), before[i]! + perColumn);
      }
      assert.equal(await p.token.read.balanceOf([p.consumer.account.address]), ownerBefore + 7n);
      assert.equal(await p.token.read.balanceOf([p.datasetRegistry.address]), 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.settle([p.datasetId]),
        p.datasetRegistry,
        "DatasetRegistryWrongStatus",
        [p.datasetId, DatasetStatus.Settled, DatasetStatus.Active],
      );
    });

    it("pays nothing to a holder that never accepted its column; its share returns to the owner (finding 5)", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      // Every holder but those of columns 2 and 9 accepts.
      for (const [column, holder] of holders.entries()) {
        if (column !== 2 && column !== 9) {
          await p.datasetRegistry.write.acceptColumn([p.datasetId, BigInt(column)], { account: walletOf(p, holder).account });
        }
      }
      const { endsAt } = await p.datasetRegistry.read.getDataset([p.datasetId]);
      await networkHelpers.time.setNextBlockTimestamp(endsAt);
      const idle = [holders[2]!, holders[9]!];
      const idleBefore = await Promise.all(idle.map((h) => p.token.read.balanceOf([h])));
      const ownerBefore = await p.token.read.balanceOf([p.consumer.account.address]);
      const perColumn = REGISTRATION.payment / 11n;
      const refund = REGISTRATION.payment - perColumn * 9n;
      await viem.assertions.emitWithArgs(p.datasetRegistry.write.settle([p.datasetId]), p.datasetRegistry, "DatasetSettled", [p.datasetId, perColumn, refund]);
      assert.deepEqual(await Promise.all(idle.map((h) => p.token.read.balanceOf([h]))), idleBefore, "never accepted: never paid");
      assert.equal(await p.token.read.balanceOf([p.consumer.account.address]), ownerBefore + refund);
      assert.equal(await p.token.read.balanceOf([p.datasetRegistry.address]), 0n);
      for (const holder of idle) assert.equal((await p.stakeManager.read.stakeOf([holder])).locked, PROVIDER_STAKE, "still a provider, stake kept locked");
    });
  });

  describe("views for storage proofs", () => {
    it("columnOf gives a column's holder and root in one call, and rejects unknown columns", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      for (const column of [0, 10]) {
        assert.deepEqual(await p.datasetRegistry.read.columnOf([p.datasetId, BigInt(column)]), [holders[column], REGISTRATION.columnRoots[column]]);
      }
      for (const [datasetId, column] of [[p.datasetId, 11n], [p.datasetId, 254n], [p.datasetId, 255n], [p.datasetId, 2n ** 256n - 1n], [7n, 0n]] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.datasetRegistry.read.columnOf([datasetId, column]),
          p.datasetRegistry,
          "DatasetRegistryUnknownColumn",
          [datasetId, column],
        );
      }
    });

    it("columnOf gives no holder while the dataset is being placed", async () => {
      const p = await networkHelpers.loadFixture(withProviders);
      await p.datasetRegistry.write.register([REGISTRATION], { account: p.consumer.account });
      assert.deepEqual(await p.datasetRegistry.read.columnOf([1n, 3n]), [zeroAddress, REGISTRATION.columnRoots[3]]);
    });

    it("auditable sets the bits of sound columns accepted by the given time, only while Active", async () => {
      const p = await networkHelpers.loadFixture(withPlacedDataset);
      const holders = await p.datasetRegistry.read.holders([p.datasetId]);
      assert.equal(await p.datasetRegistry.read.auditable([p.datasetId, 2n ** 40n]), 0n);
      await p.datasetRegistry.write.acceptColumn([p.datasetId, 1n], { account: walletOf(p, holders[1]!).account });
      const acceptedAt = BigInt(await networkHelpers.time.latest());
      await p.datasetRegistry.write.acceptColumn([p.datasetId, 9n], { account: walletOf(p, holders[9]!).account });
      assert.equal(await p.datasetRegistry.read.auditable([p.datasetId, acceptedAt - 1n]), 0n);
      assert.equal(await p.datasetRegistry.read.auditable([p.datasetId, acceptedAt]), 1n << 1n);
      assert.equal(await p.datasetRegistry.read.auditable([p.datasetId, acceptedAt + 1n]), (1n << 1n) | (1n << 9n));
      assert.equal(await p.datasetRegistry.read.auditable([5n, acceptedAt + 1n]), 0n, "unknown dataset");
      const { endsAt } = await p.datasetRegistry.read.getDataset([p.datasetId]);
      await networkHelpers.time.setNextBlockTimestamp(endsAt);
      await p.datasetRegistry.write.settle([p.datasetId]);
      assert.equal(await p.datasetRegistry.read.auditable([p.datasetId, BigInt(endsAt)]), 0n, "settled");
    });
  });

  describe("with a fault reporter", () => {
    /**
     * A standalone registry and StakeManager (beneficiary share 50%) whose FAULT_REPORTER_ROLE is held
     * by the deployer (StorageProofs' role), providers staked 2,000 each, dataset 1 placed.
     */
    async function withReporter() {
      const p = await deployProtocol();
      const admin = p.deployer.account.address;
      const treasury = p.outsider.account.address;
      const stakeManager = await viem.deployContract("StakeManager", [p.token.address, treasury, 1n, 5000, admin]);
      const { subscriptionId, keyHash, callbackGasLimit, requestConfirmations } = await p.committee.read.config();
      const registry = await viem.deployContract("DatasetRegistry", [
        p.vrfCoordinator.address,
        p.governance.address,
        stakeManager.address,
        PROVIDER_STAKE,
        FAULT_PENALTY,
        PERIODS,
        { keyHash, subscriptionId, callbackGasLimit, requestConfirmations },
        admin,
      ]);
      await stakeManager.write.grantRole([keccak256(stringToHex("MODULE_ROLE")), registry.address]);
      await registry.write.grantRole([keccak256(stringToHex("FAULT_REPORTER_ROLE")), admin]);
      await p.vrfCoordinator.write.addConsumer([subscriptionId, registry.address]);
      for (const wallet of p.storageProviders) {
        await p.token.write.approve([stakeManager.address, PROVIDER_STAKE * 2n], { account: wallet.account });
        await stakeManager.write.stake([PROVIDER_STAKE * 2n], { account: wallet.account });
        await registry.write.join([endpointOf(wallet.account.address)], { account: wallet.account });
      }
      await p.token.write.approve([registry.address, REGISTRATION.payment], { account: p.consumer.account });
      await registry.write.register([REGISTRATION], { account: p.consumer.account });
      const [requested] = await registry.getEvents.PlacementRequested({}, { fromBlock: 0n });
      await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, registry.address]);
      await registry.write.applyPlacement([1n, 11n]);
      return { ...p, registry, stakeManager, treasury };
    }

    /** Answers the registry's latest VRF request (and applies a whole placement). */
    async function fulfillRegistry(p: Awaited<ReturnType<typeof withReporter>>) {
      const events = await p.registry.getEvents.PlacementRequested({}, { fromBlock: 0n });
      const { requestId, column, datasetId } = events.at(-1)!.args;
      await p.vrfCoordinator.write.fulfillRandomWords([requestId!, p.registry.address]);
      if (column === WHOLE_PLACEMENT) await p.registry.write.applyPlacement([datasetId!, 11n]);
    }

    it("sets its acceptance listener once, by the admin only, and not to zero", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.registry.write.setAcceptanceListener([p.storageProofs.address], { account: p.outsider.account }),
        p.registry,
        "AccessControlUnauthorizedAccount",
        [getAddress(p.outsider.account.address), zeroHash],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(p.registry.write.setAcceptanceListener([zeroAddress]), p.registry, "DatasetRegistryInvalidParameter", [
        "listener",
      ]);
      // Without a listener an acceptance tells nobody.
      const holder = walletOf(p, (await p.registry.read.holders([1n]))[0]!);
      await p.registry.write.acceptColumn([1n, 0n], { account: holder.account });
      await viem.assertions.emitWithArgs(p.registry.write.setAcceptanceListener([p.storageProofs.address]), p.registry, "AcceptanceListenerSet", [
        getAddress(p.storageProofs.address),
      ]);
      assert.equal(await p.registry.read.acceptanceListener(), getAddress(p.storageProofs.address));
      await viem.assertions.revertWithCustomErrorWithArgs(p.registry.write.setAcceptanceListener([p.outsider.account.address]), p.registry, "DatasetRegistryListenerAlreadySet", [
        getAddress(p.storageProofs.address),
      ]);
    });

    it("leaves a column unaccepted when its listener refuses the acceptance", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      // The deployment's StorageProofs listens to another registry: it refuses this one's calls.
      await p.registry.write.setAcceptanceListener([p.storageProofs.address]);
      const holder = walletOf(p, (await p.registry.read.holders([1n]))[1]!);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.registry.write.acceptColumn([1n, 1n], { account: holder.account }),
        p.storageProofs,
        "StorageProofsNotRegistry",
        [getAddress(p.registry.address)],
      );
      assert.deepEqual(await p.registry.read.accepted([1n]), Array.from({ length: 11 }, () => false));
    });

    it("slashes the holder faultPenalty to the owner and treasury, once per faulty column", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      const holder = (await p.registry.read.holders([1n]))[2]!;
      const ownerBefore = await p.token.read.balanceOf([p.consumer.account.address]);
      const treasuryBefore = await p.token.read.balanceOf([p.treasury]);
      await viem.assertions.emitWithArgs(p.registry.write.reportFaulty([1n, 2n]), p.registry, "ColumnFaulty", [1n, 2n, holder, FAULT_PENALTY]);
      assert.equal(await p.token.read.balanceOf([p.consumer.account.address]), ownerBefore + FAULT_PENALTY / 2n);
      assert.equal(await p.token.read.balanceOf([p.treasury]), treasuryBefore + FAULT_PENALTY / 2n);
      assert.equal(await p.registry.read.lockedStakeOf([holder]), PROVIDER_STAKE - FAULT_PENALTY);
      const s = await p.stakeManager.read.stakeOf([holder]);
      assert.equal(s.locked, PROVIDER_STAKE - FAULT_PENALTY);
      assert.equal(s.available, PROVIDER_STAKE);
      assert.ok(!(await p.registry.read.providers()).includes(holder), "under-staked: no new columns");
      assert.equal(await p.registry.read.auditable([1n, 2n ** 40n]), 0n, "a faulty column is not auditable");
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.registry.write.reportFaulty([1n, 2n]),
        p.registry,
        "DatasetRegistryColumnNotReportable",
        [1n, 2n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.registry.write.reportFaulty([1n, 11n]),
        p.registry,
        "DatasetRegistryUnknownColumn",
        [1n, 11n],
      );
    });

    it("never slashes more than the stake still booked", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      // 3 datasets x 11 columns on 14 providers: some provider holds a column of each.
      for (const datasetId of [2n, 3n]) {
        await p.token.write.approve([p.registry.address, REGISTRATION.payment], { account: p.consumer.account });
        await p.registry.write.register([REGISTRATION], { account: p.consumer.account });
        await fulfillRegistry(p);
        assert.equal((await p.registry.read.getDataset([datasetId])).status, DatasetStatus.Active);
      }
      const placements = await Promise.all([1n, 2n, 3n].map((id) => p.registry.read.holders([id])));
      const holder = placements[0]!.find((h) => placements.every((holders) => holders.includes(h)))!;
      const slashed = [FAULT_PENALTY, FAULT_PENALTY, PROVIDER_STAKE - 2n * FAULT_PENALTY];
      for (const [i, holders] of placements.entries()) {
        const column = BigInt(holders.indexOf(holder));
        await viem.assertions.emitWithArgs(p.registry.write.reportFaulty([BigInt(i + 1), column]), p.registry, "ColumnFaulty", [
          BigInt(i + 1),
          column,
          holder,
          slashed[i]!,
        ]);
      }
      assert.equal(await p.registry.read.lockedStakeOf([holder]), 0n);
      const s = await p.stakeManager.read.stakeOf([holder]);
      assert.equal(s.locked, 0n, "all of the registry's lock slashed, nothing more");
      assert.equal(s.available, PROVIDER_STAKE, "the unlocked half untouched");
    });

    it("tops a rejoining provider up to providerStake and releases exactly that", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      const holder = (await p.registry.read.holders([1n]))[0]!;
      await p.registry.write.reportFaulty([1n, 0n]);
      const wallet = walletOf(p, holder);
      // Back in the set with its stake topped up to providerStake.
      await viem.assertions.emitWithArgs(
        p.registry.write.join([endpointOf(holder)], { account: wallet.account }),
        p.registry,
        "ProviderJoined",
        [holder, PROVIDER_STAKE, endpointOf(holder)],
      );
      assert.equal((await p.stakeManager.read.stakeOf([holder])).locked, PROVIDER_STAKE);
      assert.equal(await p.registry.read.lockedStakeOf([holder]), PROVIDER_STAKE);
      // Its faulty column moves away; it keeps its stake locked while a provider.
      await p.registry.write.reassign([1n, 0n]);
      await fulfillRegistry(p);
      assert.notEqual((await p.registry.read.holders([1n]))[0], holder);
      assert.equal(await p.registry.read.lockedStakeOf([holder]), PROVIDER_STAKE);
      await viem.assertions.emitWithArgs(p.registry.write.exit({ account: wallet.account }), p.registry, "ProviderReleased", [holder, PROVIDER_STAKE]);
      assert.equal((await p.stakeManager.read.stakeOf([holder])).locked, 0n);
      assert.equal(await p.registry.read.lockedStakeOf([holder]), 0n);
    });

    it("releases the unslashed rest once a removed holder's last column is redrawn", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      const holder = (await p.registry.read.holders([1n]))[5]!;
      await p.registry.write.reportFaulty([1n, 5n]);
      await p.registry.write.reassign([1n, 5n]);
      const events = await p.registry.getEvents.PlacementRequested({}, { fromBlock: 0n });
      await viem.assertions.emitWithArgs(
        p.vrfCoordinator.write.fulfillRandomWords([events.at(-1)!.args.requestId!, p.registry.address]),
        p.registry,
        "ProviderReleased",
        [holder, PROVIDER_STAKE - FAULT_PENALTY],
      );
      const s = await p.stakeManager.read.stakeOf([holder]);
      assert.equal(s.locked, 0n);
      assert.equal(s.available, PROVIDER_STAKE * 2n - FAULT_PENALTY);
    });

    it("lets a faulty column be redrawn and pays a faulty holder nothing", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      const holders = await p.registry.read.holders([1n]);
      for (const [column, holder] of holders.entries()) {
        await p.registry.write.acceptColumn([1n, BigInt(column)], { account: walletOf(p, holder).account });
      }
      await p.registry.write.reportFaulty([1n, 2n]);
      const { endsAt } = await p.registry.read.getDataset([1n]);
      await networkHelpers.time.setNextBlockTimestamp(endsAt);
      const faultyBefore = await p.token.read.balanceOf([holders[2]!]);
      const perColumn = REGISTRATION.payment / 11n;
      await viem.assertions.emitWithArgs(p.registry.write.settle([1n]), p.registry, "DatasetSettled", [
        1n,
        perColumn,
        REGISTRATION.payment - perColumn * 10n,
      ]);
      assert.equal(await p.token.read.balanceOf([holders[2]!]), faultyBefore);
      assert.equal((await p.stakeManager.read.stakeOf([holders[2]!])).locked, 0n, "the rest released at settlement");
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.registry.write.reportFaulty([1n, 3n]),
        p.registry,
        "DatasetRegistryWrongStatus",
        [1n, DatasetStatus.Settled, DatasetStatus.Active],
      );
    });

    it("redraws a faulty column onto a provider outside the dataset, which must accept it anew", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      const holders = await p.registry.read.holders([1n]);
      await p.registry.write.acceptColumn([1n, 0n], { account: walletOf(p, holders[0]!).account });
      await p.registry.write.reportFaulty([1n, 0n]);
      await p.registry.write.reassign([1n, 0n]);
      await fulfillRegistry(p);
      const after = await p.registry.read.holders([1n]);
      assert.ok(!holders.includes(after[0]!), "the new holder held no column of the dataset");
      assert.notEqual(after[0], zeroAddress);
      assert.equal((await p.registry.read.accepted([1n]))[0], false);
    });

    it("reports an unplaced column as not reportable", async () => {
      const p = await networkHelpers.loadFixture(withReporter);
      // Every provider but the dataset's holders leaves, so the redraw finds nobody.
      const holders = await p.registry.read.holders([1n]);
      for (const wallet of p.storageProviders.filter((w) => !holders.includes(w.account.address))) {
        await p.registry.write.exit({ account: wallet.account });
      }
      await p.registry.write.reportFaulty([1n, 4n]);
      await p.registry.write.reassign([1n, 4n]);
      await fulfillRegistry(p);
      assert.equal((await p.registry.read.holders([1n]))[4], zeroAddress);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.registry.write.reportFaulty([1n, 4n]),
        p.registry,
        "DatasetRegistryColumnNotReportable",
        [1n, 4n],
      );
    });
  });

  it("rejects invalid constructor parameters by name", async () => {
    const p = await networkHelpers.loadFixture(deployProtocol);
    const { subscriptionId, keyHash, callbackGasLimit, requestConfirmations } = await p.committee.read.config();
    const vrf = { keyHash, subscriptionId, callbackGasLimit, requestConfirmations };
    const admin = p.deployer.account.address;
    const [coordinator, governance, stakeManager] = [p.vrfCoordinator.address, p.governance.address, p.stakeManager.address];
    const cases = [
      ["stakeManager", [coordinator, governance, zeroAddress, 1n, 1n, PERIODS, vrf, admin]],
      ["providerStake", [coordinator, governance, stakeManager, 0n, 0n, PERIODS, vrf, admin]],
      ["faultPenalty", [coordinator, governance, stakeManager, 1n, 0n, PERIODS, vrf, admin]],
      ["faultPenalty", [coordinator, governance, stakeManager, 1n, 2n, PERIODS, vrf, admin]],
      ["placementTimeout", [coordinator, governance, stakeManager, 1n, 1n, { ...PERIODS, placementTimeout: 0 }, vrf, admin]],
      ["acceptancePeriod", [coordinator, governance, stakeManager, 1n, 1n, { ...PERIODS, acceptancePeriod: 0 }, vrf, admin]],
      ["reassignCooldown", [coordinator, governance, stakeManager, 1n, 1n, { ...PERIODS, reassignCooldown: 0 }, vrf, admin]],
      ["admin", [coordinator, governance, stakeManager, 1n, 1n, PERIODS, vrf, zeroAddress]],
    ] as const;
    for (const [name, args] of cases) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("DatasetRegistry", args as never),
        p.datasetRegistry,
        "DatasetRegistryInvalidParameter",
        [name],
      );
    }
  });
});
