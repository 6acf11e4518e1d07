import { VeritrainError } from "../errors.ts";
import type { GatherLayerDefinition, LayerDefinition, LayerKindDefinition, ModelDefinition, ParameterTensor } from "./modelDefinition.ts";
import {
  ONNX_BOOL,
  ONNX_FLOAT,
  ONNX_INT64,
  onnx,
  toInteger,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
} from "./onnxProto.ts";

/** A model ready for training: its architecture and its initial parameters. */
export type ImportedModel = {
  definition: ModelDefinition;
  /** Packed binary32 parameters in the canonical order of `definition.parameters`. */
  params: Float32Array;
};

/** The ONNX operators the engine can train, with the attributes each accepts. */
export const SUPPORTED_ONNX_OPS = [
  "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Relu", "Sigmoid", "Tanh", "Flatten", "Reshape", "Gemm", "LogSoftmax", "Add",
  "MatMul", "LayerNormalization", "Gelu", "Softmax", "Transpose", "Mul", "Div", "ReduceMean", "Sub", "Gather", "Concat", "Dropout",
  "Unsqueeze", "Squeeze",
] as const;

const ATTRIBUTE_INT = 2;
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INTS = 7;
const ATTRIBUTE_STRING = 3;

function invalid(message: string, details: Record<string, unknown>): VeritrainError {
  return new VeritrainError(message, { code: "ONNX_MODEL_INVALID", details });
}

function unsupportedAttribute(node: NodeProto, attribute: string, value: unknown, rule: string): VeritrainError {
  return new VeritrainError(
    `${node.opType} node "${node.name ?? ""}": attribute ${attribute}=${JSON.stringify(value)} is not supported (${rule})`,
    { code: "ONNX_UNSUPPORTED_ATTRIBUTE", details: { op: node.opType, node: node.name, attribute, value, rule } },
  );
}

/** Reads attributes by name with their ONNX defaults. */
class Attributes {
  private readonly byName = new Map<string, AttributeProto>();
  private readonly node: NodeProto;

  constructor(node: NodeProto, allowed: readonly string[]) {
    this.node = node;
    for (const attribute of node.attribute ?? []) {
      const name = attribute.name ?? "";
      if (!allowed.includes(name)) {
        throw unsupportedAttribute(node, name, "(present)", `${node.opType} accepts only ${allowed.join(", ") || "no attributes"}`);
      }
      this.byName.set(name, attribute);
    }
  }

  int(name: string, fallback: number): number {
    const attribute = this.byName.get(name);
    if (attribute === undefined) return fallback;
    if (attribute.type !== ATTRIBUTE_INT) throw unsupportedAttribute(this.node, name, attribute.type, "must be an INT");
    return toInteger(attribute.i);
  }

  float(name: string, fallback: number): number {
    const attribute = this.byName.get(name);
    if (attribute === undefined) return fallback;
    if (attribute.type !== ATTRIBUTE_FLOAT) throw unsupportedAttribute(this.node, name, attribute.type, "must be a FLOAT");
    return attribute.f ?? 0;
  }

  ints(name: string, fallback: number[]): number[] {
    const attribute = this.byName.get(name);
    if (attribute === undefined) return fallback;
    if (attribute.type !== ATTRIBUTE_INTS) throw unsupportedAttribute(this.node, name, attribute.type, "must be INTS");
    return (attribute.ints ?? []).map(toInteger);
  }

  string(name: string, fallback: string): string {
    const attribute = this.byName.get(name);
    if (attribute === undefined) return fallback;
    if (attribute.type !== ATTRIBUTE_STRING) throw unsupportedAttribute(this.node, name, attribute.type, "must be a STRING");
    return new TextDecoder().decode(attribute.s ?? new Uint8Array());
  }
}

function tensorDims(tensor: TensorProto): number[] {
  return (tensor.dims ?? []).map(toInteger);
}

/** binary32 values of a FLOAT initializer (raw_data little-endian, or float_data). */
function floatValues(tensor: TensorProto): Float32Array {
  const size = tensorDims(tensor).reduce((a, b) => a * b, 1);
  if (tensor.dataType !== ONNX_FLOAT) {
    throw invalid(`initializer "${tensor.name}" must be FLOAT (1), got data type ${tensor.dataType}`, { initializer: tensor.name });
  }
  const values = new Float32Array(size);
  const raw = tensor.rawData;
  if (raw !== null && raw !== undefined && raw.length > 0) {
    if (raw.length !== size * 4) throw invalid(`initializer "${tensor.name}" has ${raw.length} raw bytes, expected ${size * 4}`, { initializer: tensor.name });
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < size; i++) values[i] = view.getFloat32(i * 4, true);
    return values;
  }
  const data = tensor.floatData ?? [];
  if (data.length !== size) throw invalid(`initializer "${tensor.name}" has ${data.length} values, expected ${size}`, { initializer: tensor.name });
  values.set(data);
  return values;
}

/** Integer values of an INT64 initializer (Reshape's shape). */
function int64Values(tensor: TensorProto): number[] {
  if (tensor.dataType !== ONNX_INT64) throw invalid(`tensor "${tensor.name}" must be INT64`, { initializer: tensor.name });
  const raw = tensor.rawData;
  if (raw !== null && raw !== undefined && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  }
  return (tensor.int64Data ?? []).map(toInteger);
}

/**
 * The per-example shape a Reshape's `dims` (ONNX rules, allowzero 0: 0 copies the input's axis, one −1
 * is inferred) gives an example of shape `shape`, when it keeps the batch axis (dims[0] 0, or −1 with
 * every other axis given) and the example's size; otherwise undefined.
 */
function reshapeTarget(dims: number[], shape: number[]): number[] | undefined {
  const width = shape.reduce((a, b) => a * b, 1);
  if (dims.length < 2 || (dims[0] !== 0 && dims[0] !== -1)) return undefined;
  const own = dims.slice(1).map((d, i) => (d === 0 ? shape[i] ?? -2 : d));
  const inferred = own.filter((d) => d === -1).length;
  if (own.some((d) => d === 0 || d < -1) || inferred > (dims[0] === -1 ? 0 : 1)) return undefined;
  const known = own.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const result = own.map((d) => (d === -1 ? width / known : d));
  return result.every((d) => Number.isInteger(d) && d > 0) && result.reduce((a, b) => a * b, 1) === width ? result : undefined;
}

function pair(values: number[], node: NodeProto, name: string): [number, number] {
  if (values.length !== 2) throw unsupportedAttribute(node, name, values, "must have 2 values (2-D only)");
  return [values[0]!, values[1]!];
}

/**
 * The window of a MaxPool or AveragePool node over a [C, H, W] input: `kernel_shape` (2-D, within
 * the input) and `strides`; `pads` 0, `dilations` 1, `ceil_mode` 0 and `auto_pad` NOTSET. Its
 * attributes also accept `own`, the op's other one, for the caller to check.
 */
function poolWindow(node: NodeProto, shape: number[], cnhw: boolean, own: string): { attributes: Attributes; kernel: [number, number]; stride: [number, number]; outShape: number[] } {
  const attributes = new Attributes(node, ["kernel_shape", "strides", "pads", "dilations", "ceil_mode", "auto_pad", own]);
  if (shape.length !== 3 || !cnhw) throw invalid(`${node.opType} node "${node.name ?? ""}" needs a [C,H,W] input`, { node: node.name });
  const kernel = pair(attributes.ints("kernel_shape", []), node, "kernel_shape");
  const stride = pair(attributes.ints("strides", [1, 1]), node, "strides");
  const pads = attributes.ints("pads", [0, 0, 0, 0]);
  if (pads.some((p) => p !== 0)) throw unsupportedAttribute(node, "pads", pads, "must be 0");
  const dilations = attributes.ints("dilations", [1, 1]);
  if (dilations.some((d) => d !== 1)) throw unsupportedAttribute(node, "dilations", dilations, "must be 1");
  const ceilMode = attributes.int("ceil_mode", 0);
  if (ceilMode !== 0) throw unsupportedAttribute(node, "ceil_mode", ceilMode, "must be 0");
  const autoPad = attributes.string("auto_pad", "NOTSET");
  if (autoPad !== "NOTSET") throw unsupportedAttribute(node, "auto_pad", autoPad, "must be NOTSET");
  const [, height, width] = shape as [number, number, number];
  if (kernel[0] > height || kernel[1] > width) throw unsupportedAttribute(node, "kernel_shape", kernel, `must fit the ${height}×${width} input`);
  return { attributes, kernel, stride, outShape: [shape[0]!, Math.floor((height - kernel[0]) / stride[0]) + 1, Math.floor((width - kernel[1]) / stride[1]) + 1] };
}

/**
 * ONNX `axes` of a tensor of rank `rank` (the batch axis 0 included) counted from 0: each in
 * [−rank, rank), negative ones counted from the end, none twice, none the batch axis; otherwise undefined.
 */
function exampleAxes(axes: number[], rank: number): number[] | undefined {
  const counted = axes.map((axis) => (axis < 0 ? axis + rank : axis));
  const valid = counted.every((axis) => Number.isInteger(axis) && axis >= 1 && axis < rank) && new Set(counted).size === counted.length;
  return valid ? counted : undefined;
}

/**
 * The per-example shape Unsqueeze (`squeeze` false: a 1 inserted at each of the output's `axes`) or
 * Squeeze (each of the input's `axes`, all of extent 1, removed) gives `shape`, or a rule it breaks.
 */
function squeezedShape(shape: number[], axes: number[], squeeze: boolean): number[] | string {
  const rank = shape.length + 1 + (squeeze ? 0 : axes.length);
  const counted = exampleAxes(axes, rank);
  if (counted === undefined) return `must be distinct axes in [${-rank}, ${rank - 1}] other than the batch axis 0 (or ${-rank})`;
  if (squeeze) {
    const wide = counted.find((axis) => shape[axis - 1] !== 1);
    if (wide !== undefined) return `axis ${wide} of [N,${shape}] has extent ${shape[wide - 1]}, not 1`;
    return shape.filter((_, i) => !counted.includes(i + 1));
  }
  const rest = [...shape];
  return Array.from({ length: rank - 1 }, (_, i) => (counted.includes(i + 1) ? 1 : rest.shift()!));
}

/**
 * A Gather node's layer: rows of a 2-D FLOAT initializer (a parameter, through `parameter`) on axis 0 at
 * the constant INT64 indices, each in [−V, V) (negative ones count from the end).
 */
function gatherNode(
  node: NodeProto,
  initializers: Map<string, TensorProto>,
  parameter: (node: NodeProto, name: string | undefined, dims: number[]) => number,
): { definition: GatherLayerDefinition; outputShape: number[] } {
  const name = node.name ?? "";
  const axis = new Attributes(node, ["axis"]).int("axis", 0);
  if (axis !== 0) throw unsupportedAttribute(node, "axis", axis, "must be 0 (rows of the table)");
  const [tableName, indicesName] = node.input ?? [];
  const table = initializers.get(tableName ?? "");
  if (table === undefined || tensorDims(table).length !== 2) {
    throw invalid(`Gather node "${name}": data "${tableName ?? ""}" must be a 2-D FLOAT initializer [V, D] (an embedding table, a parameter)`, { node: name });
  }
  const indices = initializers.get(indicesName ?? "");
  if (indices === undefined || indices.dataType !== ONNX_INT64) {
    throw invalid(`Gather node "${name}": indices "${indicesName ?? ""}" must be a constant INT64 initializer; gathering at computed indices (an activation) is not supported`, { node: name });
  }
  const dims = tensorDims(table);
  const rows = dims[0]!;
  const values = int64Values(indices);
  const indexShape = tensorDims(indices);
  if (values.length === 0 || values.length !== indexShape.reduce((a, b) => a * b, 1)) {
    throw invalid(`Gather node "${name}": indices "${indicesName}" hold ${values.length} values for dims [${indexShape}]; they must name at least one row`, { node: name });
  }
  const outside = values.findIndex((index) => index < -rows || index >= rows);
  if (outside >= 0) throw invalid(`Gather node "${name}": index ${values[outside]} (position ${outside} of "${indicesName}") is outside [${-rows}, ${rows - 1}] for the ${rows} rows of "${tableName}"`, { node: name });
  const definition: GatherLayerDefinition = {
    kind: "gather", name, table: parameter(node, tableName, dims), indices: values.map((index) => (index < 0 ? index + rows : index)), indexShape,
  };
  return { definition, outputShape: [...indexShape, dims[1]!] };
}

/**
 * A Dropout node's ratio p, the binary32 value of its `ratio` (an initializer input of one FLOAT from
 * opset 12, an attribute before; 0.5 when absent), in [0, 1). A `training_mode` input must be absent or
 * a constant false: onnxruntime would otherwise drop at inference, where the engine's Dropout is the identity.
 */
function dropoutRatio(node: NodeProto, initializers: Map<string, TensorProto>, opset: number): number {
  const name = node.name ?? "";
  const attributes = new Attributes(node, opset < 12 ? ["ratio"] : []);
  const [, ratioName, modeName] = node.input ?? [];
  let ratio = attributes.float("ratio", 0.5);
  if (opset >= 12 && ratioName !== undefined && ratioName !== "") {
    const tensor = initializers.get(ratioName);
    const values = tensor === undefined ? [] : Array.from(floatValues(tensor));
    if (values.length !== 1) throw invalid(`Dropout node "${name}": ratio "${ratioName}" must be a FLOAT initializer of one value (a constant, so the model's CID fixes it)`, { node: name });
    ratio = values[0]!;
  }
  const p = Math.fround(ratio);
  if (!(p >= 0 && p < 1)) throw unsupportedAttribute(node, "ratio", ratio, "must be in [0, 1)");
  if (modeName !== undefined && modeName !== "") {
    const mode = initializers.get(modeName);
    const raw = mode?.rawData;
    const off = mode !== undefined && mode.dataType === ONNX_BOOL && (raw !== null && raw !== undefined && raw.length > 0 ? raw.every((b) => b === 0) : (mode.int32Data ?? []).every((v) => v === 0));
    if (!off) throw invalid(`Dropout node "${name}": training_mode "${modeName}" must be absent or a constant false BOOL; the engine drops in training only, and onnxruntime must not drop at inference`, { node: name });
  }
  return p;
}

/**
 * Imports an ONNX model in the engine's subset (see docs/training.md): a single float input
 * [N, C, H, W] (or [N, F]), {@link SUPPORTED_ONNX_OPS} nodes in topological order, each reading the
 * input or earlier nodes' outputs (a residual connection adds two), whose weights are FLOAT
 * initializers, every activation read but the last node's, which is the single output of logits
 * [N, classes].
 *
 * @throws VeritrainError `ONNX_UNSUPPORTED_OP` naming the op and node for any other operator,
 *   `ONNX_UNSUPPORTED_ATTRIBUTE` for unsupported attribute values, `ONNX_MODEL_INVALID` otherwise.
 * @example
 * const { definition, params } = importOnnxModel(readFileSync("lenet5.onnx"));
 */
export function importOnnxModel(bytes: Uint8Array): ImportedModel {
  let model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw new VeritrainError("not a valid ONNX protobuf", { code: "ONNX_MODEL_INVALID", cause });
  }
  const graph = model.graph;
  if (graph === null || graph === undefined) throw invalid("ONNX model has no graph", {});
  const opset = toInteger((model.opsetImport ?? []).find((entry) => (entry.domain ?? "") === "" || entry.domain === "ai.onnx")?.version);
  const initializers = new Map<string, TensorProto>();
  for (const tensor of graph.initializer ?? []) initializers.set(tensor.name ?? "", tensor);
  const graphInputs = (graph.input ?? []).filter((input) => !initializers.has(input.name ?? ""));
  if (graphInputs.length !== 1) throw invalid(`expected exactly 1 non-initializer graph input, got ${graphInputs.length}`, {});
  const graphInput = graphInputs[0]!;
  const inputDims = (graphInput.type?.tensorType?.shape?.dim ?? []).map((d) => toInteger(d.dimValue));
  if (graphInput.type?.tensorType?.elemType !== ONNX_FLOAT) throw invalid(`input "${graphInput.name}" must be FLOAT`, {});
  if (inputDims.length !== 4 && inputDims.length !== 2) throw invalid(`input "${graphInput.name}" must have rank 4 [N,C,H,W] or 2 [N,F]`, {});
  const inputShape = inputDims.slice(1);
  if (inputShape.some((d) => d <= 0)) throw invalid(`input "${graphInput.name}" needs fixed non-batch dimensions`, { dims: inputDims });
  if ((graph.output ?? []).length !== 1) throw invalid("expected exactly 1 graph output", {});

  const parameters: ParameterTensor[] = [];
  const values: Float32Array[] = [];
  let offset = 0;
  const parameter = (node: NodeProto, name: string | undefined, expectedDims: number[], statistic?: ParameterTensor["statistic"]): number => {
    const tensor = initializers.get(name ?? "");
    if (tensor === undefined) throw invalid(`${node.opType} node "${node.name}": input "${name}" must be an initializer`, { node: node.name });
    const dims = tensorDims(tensor);
    if (dims.join(",") !== expectedDims.join(",")) {
      throw invalid(`initializer "${name}" has dims [${dims}], expected [${expectedDims}]`, { node: node.name, initializer: name });
    }
    if (parameters.some((p) => p.name === name)) throw invalid(`initializer "${name}" is used twice (weight sharing is not supported)`, {});
    const size = dims.reduce((a, b) => a * b, 1);
    parameters.push(statistic === undefined ? { name: name!, dims, offset, size } : { name: name!, dims, offset, size, statistic });
    values.push(floatValues(tensor));
    offset += size;
    return parameters.length - 1;
  };

  const layers: LayerDefinition[] = [];
  /**
   * Every activation so far by name: the layer that wrote it (−1: the input), its shape, how often it is
   * read, whether it is a [C, H, W] activation stored CNHW (otherwise row-major [example][…]), and whether
   * it has no batch axis in ONNX (a Gather's rows, stored for each example).
   */
  const activations = new Map<string, { layer: number; shape: number[]; reads: number; cnhw: boolean; batchless?: true }>([
    [graphInput.name ?? "", { layer: -1, shape: inputShape, reads: 0, cnhw: inputShape.length === 3 }],
  ]);
  let current = graphInput.name ?? "";
  let shape = inputShape;
  /** The Dropout layers and their per-example sizes, to number their draws once all are known. */
  const dropouts: { layer: LayerDefinition; size: number }[] = [];
  /** Records the node's one output as the activation of the last layer. */
  const write = (node: NodeProto, cnhw: boolean, batchless: boolean) => {
    current = node.output![0]!;
    if (activations.has(current)) throw invalid(`${node.opType} node "${node.name ?? ""}" writes "${current}", which an earlier node or the input already defines`, { node: node.name });
    activations.set(current, { layer: layers.length - 1, shape, reads: 0, cnhw: cnhw && shape.length === 3, ...(batchless ? { batchless: true as const } : {}) });
  };
  for (const node of graph.node ?? []) {
    const op = node.opType ?? "";
    const name = node.name ?? "";
    if (node.domain !== undefined && node.domain !== null && node.domain !== "" && node.domain !== "ai.onnx") {
      throw new VeritrainError(`unsupported ONNX op ${node.domain}.${op} (node "${name}")`, {
        code: "ONNX_UNSUPPORTED_OP", details: { op, domain: node.domain, node: name },
      });
    }
    if (!(SUPPORTED_ONNX_OPS as readonly string[]).includes(op)) {
      throw new VeritrainError(`unsupported ONNX op ${op} (node "${name}"); supported: ${SUPPORTED_ONNX_OPS.join(", ")}`, {
        code: "ONNX_UNSUPPORTED_OP", details: { op, node: name },
      });
    }
    const inputs = node.input ?? [];
    /** The activation `input` names, read once more. */
    const read = (input: string | undefined) => {
      const activation = activations.get(input ?? "");
      if (activation === undefined) {
        throw invalid(`${op} node "${name}" reads "${input ?? ""}", which is neither the graph input nor an earlier node's output (nodes must be in topological order)`, { node: name });
      }
      if (activation.batchless && op !== "Add" && op !== "Sub") {
        throw invalid(`${op} node "${name}" reads "${input}", a Gather's rows without a batch axis; only Add or Sub with an activation of its shape reads them`, { node: name });
      }
      activation.reads++;
      return activation;
    };
    if ((node.output ?? []).length !== 1) throw invalid(`${op} node "${name}" must have exactly 1 output`, { node: name });
    if (op === "Gather") {
      const { definition, outputShape } = gatherNode(node, initializers, parameter);
      layers.push({ ...definition, inputs: [] });
      shape = outputShape;
      write(node, false, true);
      continue;
    }
    // Add, Sub and Mul may take their initializer operand first (PyTorch exports Add(bias, x)).
    const activationOperand = (op === "Add" || op === "Sub" || op === "Mul") && initializers.has(inputs[0] ?? "") ? 1 : 0;
    const other = inputs[1 - activationOperand];
    const first = read(inputs[activationOperand]);
    shape = first.shape;
    let cnhw = first.cnhw;
    /** Refuses a CNHW input of several channels: the sequence ops read row-major activations. */
    const rowMajor = () => {
      if (cnhw && shape[0]! > 1) {
        throw invalid(`${op} node "${name}" needs a row-major input (tokens [T, D], features [F], or one channel [1, H, W]); [${shape}] is a CNHW activation of ${shape[0]} channels`, { node: name });
      }
      cnhw = false;
    };
    const from = [first.layer];
    const push = (layer: LayerKindDefinition) => layers.push({ ...layer, inputs: from });
    /** Add's, Sub's or Mul's initializer operand `other`: a parameter broadcast over this row-major activation's leading axes. */
    const broadcastParameter = (constant: TensorProto) => {
      if (cnhw && shape[0]! > 1) {
        throw invalid(`${op} node "${name}": its ${activationOperand === 0 ? "second" : "first"} operand "${other}" is an initializer, which ${op} broadcasts only over row-major activations (tokens [T, D], features [F]); [${shape}] is CNHW`, { node: name });
      }
      if (first.batchless) throw invalid(`${op} node "${name}" combines a Gather's rows "${inputs[activationOperand]}" with an initializer; one operand must be an activation with a batch axis`, { node: name });
      rowMajor();
      const dims = tensorDims(constant);
      const trailing = dims.slice(dims.findIndex((d) => d !== 1) < 0 ? dims.length : dims.findIndex((d) => d !== 1));
      if (trailing.length > shape.length || trailing.join(",") !== shape.slice(shape.length - trailing.length).join(",")) {
        const examples = op === "Mul" ? `a per-feature scale [${shape.at(-1)}]` : `a bias [${shape.at(-1)}], a positional embedding [${shape.slice(-2)}]`;
        throw invalid(`${op} node "${name}": initializer "${other}" of dims [${dims}] does not broadcast over [N,${shape}]; it must end the activation's shape (${examples})`, { node: name });
      }
      return parameter(node, other, dims);
    };
    /** Add's, Sub's or Mul's second activation `other`, of the first's shape and layout. */
    const secondActivation = () => {
      const second = read(other);
      if (first.batchless && second.batchless) throw invalid(`${op} node "${name}": both operands are a Gather's rows without a batch axis; one must be an activation with a batch axis`, { node: name });
      if (second.shape.join(",") !== shape.join(",") || second.cnhw !== first.cnhw) {
        const gathered = first.batchless || second.batchless ? ` (a Gather's rows [${first.batchless ? shape : second.shape}] broadcast over the batch only: they must have the other operand's per-example shape)` : "";
        throw invalid(`${op} node "${name}": operands have shapes [${shape}] and [${second.shape}]; ${op} combines two activations of the same shape (no broadcasting)${gathered}`, { node: name });
      }
      return second;
    };
    switch (op) {
      case "Conv": {
        const attributes = new Attributes(node, ["kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"]);
        if (shape.length !== 3 || !cnhw) throw invalid(`Conv node "${name}" needs a [C,H,W] input`, { node: name });
        const weight = initializers.get(inputs[1] ?? "");
        const weightDims = weight === undefined ? [] : tensorDims(weight);
        if (weightDims.length !== 4) throw invalid(`Conv node "${name}": weight must be a 4-D initializer`, { node: name });
        const [outChannels, inChannels, kH, kW] = weightDims as [number, number, number, number];
        if (inChannels !== shape[0]) throw invalid(`Conv node "${name}": weight has ${inChannels} input channels, input has ${shape[0]}`, { node: name });
        const kernel = pair(attributes.ints("kernel_shape", [kH, kW]), node, "kernel_shape");
        if (kernel[0] !== kH || kernel[1] !== kW) throw unsupportedAttribute(node, "kernel_shape", kernel, "must match the weight");
        const stride = pair(attributes.ints("strides", [1, 1]), node, "strides");
        const pads = attributes.ints("pads", [0, 0, 0, 0]);
        if (pads.length !== 4) throw unsupportedAttribute(node, "pads", pads, "must have 4 values");
        const dilations = attributes.ints("dilations", [1, 1]);
        if (dilations.some((d) => d !== 1)) throw unsupportedAttribute(node, "dilations", dilations, "must be 1");
        const group = attributes.int("group", 1);
        if (group !== 1) throw unsupportedAttribute(node, "group", group, "must be 1");
        const autoPad = attributes.string("auto_pad", "NOTSET");
        if (autoPad !== "NOTSET") throw unsupportedAttribute(node, "auto_pad", autoPad, "must be NOTSET (use explicit pads)");
        const weightIndex = parameter(node, inputs[1], weightDims);
        const biasIndex = inputs[2] === undefined || inputs[2] === "" ? null : parameter(node, inputs[2], [outChannels]);
        const [pT, pL, pB, pR] = pads as [number, number, number, number];
        push({ kind: "conv", name, inChannels, outChannels, kernel, stride, pads: [pT, pL, pB, pR], weight: weightIndex, bias: biasIndex });
        shape = [outChannels, Math.floor((shape[1]! + pT + pB - kH) / stride[0]) + 1, Math.floor((shape[2]! + pL + pR - kW) / stride[1]) + 1];
        break;
      }
      case "MaxPool": {
        const { attributes, kernel, stride, outShape } = poolWindow(node, shape, cnhw, "storage_order");
        const storageOrder = attributes.int("storage_order", 0);
        if (storageOrder !== 0) throw unsupportedAttribute(node, "storage_order", storageOrder, "must be 0");
        push({ kind: "maxPool", name, kernel, stride });
        shape = outShape;
        break;
      }
      case "AveragePool": {
        // count_include_pad may be either value: nothing is padded.
        const { kernel, stride, outShape } = poolWindow(node, shape, cnhw, "count_include_pad");
        push({ kind: "averagePool", name, kernel, stride });
        shape = outShape;
        break;
      }
      case "GlobalAveragePool":
        new Attributes(node, []);
        if (shape.length !== 3 || !cnhw) throw invalid(`GlobalAveragePool node "${name}" needs a [C,H,W] input`, { node: name });
        push({ kind: "averagePool", name, kernel: [shape[1]!, shape[2]!], stride: [1, 1] });
        shape = [shape[0]!, 1, 1];
        break;
      case "BatchNormalization": {
        const attributes = new Attributes(node, ["epsilon", "momentum", "training_mode", "spatial"]);
        const spatial = attributes.int("spatial", 1);
        if (spatial !== 1) throw unsupportedAttribute(node, "spatial", spatial, "must be 1");
        const trainingMode = attributes.int("training_mode", 0);
        if (trainingMode !== 0 && trainingMode !== 1) throw unsupportedAttribute(node, "training_mode", trainingMode, "must be 0 or 1");
        const epsilon = Math.fround(attributes.float("epsilon", 1e-5));
        if (!(epsilon > 0)) throw unsupportedAttribute(node, "epsilon", epsilon, "must be positive");
        const momentum = Math.fround(attributes.float("momentum", 0.9));
        if (!(momentum >= 0 && momentum <= 1)) throw unsupportedAttribute(node, "momentum", momentum, "must be in [0, 1]");
        if (shape.length !== 1 && !cnhw) throw invalid(`BatchNormalization node "${name}" needs [C,H,W] channels or [F] features, not [${shape}] (use LayerNormalization over tokens)`, { node: name });
        const channels = shape[0]!;
        const [scaleIndex, biasIndex] = [parameter(node, inputs[1], [channels]), parameter(node, inputs[2], [channels])];
        const meanIndex = parameter(node, inputs[3], [channels], { momentum });
        const varianceIndex = parameter(node, inputs[4], [channels], { momentum });
        if (values[varianceIndex]!.some((v) => !(v >= 0 && v < Number.POSITIVE_INFINITY))) {
          throw invalid(`BatchNormalization node "${name}": running variance "${inputs[4]}" must be finite and ≥ 0`, { node: name });
        }
        const positions = shape.length === 3 ? shape[1]! * shape[2]! : 1;
        push({ kind: "batchNorm", name, channels, positions, epsilon, scale: scaleIndex, bias: biasIndex, mean: meanIndex, variance: varianceIndex });
        break;
      }
      case "LogSoftmax": {
        const axis = new Attributes(node, ["axis"]).int("axis", -1);
        if (shape.length !== 1) throw invalid(`LogSoftmax node "${name}" needs a flat [N, F] input`, { node: name });
        if (axis !== 1 && axis !== -1) throw unsupportedAttribute(node, "axis", axis, "must be 1 or -1 (the features)");
        push({ kind: "logSoftmax", name });
        break;
      }
      case "Add":
      case "Sub": {
        new Attributes(node, []);
        const constant = initializers.get(other ?? "");
        if (constant !== undefined) {
          const subtract = op === "Add" ? {} : { subtract: activationOperand === 0 ? "parameter" as const : "input" as const };
          push({ kind: "broadcastAdd", name, parameter: broadcastParameter(constant), ...subtract });
          break;
        }
        from.push(secondActivation().layer);
        push(op === "Add" ? { kind: "add", name } : { kind: "add", name, subtract: true });
        break;
      }
      case "Concat": {
        const axis = new Attributes(node, ["axis"]).int("axis", Number.NaN);
        if (Number.isNaN(axis)) throw invalid(`Concat node "${name}" has no axis attribute (ONNX requires one)`, { node: name });
        const operands = [first, ...inputs.slice(1).map(read)];
        if (operands.length < 2) throw invalid(`Concat node "${name}" has ${operands.length} operand; it joins two or more activations`, { node: name });
        const counted = exampleAxes([axis], shape.length + 1)?.[0];
        if (counted === undefined) throw unsupportedAttribute(node, "axis", axis, `must be an axis of the ${shape.length + 1}-D operands other than the batch axis 0`);
        // CNHW activations of one channel are row-major [1, H, W] too: the layout is CNHW only if every operand is.
        const allCnhw = operands.every((operand) => operand.cnhw);
        if (!allCnhw && operands.some((operand) => operand.cnhw && operand.shape[0]! > 1)) {
          throw invalid(`Concat node "${name}" joins CNHW activations of several channels with row-major ones; its operands need one layout`, { node: name });
        }
        const mismatch = operands.find((operand) => operand.shape.length !== shape.length || operand.shape.some((extent, i) => i !== counted - 1 && extent !== shape[i]));
        if (mismatch !== undefined) throw invalid(`Concat node "${name}": operands [N,${shape}] and [N,${mismatch.shape}] differ on an axis other than ${counted}`, { node: name });
        from.push(...operands.slice(1).map((operand) => operand.layer));
        cnhw = allCnhw;
        push({ kind: "concat", name, axis: counted - 1, cnhw });
        shape = shape.map((extent, i) => (i === counted - 1 ? operands.reduce((sum, operand) => sum + operand.shape[i]!, 0) : extent));
        break;
      }
      case "Dropout": {
        const ratio = dropoutRatio(node, initializers, opset);
        push({ kind: "dropout", name, ratio, drawOffset: 0, drawsPerExample: 0, channels: cnhw ? shape[0]! : 1 });
        dropouts.push({ layer: layers.at(-1)!, size: shape.reduce((a, b) => a * b, 1) });
        break;
      }
      case "Unsqueeze":
      case "Squeeze": {
        const attributes = new Attributes(node, opset < 13 ? ["axes"] : []);
        const axesInput = initializers.get(inputs[1] ?? "");
        if (opset >= 13 && inputs[1] !== undefined && inputs[1] !== "" && axesInput === undefined) {
          throw invalid(`${op} node "${name}": axes "${inputs[1]}" must be an INT64 initializer (a constant)`, { node: name });
        }
        const axes = axesInput === undefined ? attributes.ints("axes", []) : int64Values(axesInput);
        if (axes.length === 0) throw unsupportedAttribute(node, "axes", axes, `must name the axes (without them ${op === "Squeeze" ? "Squeeze removes every axis of extent 1, the batch axis too when N = 1" : "Unsqueeze is invalid"})`);
        rowMajor();
        const shaped = squeezedShape(shape, axes, op === "Squeeze");
        if (typeof shaped === "string") throw unsupportedAttribute(node, "axes", axes, shaped);
        push({ kind: "reshape", name, shape: shaped });
        shape = shaped;
        break;
      }
      case "MatMul": {
        new Attributes(node, []);
        rowMajor();
        if (initializers.has(inputs[0] ?? "")) throw invalid(`MatMul node "${name}": its first operand "${inputs[0]}" is an initializer; the engine multiplies an activation by a weight (X·W) or two activations`, { node: name });
        const weight = initializers.get(other ?? "");
        if (weight !== undefined) {
          const dims = tensorDims(weight);
          if (dims.length !== 2 || dims[0] !== shape.at(-1)) {
            throw invalid(`MatMul node "${name}": weight "${other}" has dims [${dims}]; it must be 2-D [${shape.at(-1)}, out] for the input [N,${shape}]`, { node: name });
          }
          const [inFeatures, outFeatures] = dims as [number, number];
          push({ kind: "matMulWeight", name, inFeatures, outFeatures, weight: parameter(node, other, dims) });
          shape = [...shape.slice(0, -1), outFeatures];
          break;
        }
        const second = read(other);
        const [a, b] = [shape, second.shape];
        const batchesMatch = a.length === b.length && a.slice(0, -2).join(",") === b.slice(0, -2).join(",");
        if (a.length < 2 || !batchesMatch || a.at(-1) !== b.at(-2) || (second.cnhw && b[0]! > 1)) {
          throw invalid(`MatMul node "${name}": operands [N,${a}] and [N,${b}] must be [N, …, M, K] and [N, …, K, N'] with the same leading axes (no broadcasting)`, { node: name });
        }
        from.push(second.layer);
        push({ kind: "batchedMatMul", name });
        shape = [...a.slice(0, -1), b.at(-1)!];
        break;
      }
      case "Mul":
      case "Div": {
        new Attributes(node, []);
        const constant = initializers.get(other ?? "");
        const values = constant === undefined || constant.dataType !== ONNX_FLOAT ? [] : Array.from(floatValues(constant));
        if (op === "Mul" && constant === undefined) {
          from.push(secondActivation().layer);
          push({ kind: "mul", name });
          break;
        }
        if (op === "Mul" && values.length > 1) {
          push({ kind: "broadcastMul", name, parameter: broadcastParameter(constant!) });
          break;
        }
        if (op === "Div" && activationOperand === 1) throw invalid(`Div node "${name}": the dividend "${inputs[0]}" is an initializer; the engine divides an activation by a constant`, { node: name });
        if (values.length !== 1 || !Number.isFinite(values[0]) || (op === "Div" && values[0] === 0)) {
          const rule = op === "Div" ? "a FLOAT initializer of one finite, non-zero value (the engine divides an activation by a constant)" : "a FLOAT initializer (one finite value: a constant scale; several: a parameter broadcast over the activation) or an activation of the same shape";
          throw invalid(`${op} node "${name}": operand "${other}" must be ${rule}`, { node: name });
        }
        push({ kind: "scale", name, factor: values[0]!, divide: op === "Div" });
        break;
      }
      case "LayerNormalization": {
        const attributes = new Attributes(node, ["axis", "epsilon", "stash_type"]);
        rowMajor();
        const axis = attributes.int("axis", -1);
        if (axis !== -1 && axis !== shape.length) throw unsupportedAttribute(node, "axis", axis, "must be -1 (the last axis)");
        const epsilon = Math.fround(attributes.float("epsilon", 1e-5));
        if (!(epsilon > 0)) throw unsupportedAttribute(node, "epsilon", epsilon, "must be positive");
        const stashType = attributes.int("stash_type", 1);
        if (stashType !== 1) throw unsupportedAttribute(node, "stash_type", stashType, "must be 1 (statistics in float)");
        const features = shape.at(-1)!;
        const scale = parameter(node, inputs[1], [features]);
        const bias = inputs[2] === undefined || inputs[2] === "" ? null : parameter(node, inputs[2], [features]);
        push({ kind: "layerNorm", name, features, epsilon, scale, bias });
        break;
      }
      case "Gelu": {
        const approximate = new Attributes(node, ["approximate"]).string("approximate", "none");
        if (approximate !== "none" && approximate !== "tanh") throw unsupportedAttribute(node, "approximate", approximate, `must be "none" or "tanh"`);
        push({ kind: "gelu", name, approximate });
        break;
      }
      case "Softmax": {
        // Opset 13 made −1 the default; before, axis 1 of a 2-D input is its last axis too.
        const axis = new Attributes(node, ["axis"]).int("axis", opset >= 13 ? -1 : 1);
        rowMajor();
        if (axis !== -1 && axis !== shape.length) throw unsupportedAttribute(node, "axis", axis, "must be -1 (the last axis)");
        push({ kind: "softmax", name });
        break;
      }
      case "Transpose": {
        const perm = new Attributes(node, ["perm"]).ints("perm", Array.from({ length: shape.length + 1 }, (_, i) => shape.length - i));
        rowMajor();
        const isPermutation = perm.length === shape.length + 1 && [...perm].sort((x, y) => x - y).every((axis, i) => axis === i);
        if (!isPermutation || perm[0] !== 0) throw unsupportedAttribute(node, "perm", perm, `must permute the ${shape.length + 1} axes keeping the batch axis 0 first`);
        const own = perm.slice(1).map((axis) => axis - 1);
        push({ kind: "transpose", name, perm: own });
        shape = own.map((axis) => shape[axis]!);
        break;
      }
      case "ReduceMean": {
        const attributes = new Attributes(node, ["axes", "keepdims", "noop_with_empty_axes"]);
        rowMajor();
        const axesInput = initializers.get(inputs[1] ?? "");
        if (inputs[1] !== undefined && inputs[1] !== "" && axesInput === undefined) throw invalid(`ReduceMean node "${name}": axes must be an initializer`, { node: name });
        const axes = axesInput === undefined ? attributes.ints("axes", []) : int64Values(axesInput);
        const keepDims = attributes.int("keepdims", 1);
        if (keepDims !== 0) throw unsupportedAttribute(node, "keepdims", keepDims, "must be 0 (pooling [N, T, D] to [N, D])");
        const noop = attributes.int("noop_with_empty_axes", 0);
        if (noop !== 0) throw unsupportedAttribute(node, "noop_with_empty_axes", noop, "must be 0");
        if (shape.length !== 2 || axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -2)) throw unsupportedAttribute(node, "axes", axes, "must be [1]: the tokens of a [N, T, D] input");
        push({ kind: "reduceMean", name });
        shape = [shape[1]!];
        break;
      }
      case "Relu":
      case "Sigmoid":
      case "Tanh":
        new Attributes(node, []); // rejects any attribute
        push({ kind: op === "Relu" ? "relu" : op === "Sigmoid" ? "sigmoid" : "tanh", name });
        break;
      case "Flatten": {
        const axis = new Attributes(node, ["axis"]).int("axis", 1);
        if (axis !== 1) throw unsupportedAttribute(node, "axis", axis, "must be 1");
        const width = shape.reduce((a, b) => a * b, 1);
        push(shape.length === 3 && !cnhw ? { kind: "reshape", name, shape: [width] } : { kind: "flatten", name });
        shape = [width];
        break;
      }
      case "Reshape": {
        const allowZero = new Attributes(node, ["allowzero"]).int("allowzero", 0);
        if (allowZero !== 0) throw unsupportedAttribute(node, "allowzero", allowZero, "must be 0");
        const target = initializers.get(inputs[1] ?? "");
        if (target === undefined) throw invalid(`Reshape node "${name}": shape must be an initializer`, { node: name });
        const width = shape.reduce((a, b) => a * b, 1);
        const dims = int64Values(target);
        const flattens = dims.length === 2 && (dims[0] === -1 || dims[0] === 0) && (dims[1] === -1 || dims[1] === width);
        if (flattens && (cnhw || shape.length !== 3)) {
          push({ kind: "flatten", name });
          shape = [width];
          break;
        }
        if (cnhw && shape[0]! > 1) throw unsupportedAttribute(node, "shape", dims, `[${shape}] has ${shape[0]} channels stored CNHW: only flattening to [N, ${width}] is supported`);
        const shaped = reshapeTarget(dims, shape);
        if (shaped === undefined) throw unsupportedAttribute(node, "shape", dims, `must be [0 or -1, …] keeping the batch axis and the ${width} values of an example (0 copies an input axis, one -1 is inferred)`);
        rowMajor();
        push({ kind: "reshape", name, shape: shaped });
        shape = shaped;
        break;
      }
      case "Gemm": {
        const attributes = new Attributes(node, ["alpha", "beta", "transA", "transB"]);
        if (shape.length !== 1) throw invalid(`Gemm node "${name}" needs a flat [N, F] input (add Flatten)`, { node: name });
        const alpha = attributes.float("alpha", 1);
        if (alpha !== 1) throw unsupportedAttribute(node, "alpha", alpha, "must be 1");
        const beta = attributes.float("beta", 1);
        if (beta !== 1) throw unsupportedAttribute(node, "beta", beta, "must be 1");
        const transA = attributes.int("transA", 0);
        if (transA !== 0) throw unsupportedAttribute(node, "transA", transA, "must be 0");
        const transB = attributes.int("transB", 0);
        if (transB !== 1) throw unsupportedAttribute(node, "transB", transB, "must be 1 (weight stored [out, in])");
        const weight = initializers.get(inputs[1] ?? "");
        const weightDims = weight === undefined ? [] : tensorDims(weight);
        if (weightDims.length !== 2) throw invalid(`Gemm node "${name}": weight must be a 2-D initializer`, { node: name });
        const [outFeatures, inFeatures] = weightDims as [number, number];
        if (inFeatures !== shape[0]) throw invalid(`Gemm node "${name}": weight expects ${inFeatures} inputs, got ${shape[0]}`, { node: name });
        const weightIndex = parameter(node, inputs[1], weightDims);
        const biasIndex = inputs[2] === undefined || inputs[2] === "" ? null : parameter(node, inputs[2], [outFeatures]);
        push({ kind: "linear", name, inFeatures, outFeatures, weight: weightIndex, bias: biasIndex });
        shape = [outFeatures];
        break;
      }
    }
    write(node, cnhw, false);
  }
  for (const [activation, { layer, reads }] of activations) {
    if (reads === 0 && activation !== current) {
      throw invalid(`"${activation}" (${layer < 0 ? "the graph input" : `node "${layers[layer]!.name}"`}) is never read: remove the unused branch`, { activation });
    }
  }
  // Each Dropout draws after the ones before it in graph order (docs/training.md §4).
  const drawsPerExample = dropouts.reduce((sum, { size }) => sum + size, 0);
  let drawOffset = 0;
  for (const { layer, size } of dropouts) {
    Object.assign(layer, { drawOffset, drawsPerExample });
    drawOffset += size;
  }
  const outputName = graph.output![0]!.name ?? "";
  if (current !== outputName) throw invalid(`graph output "${outputName}" is not the last node's output "${current}"`, {});
  if (shape.length !== 1) throw invalid("the last node must produce [N, classes] logits", { shape });

  const params = new Float32Array(offset);
  parameters.forEach((p, i) => params.set(values[i]!, p.offset));
  const definition: ModelDefinition = {
    inputName: graphInput.name ?? "",
    outputName,
    inputShape,
    classes: shape[0]!,
    layers,
    parameters,
    parameterCount: offset,
  };
  return { definition, params };
}
