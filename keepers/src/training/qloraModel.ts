import type { FinetuneConfig } from "./jobSpec.ts";
import { fail } from "./jobSpec.ts";
import { TENSOR_FIELDS, type LayerDefinition, type LoraLayerDefinition, type ParameterTensor } from "./modelDefinition.ts";
import { quantizeNf4 } from "./nf4.ts";
import type { ImportedModel } from "./onnxImport.ts";
import { PRNG_DOMAIN, SplitMix64 } from "./prng.ts";

/** Parameters of {@link createQloraModel}. */
export type CreateQloraModelParameters = {
  /** The imported model file (the pre-trained base). */
  model: ImportedModel;
  finetune: FinetuneConfig;
  /** The job seed: it draws the adapters' A matrices. */
  seed: bigint;
};

/** A MatMul by a weight or a Gemm: the layers qLoRA adapts. */
type WeightedLayer = Extract<LayerDefinition, { kind: "matMulWeight" | "linear" }>;
const isWeighted = (layer: LayerDefinition): layer is WeightedLayer => layer.kind === "matMulWeight" || layer.kind === "linear";

/**
 * The qLoRA model of a job (docs/training.md §6b): each MatMul or Gemm whose weight `finetune.targets` names
 * becomes a `lora` layer whose weight is frozen in NF4 ([out][in] order, nn.Linear's) with adapters
 * A [rank][in] = fround((2u − 1)·√(1 / in)) (u from the keyed stream (seed, 6, j), row-major) and
 * B [out][rank] = 0, and scale α / rank. The trainable vector is the adapters only, (A, B) of adapter j = 0, 1, …
 * in graph order; every other tensor keeps its value, frozen, after them in the model's order.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` for a target that is not a MatMul or Gemm weight of the model, or a
 *   rank above a target's min(in, out); `NF4_INPUT_INVALID` for a non-finite target weight.
 * @example
 * const qlora = createQloraModel({ model: importOnnxModel(bytes), finetune: config.finetune, seed: 7n });
 */
export function createQloraModel({ model, finetune, seed }: CreateQloraModelParameters): ImportedModel {
  const { definition, params } = model;
  const { rank, alpha, targets } = finetune;
  const targeted = new Set<number>();
  targets.forEach((name, i) => {
    const index = definition.parameters.findIndex((tensor) => tensor.name === name);
    const layer = definition.layers.filter(isWeighted).find((l) => l.weight === index);
    if (layer === undefined) {
      const weights = definition.layers.filter(isWeighted).map((l) => definition.parameters[l.weight]!.name);
      throw fail(`finetune.targets[${i}]`, `must name the weight of a MatMul or Gemm node of the model (${weights.join(", ")})`, name);
    }
    if (rank > Math.min(layer.inFeatures, layer.outFeatures)) {
      throw fail("finetune.rank", `must be at most min(in, out) = ${Math.min(layer.inFeatures, layer.outFeatures)} of target "${name}" (${layer.inFeatures} → ${layer.outFeatures})`, rank);
    }
    targeted.add(index);
  });

  const parameters: ParameterTensor[] = [];
  const adapters: Float32Array[] = [];
  const adapter = (name: string, dims: number[], values: Float32Array) => {
    const offset = parameters.length === 0 ? 0 : parameters.at(-1)!.offset + parameters.at(-1)!.size;
    parameters.push({ name, dims, offset, size: values.length });
    adapters.push(values);
    return parameters.length - 1;
  };
  const loraLayers = new Map<number, LoraLayerDefinition>();
  definition.layers.forEach((layer, l) => {
    if (!isWeighted(layer) || !targeted.has(layer.weight)) return;
    const { inFeatures: I, outFeatures: O } = layer;
    const weight = definition.parameters[layer.weight]!;
    const stream = SplitMix64.keyed({ seed, domain: PRNG_DOMAIN.loraInit, index: BigInt(loraLayers.size) });
    const bound = Math.sqrt(1 / I);
    const a = adapter(`${weight.name}.lora_A`, [rank, I], Float32Array.from({ length: rank * I }, () => (2 * stream.nextUnit() - 1) * bound));
    const b = adapter(`${weight.name}.lora_B`, [O, rank], new Float32Array(O * rank));
    const values = params.subarray(weight.offset, weight.offset + weight.size);
    // nn.Linear's [out][in]: a Gemm's weight already is, a MatMul's [in][out] is read transposed.
    const outIn = layer.kind === "linear" ? values : Float32Array.from({ length: O * I }, (_, j) => values[(j % I) * O + Math.floor(j / I)]!);
    loraLayers.set(l, {
      kind: "lora", name: layer.name, inFeatures: I, outFeatures: O, rank, scale: alpha / rank,
      base: quantizeNf4(outIn), weightName: weight.name, a, b, bias: layer.kind === "linear" ? layer.bias : null,
    });
  });
  const parameterCount = parameters.reduce((sum, tensor) => sum + tensor.size, 0);

  const remap = new Map<number, number>();
  const frozen = new Float32Array(params.length - [...targeted].reduce((sum, t) => sum + definition.parameters[t]!.size, 0));
  let offset = parameterCount;
  definition.parameters.forEach((tensor, t) => {
    if (targeted.has(t)) return;
    frozen.set(params.subarray(tensor.offset, tensor.offset + tensor.size), offset - parameterCount);
    remap.set(t, parameters.length);
    parameters.push({ ...tensor, offset });
    offset += tensor.size;
  });
  const layers = definition.layers.map((layer, l): LayerDefinition => {
    const lora = loraLayers.get(l);
    if (lora !== undefined) return { ...lora, bias: lora.bias === null ? null : remap.get(lora.bias)!, inputs: layer.inputs };
    const copy: Record<string, unknown> = { ...layer };
    for (const field of TENSOR_FIELDS[layer.kind] as readonly string[]) if (typeof copy[field] === "number") copy[field] = remap.get(copy[field] as number)!;
    return copy as LayerDefinition;
  });
  const trainable = new Float32Array(parameterCount);
  adapters.forEach((values, j) => trainable.set(values, parameters[j]!.offset));
  return { definition: { ...definition, layers, parameters, parameterCount, frozen }, params: trainable };
}
