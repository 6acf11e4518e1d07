import type { Address, Hex } from "viem";
import type { ChartRound } from "./roundChartData.ts";

/** A submitted or missed proof of an audit round. */
export type RoundProof = {
  id: string;
  column: { index: number; root: Hex };
  provider: Address;
  outcome: "Accepted" | "Rejected" | "Missed";
  blockTimestamp: string;
  transactionHash: Hex;
};

/** An audit round with its proofs. */
export type DatasetRound = ChartRound & { id: string; seed: string | null; deadline: string | null; proved: string | null; proofs: RoundProof[] };

/** A column with its placement history. */
export type DatasetColumn = {
  id: string;
  index: number;
  root: Hex;
  holder: Address | null;
  accepted: boolean;
  faulty: boolean;
  placements: { provider: Address | null; blockTimestamp: string; transactionHash: Hex }[];
  preparations: { holder: Address; version: { id: string }; blockTimestamp: string }[];
};

/** A column fault: the holder's stake slashed for a missed or rejected proof. */
export type DatasetFault = { id: string; column: { index: number }; provider: Address; slashed: string; blockTimestamp: string; transactionHash: Hex };

/** Everything the dataset page shows. */
export type DatasetDetail = {
  id: string;
  status: string;
  owner: Address;
  manifestDigest: Hex;
  datasetRoot: Hex;
  k: number;
  n: number;
  shardSize: number;
  stripeCount: number;
  byteLength: string;
  payment: string;
  term: string;
  endsAt: string;
  perColumn: string | null;
  refund: string | null;
  verifierVersion: { id: string; verifier: Address; verifyingKeyHash: Hex } | null;
  columns: DatasetColumn[];
  rounds: DatasetRound[];
  faults: DatasetFault[];
  jobs: { id: string; status: string; consumer: Address; provider: Address | null; reward: string }[];
};

/** The dataset page's query (variable `$id`). */
export const DATASET_QUERY = `query Dataset($id: ID!) {
  dataset(id: $id) {
    id status owner manifestDigest datasetRoot k n shardSize stripeCount byteLength payment term endsAt perColumn refund
    verifierVersion { id verifier verifyingKeyHash }
    columns(first: 1000, orderBy: index) {
      id index root holder accepted faulty
      placements(first: 1000, orderBy: blockNumber) { provider blockTimestamp transactionHash }
      preparations(first: 1000, orderBy: blockNumber) { holder version { id } blockTimestamp }
    }
    rounds(first: 1000, orderBy: number, orderDirection: desc) {
      id number status seed deadline audited proved
      proofs(first: 1000) { id column { index root } provider outcome blockTimestamp transactionHash }
    }
    faults(first: 1000, orderBy: blockNumber) { id column { index } provider slashed blockTimestamp transactionHash }
    jobs(first: 1000, orderBy: postedAtBlock, orderDirection: desc) { id status consumer provider reward }
  }
}`;
