import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { network } from "hardhat";
import { pino } from "pino";
import { type Address, getContract, type Hash, parseAbi } from "viem";
import { relayDrandBeacons, type RelayDrandBeaconsParameters } from "../../../keepers/src/automation/relayDrandBeacons.ts";
import { startTestBeaconServer, testBeaconKey, type TestBeaconKey, type TestBeaconServer } from "../drand/testBeacon.ts";

const silent = pino({ level: "silent" });
const PERIOD = 3n;
const MIN_DELAY = 30n;
const CONSUMER_DOUBLE_ABI = parseAbi([
  "function request(uint32 callbackGasLimit, uint32 numWords) returns (uint256)",
  "function lastRequestId() view returns (uint256)",
  "function callbacks() view returns (uint256)",
]);
/** RequestStatus: Pending, Fulfilled. */
const PENDING = 1;
const FULFILLED = 2;

const { viem, networkHelpers } = await network.create();

describe("relayDrandBeacons: the automation role's drand relay", () => {
  let key: TestBeaconKey;
  let clock: bigint;
  let genesisTime: bigint;
  let honest: TestBeaconServer;
  let lying: TestBeaconServer;

  before(async () => {
    key = await testBeaconKey(0x5eed5eed5eedn);
    const latest = await (await viem.getPublicClient()).getBlock();
    genesisTime = latest.timestamp - 3600n;
    clock = latest.timestamp;
    honest = await startTestBeaconServer({ key, genesisTime, period: PERIOD, now: () => clock });
    // Serves the next round's signature instead: well-formed, but not this round's.
    lying = await startTestBeaconServer({ key, genesisTime, period: PERIOD, now: () => clock, tamper: (round) => key.sign(round + 1n) });
  });
  after(async () => {
    await honest?.close();
    await lying?.close();
  });

  async function deploy() {
    const [wallet] = await viem.getWalletClients();
    const publicClient = await viem.getPublicClient();
    const coordinator = await viem.deployContract("DrandBeaconCoordinator", [key.publicKey, genesisTime, PERIOD, MIN_DELAY]);
    const consumers = await Promise.all(
      [0, 1].map(async () => {
        const { address }: { address: Address } = await viem.deployContract("DrandConsumerDouble", [coordinator.address]);
        return getContract({ address, abi: CONSUMER_DOUBLE_ABI, client: { public: publicClient, wallet: wallet! } });
      }),
    );
    const chain = {
      publicClient,
      walletClient: wallet!,
      account: wallet!.account,
      send: async (transaction: () => Promise<Hash>) => {
        const receipt = await publicClient.waitForTransactionReceipt({ hash: await transaction() });
        assert.equal(receipt.status, "success");
        return receipt;
      },
    } as unknown as RelayDrandBeaconsParameters["chain"];
    return { coordinator, ours: consumers[0]!, theirs: consumers[1]!, chain };
  }

  /** One relay pass against `server`, for requests of `consumer`. */
  function pass(d: Awaited<ReturnType<typeof deploy>>, server: TestBeaconServer, cursor = { nextId: 1n }) {
    return relayDrandBeacons({
      chain: d.chain,
      coordinator: d.coordinator.address,
      url: server.url,
      consumers: [d.ours.address],
      cursor,
      log: silent,
      signal: new AbortController().signal,
      now: () => clock,
    });
  }

  it("waits for the round's time, then fetches, verifies and relays it", async () => {
    const d = await networkHelpers.loadFixture(deploy);
    await d.ours.write.request([200_000, 1]);
    const request = await d.coordinator.read.getRequest([1n]);
    const roundTime = await d.coordinator.read.roundTime([request.round]);
    clock = roundTime - 1n;
    const before = honest.requested.length;
    assert.equal(await pass(d, honest), 0);
    assert.equal(honest.requested.length, before, "nothing fetched before the round's time");
    clock = roundTime;
    const cursor = { nextId: 1n };
    assert.equal(await pass(d, honest, cursor), 1);
    assert.equal((await d.coordinator.read.getRequest([1n])).status, FULFILLED);
    assert.equal(await d.ours.read.callbacks(), 1n);
    assert.equal(cursor.nextId, 2n, "the cursor moves past settled requests");
    assert.equal(await pass(d, honest, cursor), 0, "a second pass sends nothing");
  });

  it("refuses a beacon that does not verify locally: no transaction, the request stays Pending", async () => {
    const d = await networkHelpers.loadFixture(deploy);
    await d.ours.write.request([200_000, 1]);
    const { round } = await d.coordinator.read.getRequest([1n]);
    clock = await d.coordinator.read.roundTime([round]);
    const nonce = await d.chain.publicClient.getTransactionCount({ address: d.chain.account.address });
    assert.equal(await pass(d, lying), 0);
    assert.equal(await d.chain.publicClient.getTransactionCount({ address: d.chain.account.address }), nonce);
    assert.equal((await d.coordinator.read.getRequest([1n])).status, PENDING);
    assert.equal(await pass(d, honest), 1, "the honest endpoint's beacon goes through");
  });

  it("leaves other consumers' requests alone, and carries on when the endpoint is down", async () => {
    const d = await networkHelpers.loadFixture(deploy);
    await d.theirs.write.request([200_000, 1]);
    await d.ours.write.request([200_000, 1]);
    const { round } = await d.coordinator.read.getRequest([2n]);
    clock = await d.coordinator.read.roundTime([round]);
    const down = { ...honest, url: "http://127.0.0.1:1" };
    assert.equal(await pass(d, down), 0);
    const cursor = { nextId: 1n };
    assert.equal(await pass(d, honest, cursor), 1);
    assert.equal((await d.coordinator.read.getRequest([1n])).status, PENDING, "not our consumer: not relayed");
    assert.equal((await d.coordinator.read.getRequest([2n])).status, FULFILLED);
    assert.equal(cursor.nextId, 3n);
  });
});
