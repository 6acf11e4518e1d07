import { onnx, ONNX_FLOAT, ONNX_INT64, type AttributeProto, type NodeProto, type TensorProto } from "./onnxProto.ts";
import { PRNG_DOMAIN, SplitMix64 } from "./prng.ts";

/**
 * The pieces the engine's model templates (LeNet-5, the residual CNN, the transformer) are built from: deterministic
 * initializers, attributes and the model's encoding (ONNX opset 13).
 */

const ATTRIBUTE_INTS = 7;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_STRING = 3;

/** An INTS attribute. */
export function ints(name: string, values: number[]): AttributeProto {
  return { name, type: ATTRIBUTE_INTS, ints: values };
}

/** A STRING attribute. */
export function string(name: string, value: string): AttributeProto {
  return { name, type: ATTRIBUTE_STRING, s: new TextEncoder().encode(value) };
}

/** An INT64 initializer (a Reshape's shape, a ReduceMean's axes). */
export function int64s(name: string, values: number[]): TensorProto {
  return { name, dims: [values.length], dataType: ONNX_INT64, int64Data: values };
}

/** An INT attribute. */
export function int(name: string, value: number): AttributeProto {
  return { name, type: ATTRIBUTE_INT, i: value };
}

/**
 * He-uniform initialisation of tensor `index`: weights w = fround((2u − 1)·√(6 / fanIn)) with u
 * from `SplitMix64.nextUnit()` of the keyed stream (seed, init, index), in row-major order;
 * biases (`isBias`) are 0.
 */
export function heUniform(seed: bigint, index: number, name: string, dims: number[], fanIn: number, isBias: boolean): TensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  const raw = new Uint8Array(size * 4);
  if (!isBias) {
    const view = new DataView(raw.buffer);
    const rng = SplitMix64.keyed({ seed, domain: PRNG_DOMAIN.init, index: BigInt(index) });
    const bound = Math.sqrt(6 / fanIn);
    for (let i = 0; i < size; i++) view.setFloat32(i * 4, (2 * rng.nextUnit() - 1) * bound, true);
  }
  return { name, dims, dataType: ONNX_FLOAT, rawData: raw };
}

/** A FLOAT initializer of `dims` ([size] by default) whose every element is `value`. */
export function constant(name: string, size: number, value: number, dims = [size]): TensorProto {
  const raw = new Uint8Array(size * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < size; i++) view.setFloat32(i * 4, value, true);
  return { name, dims, dataType: ONNX_FLOAT, rawData: raw };
}

/**
 * A BatchNormalization (ONNX defaults: ε 1e-5, momentum 0.9) named `name` from `input` to `output`
 * over `channels`, with γ 1, β 0, running mean 0 and variance 1; its four initializers join `initializers`.
 */
export function batchNormNode(name: string, input: string, output: string, channels: number, initializers: TensorProto[]): NodeProto {
  const tensors = [constant(`${name}.scale`, channels, 1), constant(`${name}.bias`, channels, 0), constant(`${name}.mean`, channels, 0), constant(`${name}.var`, channels, 1)];
  initializers.push(...tensors);
  return { name, opType: "BatchNormalization", input: [input, ...tensors.map((t) => t.name!)], output: [output] };
}

/** Parameters of {@link encodeModel}. */
export type EncodeModelParameters = {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  /** The input "input" [N, …inputShape] and the output "logits" [N, classes]. */
  inputShape: number[];
  classes: number;
  /** The default domain's opset: 13 (IR 8), or 20 for LayerNormalization and Gelu (IR 9). @default 13 */
  opset?: 13 | 20;
};

/** The ONNX model (IR 8 and opset 13, or IR 9 and opset 20; producer veritrain) of a graph from "input" to "logits". */
export function encodeModel({ name, nodes, initializers, inputShape, classes, opset = 13 }: EncodeModelParameters): Uint8Array {
  const tensorType = (dims: Array<number | string>) => ({
    tensorType: {
      elemType: ONNX_FLOAT,
      shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
    },
  });
  return onnx.ModelProto.encode({
    irVersion: opset === 13 ? 8 : 9,
    producerName: "veritrain",
    producerVersion: "1",
    opsetImport: [{ domain: "", version: opset }],
    graph: {
      name,
      node: nodes,
      initializer: initializers,
      input: [{ name: "input", type: tensorType(["N", ...inputShape]) }],
      output: [{ name: "logits", type: tensorType(["N", classes]) }],
    },
  }).finish();
}
