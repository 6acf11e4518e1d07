import type { LoraLayerDefinition, ModelDefinition } from "./modelDefinition.ts";
import { dequantizeNf4 } from "./nf4.ts";
import { exportOnnxModel } from "./onnxExport.ts";
import { importOnnxModel } from "./onnxImport.ts";

/** Parameters of {@link exportMergedQloraModel}. */
export type ExportMergedQloraModelParameters = {
  /** The job's ONNX file (the pre-trained base the qLoRA model was made from). */
  original: Uint8Array;
  /** The job's qLoRA model (`createQloraModel`). */
  model: ModelDefinition;
  /** Its trainable parameters: the adapters, e.g. a checkpoint's. */
  params: Float32Array;
  /** Key/value strings for the model's `metadata_props`. */
  metadata?: Readonly<Record<string, string>>;
};

/**
 * The merged model of a qLoRA run (docs/training.md §6b), as an ONNX file of the original graph: each target
 * weight becomes W′[o][i] = fround(w̃[o][i] + s·Σ_k B[o][k]·A[k][i]), w̃ the dequantised NF4 base, the sum in
 * binary64 from +0 with k ascending, s = α / rank (a MatMul's [in][out] initializer gets W′ transposed); every
 * other initializer keeps the model file's value.
 *
 * @example
 * writeFileSync("merged.onnx", exportMergedQloraModel({ original: job.modelBytes, model: job.model.definition, params }));
 */
export function exportMergedQloraModel({ original, model, params, metadata }: ExportMergedQloraModelParameters): Uint8Array {
  const { definition } = importOnnxModel(original);
  const merged = new Float32Array(definition.parameterCount);
  const loras = new Map(model.layers.flatMap((layer) => (layer.kind === "lora" ? [[layer.weightName, layer] as const] : [])));
  const frozen = new Map(model.parameters.filter((tensor) => tensor.offset >= model.parameterCount).map((tensor) => [tensor.name, tensor]));
  definition.parameters.forEach((tensor, t) => {
    const lora = loras.get(tensor.name);
    if (lora === undefined) {
      const source = frozen.get(tensor.name)!;
      merged.set(model.frozen!.subarray(source.offset - model.parameterCount, source.offset - model.parameterCount + source.size), tensor.offset);
      return;
    }
    const transposed = definition.layers.some((layer) => layer.kind === "matMulWeight" && layer.weight === t);
    mergeWeight(lora, model, params, merged.subarray(tensor.offset, tensor.offset + tensor.size), transposed);
  });
  return exportOnnxModel({ original, definition, params: merged, metadata });
}

/** Writes W̃ + s·B·A of `lora` into `out`, [out][in] or, `transposed`, [in][out]. */
function mergeWeight(lora: LoraLayerDefinition, model: ModelDefinition, params: Float32Array, out: Float32Array, transposed: boolean): void {
  const { inFeatures: I, outFeatures: O, rank, scale } = lora;
  const a = model.parameters[lora.a]!.offset;
  const b = model.parameters[lora.b]!.offset;
  const base = dequantizeNf4(lora.base, new Float32Array(O * I));
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < I; i++) {
      let sum = 0;
      for (let k = 0; k < rank; k++) sum += params[b + o * rank + k]! * params[a + k * I + i]!;
      out[transposed ? i * O + o : o * I + i] = base[o * I + i]! + scale * sum;
    }
  }
}
