import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { bytesToHex, encodeAbiParameters, hexToBytes, zeroHash, type Hex } from "viem";
import { columnRoot } from "../commitments/columnRoot.ts";
import { fieldToBytes32Hex } from "../commitments/field.ts";
import { mnistRecords } from "../datasets/mnistRecords.ts";
import { writeFileAtomic } from "../runtime/writeFileAtomic.ts";
import type { ImageSet } from "../training/mnist.ts";
import type { SecAggRoundParameters } from "./secAggLedgerOnChain.ts";

const NOISE_SEED_LABEL = utf8ToBytes("veritrain/dp/v1/noise-seed");

const roots = new WeakMap<ImageSet, Promise<Hex>>();

/**
 * The Poseidon commitment of a data owner's examples (docs/distributed-training.md, "Private-data jobs"): the
 * examples packed as a dataset packs MNIST (a label byte, then the 28 × 28 pixel bytes, row-major, in order;
 * `mnistRecords`) and committed as a dataset column is (`columnRoot`: Poseidon leaves of 496-byte chunks, a
 * 4-ary Poseidon tree of depth 13, the leaf count bound), as a bytes32 field element. Memoised per set.
 *
 * @example
 * const dataRoot = await ownedDataRoot(ownedExamples({ source: "train", start: 50000, end: 51000 }));
 */
export function ownedDataRoot(set: ImageSet): Promise<Hex> {
  let root = roots.get(set);
  if (root === undefined) {
    const none: ImageSet = { ...set, count: 0, pixels: new Uint8Array(0), labels: new Uint8Array(0) };
    root = columnRoot({ column: mnistRecords({ train: set, test: none }).records }).then(({ root: value }) => fieldToBytes32Hex(value));
    roots.set(set, root);
  }
  return root;
}

/** What opens a noise-seed commitment: the round's 64-bit DP noise seed and a 32-byte salt, both secret to the owner. */
export type NoiseSeedOpening = { seed: bigint; salt: Uint8Array };

/**
 * The commitment to a round's noise seed: SHA-256("veritrain/dp/v1/noise-seed" ‖ abi.encode(chainId, ledger,
 * jobId, uint16 round, uint8 slot, uint64 seed, bytes32 salt)). The salt makes it hiding: a 64-bit seed alone
 * could be found from its hash by trying every seed, and with it the noise of an update published in the clear.
 *
 * @example
 * const commitment = await noiseSeedCommitment({ chain, jobId, round: 0 }, 2, opening);
 */
export async function noiseSeedCommitment({ chain, jobId, round }: SecAggRoundParameters, slot: number, { seed, salt }: NoiseSeedOpening): Promise<Hex> {
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "uint16" }, { type: "uint8" }, { type: "uint64" }, { type: "bytes32" }],
    [BigInt(await chain.publicClient.getChainId()), chain.contracts.SecureAggregationLedger.address, jobId, round, slot, seed, bytesToHex(salt)],
  );
  return bytesToHex(sha256(concatBytes(NOISE_SEED_LABEL, hexToBytes(encoded))));
}

/**
 * Where a data owner's keeper keeps its secrets of a round in its data directory: the opening of its noise-seed
 * commitment (its own to reveal, in a dispute), and its secure-aggregation state between stages.
 *
 * @example
 * ownerRoundFile(dataDir, 3n, 1, "secagg"); // <dataDir>/owner/job-3/secagg-1.json
 */
export function ownerRoundFile(dataDir: string, jobId: bigint, round: number, what: OwnerRoundFileKind): string {
  return join(dataDir, "owner", `job-${jobId}`, `${what}-${round}.json`);
}

/** The kinds of {@link ownerRoundFile}. */
export type OwnerRoundFileKind = "noise-seed" | "secagg";

/**
 * Every file of kind `what` that {@link ownerRoundFile} names under `dataDir`, with its job and round, in job then
 * round order; none when the keeper never owned a slot.
 *
 * @example
 * ownerRoundFiles(dataDir, "secagg"); // [{ jobId: 3n, round: 0, file: "<dataDir>/owner/job-3/secagg-0.json" }, …]
 */
export function ownerRoundFiles(dataDir: string, what: OwnerRoundFileKind): { jobId: bigint; round: number; file: string }[] {
  const owner = join(dataDir, "owner");
  if (!existsSync(owner)) return [];
  const name = new RegExp(`^${what}-(0|[1-9][0-9]*)\\.json$`);
  return readdirSync(owner)
    .flatMap((job) => (/^job-(0|[1-9][0-9]*)$/.test(job) ? [BigInt(job.slice("job-".length))] : []))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap((jobId) =>
      readdirSync(join(owner, `job-${jobId}`))
        .flatMap((file) => {
          const round = name.exec(file)?.[1];
          return round === undefined ? [] : [{ jobId, round: Number(round), file: ownerRoundFile(dataDir, jobId, Number(round), what) }];
        })
        .sort((a, b) => a.round - b.round),
    );
}

/**
 * The opening of round `round`'s noise-seed commitment that a data owner's keeper kept in `dataDir` ({@link commitOwner}),
 * if any.
 *
 * @example
 * const opening = readNoiseSeedOpening(dataDir, 3n, 1);
 */
export function readNoiseSeedOpening(dataDir: string, jobId: bigint, round: number): NoiseSeedOpening | undefined {
  const file = ownerRoundFile(dataDir, jobId, round, "noise-seed");
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(readFileSync(file, "utf8")) as { seed: string; salt: Hex };
  return { seed: BigInt(saved.seed), salt: hexToBytes(saved.salt) };
}

/**
 * A data owner's commitments for round `round`, made before it trains: draws the round's fresh noise seed and
 * salt, keeps them in `dataDir` (written before the transaction is sent, readable by the keeper's user alone), and commits its examples' root
 * ({@link ownedDataRoot}) and the seed's commitment on the ledger (`SecureAggregationLedger.commitOwner`), before
 * its update. A keeper restarted in the round finds its opening on disk and reuses it if the chain holds its
 * commitment or none yet (then it sends the commitment again: one sent before the restart may land first, which is
 * the same). Returns the opening: the seed to train with.
 *
 * @throws VeritrainError the contract's decoded revert (e.g. the round closed, or the slot committed without
 * this keeper's opening on disk).
 * @example
 * const { seed } = await commitOwner({ chain, jobId, round }, { slot, set: owned, dataDir });
 */
export async function commitOwner(parameters: SecAggRoundParameters, { slot, set, dataDir }: { slot: number; set: ImageSet; dataDir: string }): Promise<NoiseSeedOpening> {
  const { chain, jobId, round } = parameters;
  const file = ownerRoundFile(dataDir, jobId, round, "noise-seed");
  const { SecureAggregationLedger } = chain.contracts;
  const committedNow = async () => (await SecureAggregationLedger.read.ownerCommitmentOf([jobId, round, slot]))[1];
  const committed = await committedNow();
  // A saved opening is this round's: the chain holds its commitment, or none yet (a commitment sent before a restart
  // may still be pending, and a new seed would lose the one it commits to).
  let opening = readNoiseSeedOpening(dataDir, jobId, round);
  if (opening === undefined || (committed !== zeroHash && committed !== (await noiseSeedCommitment(parameters, slot, opening)))) {
    opening = { seed: randomBytes(8).readBigUInt64LE(), salt: new Uint8Array(randomBytes(32)) };
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify({ seed: opening.seed.toString(), salt: bytesToHex(opening.salt) }), 0o600);
  }
  const commitment = await noiseSeedCommitment(parameters, slot, opening);
  if (committed === commitment) return opening;
  try {
    await chain.send(async () => SecureAggregationLedger.write.commitOwner([jobId, round, await ownedDataRoot(set), commitment]));
  } catch (error) {
    // The commitment sent before a restart landed meanwhile (this one then reverts, in estimation or mined).
    if ((await committedNow()) !== commitment) throw error;
  }
  return opening;
}
