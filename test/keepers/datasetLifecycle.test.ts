import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { type Address, createPublicClient, createWalletClient, http, parseAbi, parseEther, parseEventLogs, toHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { connectProtocol, type ProtocolConnection } from "../../keepers/src/chain/protocolContracts.ts";
import { createHeliaContentStore, type HeliaContentStore } from "../../keepers/src/content/heliaContentStore.ts";
import { readDatasetOnChain, registerDataset } from "../../keepers/src/datasets/datasetOnChain.ts";
import { fetchDataset } from "../../keepers/src/datasets/fetchDataset.ts";
import { mnistRecords } from "../../keepers/src/datasets/mnistRecords.ts";
import { packageDataset, type PackagedDataset } from "../../keepers/src/datasets/packageDataset.ts";
import { startDevnet, type Devnet } from "../../keepers/src/devnet/startDevnet.ts";
import { StorageProver } from "../../keepers/src/proofs/storageProver.ts";
import { runStorageRole } from "../../keepers/src/storage/storageRole.ts";
import { loadMnist } from "../../keepers/src/training/mnist.ts";
import { holdDevnetSlot } from "../harness/devnetSlot.ts";

// Half the devnet slot: beside the other in-process devnet file at most (test/harness/devnetSlot.ts).
await holdDevnetSlot({ units: 1 });

const PORT = 8596;
const PROVIDERS = 12;
const log = pino({ level: "silent" });
/** Hardhat's development accounts. */
const keyOf = (index: number): Hex => toHex(mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: index }).getHdKey().privateKey!);

/** Answers VRF request `requestId` of `consumer` on the devnet's coordinator mock. */
async function answerVrfOn(devnet: Devnet, requestId: bigint, consumer: Address) {
  const vrf = createWalletClient({ account: mnemonicToAccount("test test test test test test test test test test test junk"), transport: http(devnet.rpcUrl) });
  const publicClient = createPublicClient({ transport: http(devnet.rpcUrl) });
  await publicClient.waitForTransactionReceipt({
    hash: await vrf.writeContract({
      chain: null,
      address: devnet.addresses.VRFCoordinatorV2_5Mock,
      abi: parseAbi(["function fulfillRandomWords(uint256 requestId, address consumer)"]),
      functionName: "fulfillRandomWords",
      args: [requestId, consumer],
    }),
  });
}

type Provider = { chain: ProtocolConnection; store: HeliaContentStore; controller: AbortController; role: Promise<void>; dataDir: string };

describe("dataset lifecycle on a devnet (chain node on 127.0.0.1, Helia peers over loopback bitswap)", { timeout: 1_500_000 }, () => {
  let devnet: Devnet;
  let work: string;
  let owner: { chain: ProtocolConnection; store: HeliaContentStore };
  const providers: Provider[] = [];
  let packaged: PackagedDataset;
  let records: Uint8Array;
  let datasetId: bigint;
  let prover: StorageProver;
  const answerVrf = (requestId: bigint, consumer: Address) => answerVrfOn(devnet, requestId, consumer);

  before(async () => {
    devnet = await startDevnet({ port: PORT, log });
    prover = await StorageProver.load();
    work = await mkdtemp(join(tmpdir(), "veritrain-lifecycle-"));
    const connect = (index: number) => connectProtocol({ rpcUrl: devnet.rpcUrl, privateKey: keyOf(index), addresses: devnet.addresses });
    const deployer = await connect(0);
    owner = { chain: await connect(1), store: await createHeliaContentStore({ directory: join(work, "owner"), listen: true }) };
    await deployer.send(() => deployer.contracts.VeritrainToken.write.transfer([owner.chain.account.address, parseEther("1000")]));
    const providerStake = await deployer.contracts.DatasetRegistry.read.providerStake();
    for (let i = 0; i < PROVIDERS; i++) {
      const chain = await connect(2 + i);
      const dataDir = join(work, `provider-${i}`);
      const store = await createHeliaContentStore({ directory: join(dataDir, "ipfs"), listen: true, peers: owner.store.multiaddrs() });
      await deployer.send(() => deployer.contracts.VeritrainToken.write.transfer([chain.account.address, providerStake]));
      await chain.send(() => chain.contracts.VeritrainToken.write.approve([chain.contracts.StakeManager.address, providerStake]));
      await chain.send(() => chain.contracts.StakeManager.write.stake([providerStake]));
      await chain.send(() => chain.contracts.DatasetRegistry.write.join([store.multiaddrs()[0]!.toString()]));
      const controller = new AbortController();
      const role = runStorageRole({ chain, store, prover, dataDir, log, signal: controller.signal, pollMs: 200 });
      providers.push({ chain, store, controller, role, dataDir });
    }
  });

  after(async () => {
    for (const provider of providers) provider.controller.abort();
    await Promise.allSettled(providers.map((provider) => provider.role));
    await Promise.allSettled([owner?.store.close(), ...providers.map((provider) => provider.store.close())]);
    await devnet?.stop();
    await prover?.close();
    // A store may still be flushing a block as it closes: rm retries a directory that is not empty yet.
    if (work) await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it("packages MNIST, registers it, and every drawn provider checks, pins and accepts its column", async () => {
    const input = mnistRecords(loadMnist(), { limit: 300 });
    records = input.records;
    packaged = await packageDataset({ name: "mnist-600", ...input, k: 8, n: 11, shardSize: 16 << 10, columnTreeDepth: 13, store: owner.store });
    // The devnet's only verifier version is the development one (version 1).
    datasetId = await registerDataset({ chain: owner.chain, packaged, payment: parseEther("110"), term: 3600, verifierVersion: 1n });

    // The VRF mock answers when asked and anyone applies the placement: the automation keeper's jobs in the full devnet.
    const logs = await owner.chain.publicClient.getLogs({ address: owner.chain.contracts.DatasetRegistry.address, fromBlock: 0n });
    const [requested] = parseEventLogs({ abi: owner.chain.contracts.DatasetRegistry.abi, logs, eventName: "PlacementRequested" });
    await answerVrf(requested!.args.requestId, owner.chain.contracts.DatasetRegistry.address);
    await owner.chain.send(() => owner.chain.contracts.DatasetRegistry.write.applyPlacement([datasetId, 11n]));

    let onChain = await readDatasetOnChain(owner.chain, datasetId);
    for (let i = 0; i < 300 && !onChain.accepted.every(Boolean); i++) {
      await sleep(200);
      onChain = await readDatasetOnChain(owner.chain, datasetId);
    }
    assert.deepEqual(onChain.accepted, Array(11).fill(true));
    assert.equal(new Set(onChain.holders).size, 11);
    for (const [column, holder] of onChain.holders.entries()) {
      const provider = providers.find((p) => p.chain.account.address === holder)!;
      for (const stripe of packaged.manifest.shards) assert.ok(await provider.store.isPinned(stripe[column]!), `column ${column} pinned by its holder`);
    }
  });

  it("reports the dataset through the CLI", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["keepers/src/cli.ts", "--rpc-url", devnet.rpcUrl, "--deployment", devnet.deploymentFile, "--json", "dataset", "status", datasetId.toString()],
      { cwd: new URL("../..", import.meta.url) },
    );
    const status = JSON.parse(stdout);
    assert.equal(status.manifestCid, packaged.manifestCid.toString());
    assert.equal(status.status, "Active");
    assert.deepEqual(status.columns.map((column: { accepted: boolean }) => column.accepted), Array(11).fill(true));
  });

  it("answers an audit round: every holder proves its column with a real Groth16 proof, and the round closes clean", async () => {
    const storageProofs = owner.chain.contracts.StorageProofs;
    const receipt = await owner.chain.send(() => storageProofs.write.openRound([datasetId]));
    const [requested] = parseEventLogs({ abi: storageProofs.abi, logs: receipt.logs, eventName: "RoundRequested" });
    await answerVrf(requested!.args.requestId, storageProofs.address);
    let round = await storageProofs.read.currentRound([datasetId]);
    assert.equal(round.audited, (1n << 11n) - 1n);
    for (let i = 0; i < 1200 && round.proved !== round.audited; i++) {
      await sleep(500);
      round = await storageProofs.read.currentRound([datasetId]);
    }
    assert.equal(round.proved, round.audited, "every audited column proved before the deadline");
    // Any proof the holders kept verifies off-chain against what the chain anchors.
    const { holders } = await readDatasetOnChain(owner.chain, datasetId);
    const holderOfColumn0 = providers.find((p) => p.chain.account.address === holders[0])!;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "keepers/src/cli.ts",
        "--rpc-url",
        devnet.rpcUrl,
        "--deployment",
        devnet.deploymentFile,
        "--json",
        "proof",
        "verify",
        join(holderOfColumn0.dataDir, "proofs", `${datasetId}-${round.number}-0.json`),
      ],
      { cwd: new URL("../..", import.meta.url) },
    );
    assert.equal(JSON.parse(stdout).valid, true);

    await owner.chain.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(round.deadline - round.openedAt) + 1] as never });
    const closed = await owner.chain.send(() => storageProofs.write.closeRound([datasetId]));
    assert.equal(parseEventLogs({ abi: storageProofs.abi, logs: closed.logs, eventName: "ProofMissed" }).length, 0);
    const [roundClosed] = parseEventLogs({ abi: storageProofs.abi, logs: closed.logs, eventName: "RoundClosed" });
    assert.equal(roundClosed!.args.proved & ((1n << 11n) - 1n), (1n << 11n) - 1n);
  });

  it("fetches bit-identical data from the holders after three of them and the owner went away", async () => {
    const onChain = await readDatasetOnChain(owner.chain, datasetId);
    const gone = onChain.holders.slice(0, 3);
    for (const provider of providers.filter((p) => gone.includes(p.chain.account.address))) {
      provider.controller.abort();
      await provider.role;
      await provider.store.close();
    }
    await owner.store.close();

    const fetcher = await createHeliaContentStore({ directory: join(work, "fetcher"), listen: true });
    try {
      const reachable = await Promise.all(
        onChain.endpoints.map((endpoint) => fetcher.dial(endpoint, { signal: AbortSignal.timeout(60_000) }).then(() => true, () => false)),
      );
      assert.deepEqual(reachable, onChain.holders.map((holder) => !gone.includes(holder)));
      const bytes = await fetchDataset({ manifest: packaged.manifest, source: (column) => (reachable[column] ? fetcher : undefined) });
      assert.deepEqual(bytes, records);
    } finally {
      await fetcher.close();
    }
  });
});
