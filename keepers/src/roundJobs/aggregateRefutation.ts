import type { Logger } from "pino";
import { bytesToHex, type Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { CHUNK_BYTES, chunkedBlob } from "../content/chunkedBlob.ts";
import { VeritrainError } from "../errors.ts";
import type { AggregationProgram } from "../rounds/aggregationProgram.ts";

// A wrong aggregate proven on-chain to the aggregate referee (docs/dispute-game.md §7): one coordinate of the posted
// global model, with every word it is recomputed from, each in its 32-KiB chunk proven against the digest the chain holds.

/** Subjects of IAggregateReferee besides the slots (0 … 15): the round's starting and posted global models. */
export const SUBJECT = { previousParameters: 16, previousMomentum: 17, postedParameters: 18, postedMomentum: 19 } as const;

/** Bytes before the first value of an update blob and of a global-model blob (docs/distributed-training.md). */
const UPDATE_VALUES = 60;
const MODEL_VALUES = 16;

/** A chunk of a chunked blob as `IAggregateReferee.BlobChunk`. */
export type BlobChunkArgument = { length: bigint; root: Hex; index: bigint; bytes_: Hex; proof: Hex[] };

/** What proves an aggregate wrong: its header (or length), or one coordinate with the word of every subject it needs. */
export type AggregateEvidence =
  | { kind: "header"; chunk: BlobChunkArgument }
  | { kind: "coordinate"; coordinate: number; words: { subject: number; chunk: BlobChunkArgument }[] };

/** Parameters of {@link aggregateEvidence}. */
export type AggregateEvidenceParameters = {
  program: AggregationProgram;
  round: number;
  /** The global-model blob the round started from (round 0: the program's initial model, encoded). */
  previous: Uint8Array;
  /** Each included slot's update blob, ascending. */
  updates: { slot: number; bytes: Uint8Array }[];
  /** The posted global-model blob, the disputed aggregate. */
  posted: Uint8Array;
  /** The global-model blob the round should have given. */
  correct: Uint8Array;
};

/** Chunk `index` of `blob` as the referee takes it. */
export function chunkArgument(blob: ReturnType<typeof chunkedBlob>, index: number): BlobChunkArgument {
  return { length: BigInt(blob.length), root: blob.root, index: BigInt(index), bytes_: bytesToHex(blob.chunk(index)), proof: blob.proof(index) };
}

/**
 * The evidence that `posted` is not `correct`: its header when its length or first 16 bytes differ, else the first
 * coordinate whose parameter or momentum differs or is not finite, with a chunk for each subject the referee
 * recomputes it from.
 *
 * @throws VeritrainError `AGGREGATE_RIGHT` when `posted` equals `correct` and is finite: there is nothing to refute.
 * @example
 * const evidence = aggregateEvidence({ program, round: 1, previous, updates, posted, correct });
 */
export function aggregateEvidence({ program, round, previous, updates, posted, correct }: AggregateEvidenceParameters): AggregateEvidence {
  const postedBlob = chunkedBlob(posted);
  if (posted.length !== correct.length || posted.subarray(0, MODEL_VALUES).some((byte, i) => byte !== correct[i])) {
    return { kind: "header", chunk: chunkArgument(postedBlob, 0) };
  }
  const parameters = program.parameterCount;
  const kept = program.momentum !== 0;
  const view = new DataView(posted.buffer, posted.byteOffset, posted.byteLength);
  // Wrong: not the right word, or not finite (a global model's values are finite, so even a right overflow is wrong).
  const wrong = (offset: number) => posted.subarray(offset, offset + 4).some((byte, i) => byte !== correct[offset + i]) || !Number.isFinite(view.getFloat32(offset, true));
  let coordinate = 0;
  while (coordinate < parameters && !wrong(MODEL_VALUES + 4 * coordinate) && !(kept && wrong(MODEL_VALUES + 4 * (parameters + coordinate)))) coordinate++;
  if (coordinate === parameters) {
    throw new VeritrainError(`the posted aggregate of round ${round} is the right one: nothing to refute`, { code: "AGGREGATE_RIGHT", details: { round } });
  }
  const previousBlob = chunkedBlob(previous);
  const word = (blob: ReturnType<typeof chunkedBlob>, subject: number, offset: number) => ({ subject, chunk: chunkArgument(blob, Math.floor(offset / CHUNK_BYTES)) });
  const parameter = MODEL_VALUES + 4 * coordinate;
  const momentum = MODEL_VALUES + 4 * (parameters + coordinate);
  return {
    kind: "coordinate",
    coordinate,
    words: [
      ...updates.map(({ slot, bytes }) => word(chunkedBlob(bytes), slot, UPDATE_VALUES + 4 * coordinate)),
      word(previousBlob, SUBJECT.previousParameters, parameter),
      ...(kept && round > 0 ? [word(previousBlob, SUBJECT.previousMomentum, momentum)] : []),
      word(postedBlob, SUBJECT.postedParameters, parameter),
      ...(kept ? [word(postedBlob, SUBJECT.postedMomentum, momentum)] : []),
    ],
  };
}

/** Parameters of {@link refuteAggregate}. */
export type RefuteAggregateParameters = AggregateEvidenceParameters & {
  chain: ProtocolConnection;
  /** The open dispute of the aggregate, opened by `chain.account` (`challengeRound`, slot 255). */
  disputeId: bigint;
  log: Logger;
  signal: AbortSignal;
};

/**
 * Proves dispute `disputeId`'s aggregate wrong to the referee ({@link aggregateEvidence}): `refuteHeader`, or one
 * `proveWord` per subject then `decide`. The last transaction ends the dispute with the aggregator wrong. Returns the
 * coordinate refuted (undefined: the header) and the gas of every transaction.
 *
 * @example
 * const { gas } = await refuteAggregate({ chain, disputeId, program, round, previous, updates, posted, correct, log, signal });
 */
export async function refuteAggregate(parameters: RefuteAggregateParameters): Promise<{ coordinate: number | undefined; gas: bigint[] }> {
  const { chain, disputeId, program, log, signal } = parameters;
  const { AggregateReferee } = chain.contracts;
  const evidence = aggregateEvidence(parameters);
  const context = { disputeId: disputeId.toString(), round: parameters.round };
  const gas: bigint[] = [];
  const send = async (transaction: () => Promise<Hex>) => {
    signal.throwIfAborted();
    gas.push((await chain.send(transaction)).gasUsed);
  };
  if (evidence.kind === "header") {
    await send(() => AggregateReferee.write.refuteHeader([disputeId, program, evidence.chunk]));
    return { coordinate: undefined, gas };
  }
  const { coordinate, words } = evidence;
  for (const { subject, chunk } of words) {
    await send(() => AggregateReferee.write.proveWord([disputeId, program, coordinate, subject, chunk]));
    log.debug({ ...context, coordinate, subject }, "aggregate word proven");
  }
  await send(() => AggregateReferee.write.decide([disputeId, program]));
  return { coordinate, gas };
}
