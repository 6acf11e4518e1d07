import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeAbiParameters, keccak256, zeroHash, type Hex } from "viem";
import type { ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { putBlob } from "../../../keepers/src/content/chunkedBlob.ts";
import { defaultRoundJobSpec } from "../../../keepers/src/jobs/defaultJobSpec.ts";
import { fetchUpdate } from "../../../keepers/src/roundJobs/roundContent.ts";
import { aggregationProgram, aggregationProgramHash, specAggregation, type AggregationProgram } from "../../../keepers/src/rounds/aggregationProgram.ts";
import { encodeGlobalModel, globalModelDigest } from "../../../keepers/src/rounds/globalModel.ts";
import { validateRoundJobSpec } from "../../../keepers/src/rounds/roundJobSpec.ts";
import { encodeUpdate } from "../../../keepers/src/rounds/updateEncoding.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { memoryStore } from "../../harness/memoryContentStore.ts";

// What a distributed job's order commits for the aggregate referee (docs/dispute-game.md §7), and the update encoding
// the referee's reading relies on (docs/distributed-training.md, "On-chain recomputation").

const sizes = { train: 1_000, test: 1_000 };
const distributed = { slots: 4, rounds: 2, localSteps: 3 };

/** The test vector of docs/dispute-game.md §7. */
const VECTOR: AggregationProgram = {
  rule: 0,
  trim: 0,
  equalParts: false,
  examples: 1_003,
  parameterCount: 9_000,
  learningRate: 0x3f333333, // 0.7
  momentum: 0x3f666666, // 0.9
  initialModel: `0x${"11".repeat(32)}`,
};

describe("aggregation program", () => {
  it("hashes as abi.encode of the struct, each field a 32-byte word (test vector)", () => {
    const words = [0n, 0n, 0n, 1_003n, 9_000n, 0x3f333333n, 0x3f666666n].map((value) => value.toString(16).padStart(64, "0")).join("");
    assert.equal(aggregationProgramHash(VECTOR), keccak256(`0x${words}${"11".repeat(32)}`));
    assert.equal(aggregationProgramHash(VECTOR), "0xdcca1e8b0a5a6d3d0866dc411165a7a99c49848c6e8be44fc75774c8ae933dad");
    const encoded = encodeAbiParameters([{ type: "uint8" }, { type: "uint8" }, { type: "bool" }, { type: "uint32" }, { type: "uint32" }, { type: "uint32" }, { type: "uint32" }, { type: "bytes32" }], [0, 0, false, 1_003, 9_000, 0x3f333333, 0x3f666666, VECTOR.initialModel]);
    assert.equal(aggregationProgramHash(VECTOR), keccak256(encoded));
  });

  it("of a public FedAvg job: the train split's size, η and μ as binary32 bits, the round-0 model's chunked-blob digest", () => {
    const { spec, modelBytes } = defaultRoundJobSpec({ sizes, trainImages: 803, testImages: 100, seed: 2, distributed: { ...distributed, outer: { learningRate: "0.7", momentum: "0.9" } } });
    const params = importOnnxModel(modelBytes).params;
    const { program, aggregation } = specAggregation(spec, modelBytes);
    assert.deepEqual(program, {
      rule: 0, trim: 0, equalParts: false, examples: 803, parameterCount: params.length, learningRate: 0x3f333333, momentum: 0x3f666666,
      initialModel: globalModelDigest(encodeGlobalModel({ round: 0, params })),
    });
    assert.equal(aggregation, aggregationProgramHash(program!));
  });

  it("of the median and the trimmed mean, and of a private-data job sent in the clear (every owner weighs alike)", () => {
    const { spec, modelBytes } = defaultRoundJobSpec({ sizes, trainImages: 400, testImages: 100, seed: 2, distributed: { ...distributed, aggregation: { rule: "trimmedMean", trim: 1 } } });
    const params = importOnnxModel(modelBytes).params;
    assert.deepEqual([aggregationProgram(validateRoundJobSpec(spec).config, params)?.rule, aggregationProgram(validateRoundJobSpec(spec).config, params)?.trim], [2, 1]);
    const median = { ...spec, distributed: { ...spec.distributed, aggregation: { rule: "median" } } };
    assert.equal(aggregationProgram(validateRoundJobSpec(median).config, params)?.rule, 1);
    const owned = defaultRoundJobSpec({ sizes, testImages: 100, seed: 2, distributed, privateData: { examples: 250, secureClip: "none" } });
    const program = specAggregation(owned.spec, owned.modelBytes).program;
    assert.deepEqual([program?.equalParts, program?.examples], [true, 250]);
  });

  it("is none (a committee decides) for multi-Krum, FLTrust, compressed updates and secure aggregation", () => {
    const { spec, modelBytes } = defaultRoundJobSpec({ sizes, trainImages: 800, testImages: 100, seed: 2, distributed: { ...distributed, slots: 5 } });
    const none = (variant: object) => specAggregation({ ...spec, distributed: { ...spec.distributed, ...variant } }, modelBytes);
    for (const variant of [
      { aggregation: { rule: "multiKrum", byzantine: 1, select: 2 } },
      { aggregation: { rule: "fltrust", root: { source: "test", start: 900, end: 1_000 } } },
      { compression: { topK: "0.1", quantize: "int8" } },
    ]) {
      assert.deepEqual(none(variant), { program: undefined, aggregation: zeroHash }, JSON.stringify(variant));
    }
    const secure = defaultRoundJobSpec({ sizes, testImages: 100, seed: 2, distributed, privateData: { examples: 250, secureClip: "0.5" } });
    assert.deepEqual(specAggregation(secure.spec, secure.modelBytes), { program: undefined, aggregation: zeroHash });
  });
});

describe("fetchUpdate: in a job without compression, only a dense binary32 update is one", () => {
  /** No availability dispute published anything: every blob comes from the store. */
  const chain = { contracts: { Disputes: { read: { blobPublishedIn: async () => 0n } } } } as unknown as ProtocolConnection;
  const fetchStored = async (bytes: Uint8Array, compressed: boolean) => {
    const { store } = memoryStore();
    const commitment: Hex = await putBlob(store, bytes);
    return fetchUpdate({ chain, store, signal: AbortSignal.timeout(5_000), commitment, round: 3, slot: 1, size: 8, compressed });
  };

  it("takes a dense one, and refuses a sparse one of the same length (which the referee would read as dense), unless the job compresses", async () => {
    const values = Float32Array.from({ length: 8 }, (_, i) => i / 8);
    const dense = encodeUpdate({ round: 3, slot: 1, size: 8, payload: { encoding: "denseF32", values } });
    assert.deepEqual((await fetchStored(dense, false)).values, values);
    // Sparse f32 with k = P/2 entries: 60 + 8k = 60 + 4P bytes, the dense length.
    const sparse = encodeUpdate({ round: 3, slot: 1, size: 8, payload: { encoding: "sparseF32", indices: Uint32Array.of(0, 2, 4, 6), values: Float32Array.of(1, 2, 3, 4) } });
    assert.equal(sparse.length, dense.length);
    await assert.rejects(fetchStored(sparse, false), {
      code: "RESULT_INVALID",
      message: "round 3 slot 1's update contradicts its on-chain commitment: a job without compression sends dense binary32 updates, not sparseF32",
    });
    assert.equal((await fetchStored(sparse, true)).values[2], 2);
  });
});
