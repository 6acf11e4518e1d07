import type { CID } from "multiformats/cid";
import { parseEventLogs, toHex, zeroAddress, type Address } from "viem";
import { approveThenSend } from "../chain/approveThenSend.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { VeritrainError } from "../errors.ts";
import { manifestCidOf } from "./manifest.ts";
import type { PackagedDataset } from "./packageDataset.ts";

/** Parameters of {@link registerDataset}. */
export type RegisterDatasetParameters = {
  chain: ProtocolConnection;
  packaged: PackagedDataset;
  /** Storage payment escrowed, in token units (wei). */
  payment: bigint;
  /** Seconds the dataset is stored. */
  term: number;
  /** The StorageProofs verifier version the dataset is bound to for good (see `chooseVerifierVersion`). */
  verifierVersion: bigint;
};

/**
 * Registers a packaged dataset in DatasetRegistry, bound to verifier version `verifierVersion`,
 * and returns its id. The payment is approved first ({@link approveThenSend}: nothing is sent unless
 * the account holds it and the registration simulates).
 *
 * @example
 * const datasetId = await registerDataset({ chain, packaged, payment: parseEther("100"), term: 86_400, verifierVersion: 2n });
 */
export async function registerDataset({ chain, packaged, payment, term, verifierVersion }: RegisterDatasetParameters): Promise<bigint> {
  const { manifest, manifestCid } = packaged;
  const { DatasetRegistry } = chain.contracts;
  const registration = [
    {
      manifestDigest: toHex(manifestCid.multihash.digest),
      datasetRoot: manifest.datasetRoot,
      columnRoots: manifest.columnRoots,
      k: manifest.layout.k,
      n: manifest.layout.n,
      shardSize: manifest.layout.shardSize,
      stripeCount: manifest.layout.stripeCount,
      byteLength: BigInt(manifest.layout.byteLength),
      payment,
      term,
      verifierVersion: Number(verifierVersion),
    },
  ] as const;
  const account = chain.account;
  const receipt = await approveThenSend({
    chain,
    action: "registering the dataset",
    spender: DatasetRegistry.address,
    tokens: { amount: payment, label: "storage payment" },
    simulate: () => DatasetRegistry.simulate.register(registration, { account }),
    estimateGas: () => DatasetRegistry.estimateGas.register(registration, { account }),
    write: () => DatasetRegistry.write.register(registration),
  });
  const [registered] = parseEventLogs({ abi: DatasetRegistry.abi, logs: receipt.logs, eventName: "DatasetRegistered" });
  if (!registered) throw new VeritrainError("register() emitted no DatasetRegistered event", { code: "TRANSACTION_UNEXPECTED" });
  return registered.args.datasetId;
}

/** A dataset as the chain knows it, with what a fetcher needs to find its shards. */
export type DatasetOnChain = {
  datasetId: bigint;
  status: number;
  manifestCid: CID;
  columnRoots: readonly `0x${string}`[];
  holders: readonly Address[];
  /** Each holder's announced libp2p endpoint ("" for an unplaced column). */
  endpoints: readonly string[];
  accepted: readonly boolean[];
};

/**
 * Reads dataset `datasetId` from DatasetRegistry: its manifest CID (CIDv1 dag-cbor of the
 * registered sha2-256 digest), column roots, holders and their endpoints.
 */
export async function readDatasetOnChain(chain: ProtocolConnection, datasetId: bigint): Promise<DatasetOnChain> {
  const registry = chain.contracts.DatasetRegistry;
  const dataset = await registry.read.getDataset([datasetId]);
  if (dataset.status === 0) throw new VeritrainError(`dataset ${datasetId} is not registered`, { code: "DATASET_UNKNOWN", details: { datasetId } });
  const [columnRoots, holders, accepted] = await Promise.all([
    registry.read.columnRoots([datasetId]),
    registry.read.holders([datasetId]),
    registry.read.accepted([datasetId]),
  ]);
  const endpoints = await Promise.all(holders.map((holder) => (holder === zeroAddress ? "" : registry.read.endpointOf([holder]))));
  return {
    datasetId,
    status: dataset.status,
    manifestCid: manifestCidOf(dataset.manifestDigest),
    columnRoots,
    holders,
    endpoints,
    accepted,
  };
}
