import { VeritrainError } from "../errors.ts";
import type { ModelDefinition } from "./modelDefinition.ts";
import { onnx } from "./onnxProto.ts";

/** Parameters of {@link exportOnnxModel}. */
export type ExportOnnxModelParameters = {
  /** The job's original ONNX file (architecture and initial weights). */
  original: Uint8Array;
  definition: ModelDefinition;
  /** Packed parameters to write, e.g. a checkpoint's weights. */
  params: Float32Array;
  /** Key/value strings written to the model's `metadata_props` (replacing any there). */
  metadata?: Readonly<Record<string, string>>;
};

/**
 * Writes trained weights back into the job's ONNX model: every parameter initializer gets its
 * values as little-endian raw_data (float_data cleared); graph and attributes are unchanged.
 * `metadata` (e.g. the result manifest a compute provider links) goes to `metadata_props`.
 *
 * @example
 * writeFileSync("trained.onnx", exportOnnxModel({ original, definition, params }));
 */
export function exportOnnxModel({ original, definition, params, metadata }: ExportOnnxModelParameters): Uint8Array {
  if (params.length !== definition.parameterCount) {
    throw new VeritrainError(`expected ${definition.parameterCount} parameters, got ${params.length}`, {
      code: "PARAMETER_COUNT_MISMATCH",
    });
  }
  const model = onnx.ModelProto.decode(original);
  const byName = new Map(definition.parameters.map((p) => [p.name, p]));
  for (const tensor of model.graph?.initializer ?? []) {
    const parameter = byName.get(tensor.name ?? "");
    if (parameter === undefined) continue;
    const raw = new Uint8Array(parameter.size * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < parameter.size; i++) view.setFloat32(i * 4, params[parameter.offset + i]!, true);
    tensor.rawData = raw;
    tensor.floatData = [];
  }
  if (metadata !== undefined) model.metadataProps = Object.entries(metadata).map(([key, value]) => ({ key, value }));
  return onnx.ModelProto.encode(model).finish();
}
