import { encodeAbiParameters, keccak256, zeroHash, type Hex } from "viem";
import { importOnnxModel } from "../training/onnxImport.ts";
import { encodeGlobalModel, globalModelDigest } from "./globalModel.ts";
import { validateRoundJobSpec, type RoundConfig } from "./roundJobSpec.ts";

/** The rules the aggregate referee computes, by their id in `IAggregateReferee.Rule`. */
const REFEREED_RULES = { fedavg: 0, median: 1, trimmedMean: 2 } as const;

/**
 * What a distributed job's order commits of its aggregation (`IAggregateReferee.AggregationProgram`,
 * docs/dispute-game.md §7): enough for the chain to recompute one coordinate of any round's global model.
 */
export type AggregationProgram = {
  /** 0 fedavg, 1 median, 2 trimmedMean. */
  rule: number;
  /** The trimmed mean's t; 0 otherwise. */
  trim: number;
  /** Every slot weighs `examples` (a private-data job's owners), not its part of a train split of `examples`. */
  equalParts: boolean;
  examples: number;
  parameterCount: number;
  /** η's binary32 bits. */
  learningRate: number;
  /** μ's binary32 bits (0: no outer momentum). */
  momentum: number;
  /** The chunked-blob digest of the global model before round 0 (layout 1: the model file's weights). */
  initialModel: Hex;
};

/** The struct's ABI, as `abi.encode` lays it out. */
const PROGRAM_ABI = [
  {
    type: "tuple",
    components: [
      { name: "rule", type: "uint8" },
      { name: "trim", type: "uint8" },
      { name: "equalParts", type: "bool" },
      { name: "examples", type: "uint32" },
      { name: "parameterCount", type: "uint32" },
      { name: "learningRate", type: "uint32" },
      { name: "momentum", type: "uint32" },
      { name: "initialModel", type: "bytes32" },
    ],
  },
] as const;

const f32Bits = (value: number) => new Uint32Array(Float32Array.of(value).buffer)[0]!;

/**
 * The aggregation program of a distributed job with config `config` whose model's initial parameters are
 * `initialParams`, or undefined when the referee cannot compute its aggregates: multi-Krum and FLTrust (a coordinate
 * depends on every other), compressed updates (a coordinate's place in a sparse blob is not fixed), secure
 * aggregation (the sum is unmasked from the ledger's secrets). Those jobs commit no program, and a committee decides
 * disputes of their aggregates.
 *
 * @example
 * const program = aggregationProgram(job.config, job.model.params); // { rule: 0, …, initialModel: "0x…" }
 */
export function aggregationProgram(config: RoundConfig, initialParams: Float32Array): AggregationProgram | undefined {
  const { aggregation, compression, privateData, parts, outer } = config;
  if (!(aggregation.rule in REFEREED_RULES) || compression !== undefined || privateData?.secureAggregation !== undefined) return undefined;
  return {
    rule: REFEREED_RULES[aggregation.rule as keyof typeof REFEREED_RULES],
    trim: aggregation.rule === "trimmedMean" ? aggregation.trim : 0,
    equalParts: privateData !== undefined,
    examples: privateData?.examples ?? parts.reduce((sum, part) => sum + part.end - part.start, 0),
    parameterCount: initialParams.length,
    learningRate: f32Bits(outer.learningRate),
    momentum: f32Bits(outer.momentum),
    initialModel: globalModelDigest(encodeGlobalModel({ round: 0, params: initialParams })),
  };
}

/**
 * keccak256(abi.encode(program)): what the order commits as `aggregation`.
 *
 * @example
 * const aggregation = aggregationProgramHash(program);
 */
export function aggregationProgramHash(program: AggregationProgram): Hex {
  return keccak256(encodeAbiParameters(PROGRAM_ABI, [program]));
}

/**
 * The aggregation program of distributed job spec `spec` with model file `modelBytes` ({@link aggregationProgram}) and
 * what its order commits: the program's hash, or 0 when the referee cannot compute its aggregates.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID`, or an ONNX import error.
 * @example
 * const { aggregation } = specAggregation(spec, modelBytes); // the order's `aggregation`
 */
export function specAggregation(spec: unknown, modelBytes: Uint8Array): { program: AggregationProgram | undefined; aggregation: Hex } {
  const program = aggregationProgram(validateRoundJobSpec(spec).config, importOnnxModel(modelBytes).params);
  return { program, aggregation: program === undefined ? zeroHash : aggregationProgramHash(program) };
}
