import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, http, isAddressEqual, parseAbi, parseEther, toHex, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { connectProtocol, type ProtocolConnection } from "../../keepers/src/chain/protocolContracts.ts";
import { createHeliaContentStore, type HeliaContentStore } from "../../keepers/src/content/heliaContentStore.ts";
import { readDatasetOnChain, registerDataset } from "../../keepers/src/datasets/datasetOnChain.ts";
import { manifestBlockCid } from "../../keepers/src/datasets/manifest.ts";
import { mnistRecords } from "../../keepers/src/datasets/mnistRecords.ts";
import { packageDataset, type PackagedDataset } from "../../keepers/src/datasets/packageDataset.ts";
import { defaultJobSpec } from "../../keepers/src/jobs/defaultJobSpec.ts";
import { storeJobSpec } from "../../keepers/src/jobs/jobSpecBlock.ts";
import { loadMnist } from "../../keepers/src/training/mnist.ts";
import { startLocalChain, type LocalChain } from "./localChain.ts";

const MNEMONIC = "test test test test test test test test test test test junk";

/** A local chain with the protocol, funded accounts and Helia stores, torn down by `close`. */
export type ProtocolFixture = {
  chain: LocalChain;
  /** A temporary directory for data dirs and stores, removed by `close`. */
  work: string;
  /** Development account `index`'s key (Hardhat's mnemonic). */
  keyOf(index: number): Hex;
  /** Account `index`'s connection (direct to the chain), funded with 10,000 tokens. */
  connect(index: number): Promise<ProtocolConnection>;
  /** A listening Helia store under `work/<name>`, closed by `close`. */
  newStore(name: string): Promise<HeliaContentStore>;
  /** Approves and stakes `amount` for account `index`. */
  stake(index: number, amount: bigint): Promise<void>;
  /** Accounts `indices` stake the validator stake and join ValidatorCommittee. */
  joinValidators(indices: readonly number[]): Promise<void>;
  /** Mines `blocks` empty blocks (the chain mines only on transactions otherwise). */
  mine(blocks?: number): Promise<void>;
  /** Moves the chain's clock `seconds` ahead and mines a block. */
  advance(seconds: number): Promise<void>;
  /** Answers a request of the VRF coordinator mock, as the automation keeper does. */
  fulfilVrf(requestId: bigint, consumer: Address): Promise<void>;
  /** Answers distributed job `jobId`'s seed request (its auction settled), as the automation keeper does: round 0 starts. */
  seedRoundJob(jobId: bigint): Promise<void>;
  close(): Promise<void>;
};

/**
 * A test harness: {@link startLocalChain} plus what the keeper tests share — connections for
 * Hardhat's development accounts (each funded with tokens by the deployer, account 0), stakes,
 * Helia stores on loopback, mining and VRF answers.
 *
 * @example
 * const fixture = await startProtocolFixture();
 * const compute = await fixture.connect(5);
 * await fixture.close();
 */
export async function startProtocolFixture(): Promise<ProtocolFixture> {
  const chain = await startLocalChain();
  const work = mkdtempSync(join(tmpdir(), "veritrain-keepers-"));
  const stores: HeliaContentStore[] = [];
  const connections = new Map<number, ProtocolConnection>();
  const keyOf = (index: number): Hex => toHex(mnemonicToAccount(MNEMONIC, { addressIndex: index }).getHdKey().privateKey!);
  const deployer = await connectProtocol({ rpcUrl: chain.rpcUrl, privateKey: keyOf(0), addresses: chain.addresses });
  connections.set(0, deployer);
  const request = (method: string, params: unknown[] = []) => deployer.publicClient.request({ method: method as never, params: params as never });
  const vrf = createWalletClient({ account: mnemonicToAccount(MNEMONIC), transport: http(chain.rpcUrl) });
  const connect = async (index: number) => {
    let connection = connections.get(index);
    if (connection === undefined) {
      connection = await connectProtocol({ rpcUrl: chain.rpcUrl, privateKey: keyOf(index), addresses: chain.addresses });
      connections.set(index, connection);
      await deployer.send(() => deployer.contracts.VeritrainToken.write.transfer([connection!.account.address, parseEther("10000")]));
    }
    return connection;
  };
  const fulfilVrf = async (requestId: bigint, consumer: Address) => {
    const hash = await vrf.writeContract({
      chain: null,
      address: chain.addresses.VRFCoordinatorV2_5Mock,
      abi: parseAbi(["function fulfillRandomWords(uint256 requestId, address consumer)"]),
      functionName: "fulfillRandomWords",
      args: [requestId, consumer],
    });
    await deployer.publicClient.waitForTransactionReceipt({ hash });
  };
  const stake = async (index: number, amount: bigint) => {
    const account = await connect(index);
    await account.send(() => account.contracts.VeritrainToken.write.approve([account.contracts.StakeManager.address, amount]));
    await account.send(() => account.contracts.StakeManager.write.stake([amount]));
  };
  return {
    chain,
    work,
    keyOf,
    connect,
    async newStore(name) {
      const store = await createHeliaContentStore({ directory: join(work, name, "ipfs"), listen: true });
      stores.push(store);
      return store;
    },
    stake,
    async joinValidators(indices) {
      const { validatorStake } = await deployer.contracts.ValidatorCommittee.read.config();
      for (const index of indices) {
        await stake(index, validatorStake);
        const validator = await connect(index);
        await validator.send(() => validator.contracts.ValidatorCommittee.write.join());
      }
    },
    async mine(blocks = 1) {
      for (let i = 0; i < blocks; i++) await request("evm_mine");
    },
    async advance(seconds) {
      await request("evm_increaseTime", [seconds]);
      await request("evm_mine");
    },
    fulfilVrf,
    async seedRoundJob(jobId) {
      const registry = deployer.contracts.RoundJobRegistry;
      const [requested] = await registry.getEvents.SeedRequested({ jobId }, { fromBlock: 0n });
      if (requested === undefined) throw new Error(`job ${jobId} has no seed request: settle its auction first`);
      await fulfilVrf(requested.args.requestId!, registry.address);
    },
    async close() {
      await Promise.allSettled(stores.map((store) => store.close()));
      await chain.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Parameters of {@link registerMnistDataset}. */
export type RegisterMnistDatasetParameters = {
  fixture: ProtocolFixture;
  /** The dataset owner's account and the store that serves the shards. */
  owner: number;
  ownerStore: HeliaContentStore;
  /** Storage providers (staked and joined here if they are not providers yet): one column each, k = n − 1. */
  providers: { index: number; store: HeliaContentStore }[];
  /** MNIST's first N images of each split. */
  images: number;
  /** Answer the placement's VRF request (as the automation keeper would). @default true */
  place?: boolean;
  /** Each holder pins its column's shards, as the storage role does before accepting (no acceptance on-chain). @default true */
  pinHolders?: boolean;
  /** A packaging to register again instead of packaging MNIST anew. */
  packaged?: PackagedDataset;
};

/**
 * Packages MNIST's first `images` images (k = n − 1 of n = providers, 64 KiB shards, column depth
 * 10), joins the providers, registers the dataset and places it. Returns its id and packaging.
 *
 * @example
 * const { datasetId } = await registerMnistDataset({ fixture, owner: 1, ownerStore, providers: [{ index: 2, store }, { index: 3, store: other }], images: 500 });
 */
export async function registerMnistDataset({ fixture, owner, ownerStore, providers, images, place = true, pinHolders = true, packaged: given }: RegisterMnistDatasetParameters) {
  const packaged = given ?? (await packageDataset({ name: `mnist-${images}`, ...mnistRecords(loadMnist(), { limit: images }), k: providers.length - 1, n: providers.length, shardSize: 64 << 10, columnTreeDepth: 10, store: ownerStore }));
  for (const { index, store } of providers) {
    const provider = await fixture.connect(index);
    const registry = provider.contracts.DatasetRegistry;
    if ((await registry.read.providers()).some((p) => isAddressEqual(p, provider.account.address))) continue;
    await fixture.stake(index, await registry.read.providerStake());
    await store.dial(ownerStore.multiaddrs()[0]!);
    await provider.send(() => registry.write.join([store.multiaddrs()[0]!.toString()]));
  }
  const ownerChain = await fixture.connect(owner);
  const datasetId = await registerDataset({ chain: ownerChain, packaged, payment: parseEther("30"), term: 30 * 86_400, verifierVersion: 1n });
  if (place) {
    const registry = ownerChain.contracts.DatasetRegistry;
    const requests = await registry.getEvents.PlacementRequested({ datasetId }, { fromBlock: 0n });
    for (const placement of requests) await fixture.fulfilVrf(placement.args.requestId!, registry.address);
    await ownerChain.send(() => registry.write.applyPlacement([datasetId, BigInt(providers.length)]));
  }
  if (place && pinHolders) {
    const onChain = await readDatasetOnChain(ownerChain, datasetId);
    const addresses = await Promise.all(providers.map(async ({ index }) => (await fixture.connect(index)).account.address));
    for (const [column, holder] of onChain.holders.entries()) {
      const held = providers[addresses.findIndex((address) => isAddressEqual(address, holder))];
      if (held === undefined) continue;
      await held.store.pin(manifestBlockCid(packaged.manifestCid), { signal: AbortSignal.timeout(30_000) });
      for (const stripe of packaged.manifest.shards) await held.store.pin(stripe[column]!, { signal: AbortSignal.timeout(30_000) });
    }
  }
  return { datasetId, packaged };
}

/** Parameters of {@link storeMnistJob}. */
export type StoreMnistJobParameters = {
  /** The consumer's store: it serves spec and model. */
  store: HeliaContentStore;
  /** The dataset's images per split (the spec's splits must fit them). */
  images: number;
  trainImages: number;
  testImages: number;
  epochs: number;
  seed?: number;
};

/**
 * The default LeNet-5 job spec on the dataset's MNIST splits, stored with its model in `store`;
 * returns the spec digest to post.
 *
 * @example
 * const { specDigest } = await storeMnistJob({ store: consumerStore, images: 500, trainImages: 400, testImages: 100, epochs: 1 });
 */
export async function storeMnistJob({ store, images, trainImages, testImages, epochs, seed = 1 }: StoreMnistJobParameters) {
  const { spec, modelBytes } = defaultJobSpec({ sizes: { train: images, test: images }, trainImages, testImages, epochs, seed });
  await store.put(modelBytes);
  const { specDigest } = await storeJobSpec({ store, spec });
  return { spec, modelBytes, specDigest };
}
