import { constant, encodeModel, heUniform, int, int64s, ints, string } from "./onnxBuilder.ts";
import type { NodeProto, TensorProto } from "./onnxProto.ts";

/** Parameters of {@link createTransformerOnnx}. */
export type CreateTransformerOnnxParameters = {
  /** Seed of the weight initialisation (unsigned 64-bit). */
  seed: bigint;
  /** Features per token. @default 32 */
  width?: number;
  /** Encoder layers. @default 1 */
  layers?: number;
  /** Attention heads (dividing `width`). @default 2 */
  heads?: number;
  /** Gelu's form: exact ("none", PyTorch's nn.GELU()) or its tanh approximation. @default "none" */
  gelu?: "none" | "tanh";
  /**
   * How the learned positional embedding [28, d] joins the tokens: "add" adds it as an initializer;
   * "gather" reads its rows 0 … 27 with a Gather (as PyTorch exports nn.Embedding at positions
   * arange(28)) and adds them. Both train to the same bits; the default keeps the template's CID.
   * @default "add"
   */
  positional?: "add" | "gather";
};

const TOKENS = 28;
const CLASSES = 10;

/**
 * A small transformer encoder for MNIST that reads each image as 28 row tokens of 28 pixels, as an
 * ONNX model (opset 20) with deterministic initial weights (docs/training.md §10):
 * input [N,1,28,28] → Reshape [N,28,28] → MatMul 28→d + bias → + positional [28, d] → `layers` ×
 * pre-norm encoder layer (LayerNorm → multi-head self-attention → Add residual → LayerNorm →
 * MatMul d→4d + bias → Gelu → MatMul 4d→d + bias → Add residual) → LayerNorm → ReduceMean over the
 * tokens → Gemm d→10 → logits. Attention is written out as PyTorch exports a hand-written one:
 * Q, K, V projections, Reshape [N,28,h,d/h], Transpose (perm [0,2,1,3], K's [0,2,3,1]), MatMul,
 * Div by √(d/h), Softmax, MatMul by V, Transpose back, Reshape [N,28,d], output projection.
 * He-uniform weights w = fround((2u − 1)·√(6 / fanIn)) from the keyed streams (seed, 2, t), t counting
 * in graph order the MatMul weights and biases, the positional embedding (fan-in d) and the Gemm's
 * weight and bias; biases 0, every LayerNorm's scale 1 and bias 0.
 *
 * @example
 * writeFileSync("transformer.onnx", createTransformerOnnx({ seed: 1n }));
 */
export function createTransformerOnnx({ seed, width = 32, layers = 1, heads = 2, gelu = "none", positional = "add" }: CreateTransformerOnnxParameters): Uint8Array {
  const headWidth = width / heads;
  const initializers: TensorProto[] = [
    int64s("tokens.shape", [-1, TOKENS, TOKENS]),
    int64s("heads.shape", [0, 0, heads, headWidth]),
    int64s("merge.shape", [0, 0, width]),
    constant("attention.scale", 1, Math.sqrt(headWidth), []),
    int64s("pool.axes", [1]),
  ];
  const nodes: NodeProto[] = [];
  let tensors = 0;
  /** Appends a node; its output is named after it. */
  const node = (name: string, opType: string, inputs: string[], attribute: NodeProto["attribute"] = []) => {
    nodes.push({ name, opType, input: inputs, output: [`${name}_out`], attribute });
    return `${name}_out`;
  };
  /** x·W + b with W [from, to] He-uniform (fan-in `from`) and b [to] 0, as PyTorch exports nn.Linear on [N, T, from]. */
  const linear = (name: string, x: string, from: number, to: number) => {
    initializers.push(heUniform(seed, tensors++, `${name}.weight`, [from, to], from, false));
    initializers.push(heUniform(seed, tensors++, `${name}.bias`, [to], from, true));
    return node(`${name}.add`, "Add", [node(`${name}.matmul`, "MatMul", [x, `${name}.weight`]), `${name}.bias`]);
  };
  const layerNorm = (name: string, x: string) => {
    initializers.push(constant(`${name}.scale`, width, 1), constant(`${name}.bias`, width, 0));
    return node(name, "LayerNormalization", [x, `${name}.scale`, `${name}.bias`], [int("axis", -1)]);
  };
  const splitHeads = (name: string, x: string, perm: number[]) => node(`${name}.transpose`, "Transpose", [node(`${name}.split`, "Reshape", [x, "heads.shape"])], [ints("perm", perm)]);
  const attention = (name: string, x: string) => {
    const q = splitHeads(`${name}.q`, linear(`${name}.q`, x, width, width), [0, 2, 1, 3]);
    const k = splitHeads(`${name}.k`, linear(`${name}.k`, x, width, width), [0, 2, 3, 1]);
    const v = splitHeads(`${name}.v`, linear(`${name}.v`, x, width, width), [0, 2, 1, 3]);
    const scores = node(`${name}.scale`, "Div", [node(`${name}.scores`, "MatMul", [q, k]), "attention.scale"]);
    const weights = node(`${name}.softmax`, "Softmax", [scores], [int("axis", -1)]);
    const context = node(`${name}.context`, "MatMul", [weights, v]);
    const merged = node(`${name}.merge`, "Reshape", [node(`${name}.unsplit`, "Transpose", [context], [ints("perm", [0, 2, 1, 3])]), "merge.shape"]);
    return linear(`${name}.out`, merged, width, width);
  };

  const tokens = node("tokens", "Reshape", ["input", "tokens.shape"]);
  const embedded = linear("embed", tokens, TOKENS, width);
  initializers.push(heUniform(seed, tensors++, "position", [TOKENS, width], width, false));
  if (positional === "gather") initializers.push(int64s("position.indices", Array.from({ length: TOKENS }, (_, t) => t)));
  const positions = positional === "gather" ? node("position.gather", "Gather", ["position", "position.indices"], [int("axis", 0)]) : "position";
  let x = node("position.add", "Add", [embedded, positions]);
  for (let l = 0; l < layers; l++) {
    const name = `layer${l}`;
    const attended = node(`${name}.residual1`, "Add", [x, attention(`${name}.attention`, layerNorm(`${name}.ln1`, x))]);
    const hidden = node(`${name}.gelu`, "Gelu", [linear(`${name}.fc1`, layerNorm(`${name}.ln2`, attended), width, 4 * width)], [string("approximate", gelu)]);
    x = node(`${name}.residual2`, "Add", [attended, linear(`${name}.fc2`, hidden, 4 * width, width)]);
  }
  const pooled = node("pool", "ReduceMean", [layerNorm("ln", x), "pool.axes"], [int("keepdims", 0)]);
  initializers.push(heUniform(seed, tensors++, "head.weight", [CLASSES, width], width, false));
  initializers.push(heUniform(seed, tensors++, "head.bias", [CLASSES], width, true));
  nodes.push({ name: "head", opType: "Gemm", input: [pooled, "head.weight", "head.bias"], output: ["logits"], attribute: [int("transB", 1)] });
  return encodeModel({ name: "transformer", nodes, initializers, inputShape: [1, 28, 28], classes: CLASSES, opset: 20 });
}
