import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { type Abi, type Address, type Hex, parseEther, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { runAutomationRole } from "../../../keepers/src/automation/automationRole.ts";
import { DRAND_COORDINATOR_ABI } from "../../../keepers/src/automation/relayDrandBeacons.ts";
import { connectProtocol, type ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { startLocalChain, type LocalChain } from "../../harness/localChain.ts";
import { startTestBeaconServer, testBeaconKey, type TestBeaconServer } from "../drand/testBeacon.ts";

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const keyOf = (index: number) => toHex(mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: index }).getHdKey().privateKey!);
const PERIOD = 3n;
const MIN_DELAY = 6n;

/** Calls `functionName` on `address` as `from` (an impersonated contract: the timelock, Disputes). */
async function sendAs(chain: ProtocolConnection, from: Address, address: Address, abi: Abi, functionName: string, args: readonly unknown[]) {
  const request = (method: string, params: unknown[]) => chain.publicClient.request({ method: method as never, params: params as never });
  await request("hardhat_impersonateAccount", [from]);
  await request("hardhat_setBalance", [from, toHex(parseEther("1"))]);
  const hash = await chain.walletClient.writeContract({ address, abi, functionName, args, account: from, chain: null } as never);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success", `${functionName} as ${from}`);
}

describe("automation role with a drand beacon coordinator", { timeout: 120_000 }, () => {
  let chain: LocalChain;
  let server: TestBeaconServer;
  let keeper: ProtocolConnection;
  let work: string;

  before(async () => {
    chain = await startLocalChain();
    keeper = await connectProtocol({ rpcUrl: chain.rpcUrl, privateKey: keyOf(0), addresses: chain.addresses });
    work = mkdtempSync(join(tmpdir(), "veritrain-drand-"));
  });
  after(async () => {
    await server?.close();
    await chain?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("renews the committee request the replaced coordinator left unanswered and relays the beacon that draws it", async () => {
    const key = await testBeaconKey(0x0ddba11n);
    const genesisTime = (await keeper.publicClient.getBlock()).timestamp - 3600n;
    server = await startTestBeaconServer({ key, genesisTime, period: PERIOD, now: () => BigInt(Math.floor(Date.now() / 1000)) });
    const artifact = JSON.parse(
      readFileSync(new URL("../../../artifacts/contracts/randomness/DrandBeaconCoordinator.sol/DrandBeaconCoordinator.json", import.meta.url), "utf8"),
    ) as { abi: Abi; bytecode: Hex };
    const deployHash = await keeper.walletClient.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: [key.publicKey, genesisTime, PERIOD, MIN_DELAY],
      account: keeper.account,
      chain: null,
    });
    const coordinator = (await keeper.publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
    const { ValidatorCommittee: committee, Disputes: disputes } = keeper.contracts;
    // Disputes asks for a committee when a challenge opens; here it asks directly for dispute 1, of the VRF mock,
    // which nobody answers before governance replaces it.
    await sendAs(keeper, disputes.address, committee.address, committee.abi, "requestCommittee", [1n]);
    await sendAs(keeper, await committee.read.governance(), committee.address, committee.abi, "setCoordinator", [coordinator]);

    const controller = new AbortController();
    const automation = runAutomationRole({ chain: keeper, dataDir: work, log: silent, signal: controller.signal, drandUrl: server.url, pollMs: 200 });
    try {
      const getRequest = () => keeper.publicClient.readContract({ address: coordinator, abi: DRAND_COORDINATOR_ABI, functionName: "getRequest", args: [1n] });
      let request = await getRequest();
      for (const deadline = Date.now() + 20_000; request.status === 0 && Date.now() < deadline; request = await getRequest()) await sleep(300);
      assert.equal(request.consumer, committee.address, "the keeper renewed the request with the new coordinator");
      const requested = await committee.getEvents.CommitteeRequested({ disputeId: 1n }, { fromBlock: 0n });
      assert.equal(requested.length, 2);
      assert.equal(requested[1]!.args.requestId, 1n);
      assert.equal((await committee.read.requestOf([1n])).coordinatorEpoch, 1);

      // The chain's clock may run ahead of the wall clock (a block per deployment transaction): the beacon server
      // publishes by the wall clock, as drand does, so the keeper waits for the round in real time.
      const roundTime = genesisTime + (request.round - 1n) * PERIOD;
      let status = 1;
      const deadline = Date.now() + Number(roundTime - BigInt(Math.floor(Date.now() / 1000))) * 1000 + 20_000;
      while (status === 1 && Date.now() < deadline) {
        await sleep(300);
        status = (await keeper.publicClient.readContract({ address: coordinator, abi: DRAND_COORDINATOR_ABI, functionName: "getRequest", args: [1n] })).status;
      }
      assert.equal(status, 2, "Fulfilled by the automation keeper");
      assert.ok(server.requested.includes(request.round), "the keeper fetched the request's round");
      const [drawn] = await committee.getEvents.CommitteeDrawn({ disputeId: 1n }, { fromBlock: 0n });
      assert.ok(drawn, "the committee drew with the relayed word");
    } finally {
      controller.abort();
      await automation;
    }
  });
});
