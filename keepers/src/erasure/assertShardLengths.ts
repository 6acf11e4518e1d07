import { VeritrainError } from "../errors.ts";
import { MAX_SHARD_BYTES } from "./stripeLimits.ts";

/** Parameters of {@link assertShardLengths}. */
export type AssertShardLengthsParameters = {
  /** The shards to check; `undefined` entries (missing shards) are skipped. */
  shards: readonly (Uint8Array | undefined)[];
  /** The caller's field name, e.g. `dataShards`, used in messages as `dataShards[3]`. */
  field: string;
};

/**
 * Throws `ERASURE_SHARD_INVALID` unless every present shard is a Uint8Array of 1..1 MiB bytes
 * and all have the same length. Returns that common length.
 *
 * @example
 * const shardSize = assertShardLengths({ shards: dataShards, field: "dataShards" });
 */
export function assertShardLengths({ shards, field }: AssertShardLengthsParameters): number {
  let length: number | undefined;
  let first = -1;
  shards.forEach((shard, index) => {
    if (shard === undefined) return;
    const name = `${field}[${index}]`;
    if (!(shard instanceof Uint8Array)) {
      throw new VeritrainError(`${name} must be a Uint8Array`, { code: "ERASURE_SHARD_INVALID", details: { field: name } });
    }
    if (shard.length < 1 || shard.length > MAX_SHARD_BYTES) {
      throw new VeritrainError(`${name} must be 1..${MAX_SHARD_BYTES} bytes, got ${shard.length}`, {
        code: "ERASURE_SHARD_INVALID",
        details: { field: name, length: shard.length, max: MAX_SHARD_BYTES },
      });
    }
    if (length === undefined) {
      length = shard.length;
      first = index;
    } else if (shard.length !== length) {
      throw new VeritrainError(
        `all shards must have the same length: ${name} has ${shard.length} bytes, ${field}[${first}] has ${length}`,
        { code: "ERASURE_SHARD_INVALID", details: { field: name, length: shard.length, expected: length } },
      );
    }
  });
  if (length === undefined) {
    throw new VeritrainError(`${field} must contain at least one shard`, { code: "ERASURE_SHARD_INVALID", details: { field } });
  }
  return length;
}
