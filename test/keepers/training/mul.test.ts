/**
 * ONNX Mul beyond a constant scale (docs/training.md §4, §10): of two activations and by a parameter broadcast over
 * the leading axes. The layers against their element-by-element rule, gradients against finite differences,
 * bit-identical runs on 1, 2 and 3 threads, onnxruntime's outputs of the exported trained model, the importer's
 * refusals and the training VM's.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { BroadcastMul, Mul } from "../../../keepers/src/training/mul.ts";
import { constant, encodeModel, heUniform, int, ints } from "../../../keepers/src/training/onnxBuilder.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import type { NodeProto } from "../../../keepers/src/training/onnxProto.ts";
import { jobProgram } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { seededRandom } from "../erasure/seededRandom.ts";
import { assertThreadIdentity, gradientCheck, smallJob } from "./fixtures.ts";
import { mulModel, node } from "./operatorModels.ts";
import { compareWithOnnxRuntime } from "./runtimeComparison.ts";

const f = Math.fround;
const bits = (values: Float32Array) => new Uint32Array(values.buffer, values.byteOffset, values.length);

/** `count` binary32 values: the special ones (±0, ±∞, NaN, the extremes, a subnormal), then seeded random ones. */
function values(seed: number, count: number): Float32Array {
  const special = [0, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38, -1e-45, 1.5, -2.25];
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, (_, i) => special[(i * 7 + seed) % 23] ?? (random.int(2_000_001) - 1_000_000) / 1e5);
}

function refusedImport(bytes: Uint8Array, code: string, message: RegExp): void {
  assert.throws(() => importOnnxModel(bytes), (error: unknown) => error instanceof VeritrainError && error.code === code && message.test(error.message));
}

describe("Mul of activations and of a broadcast parameter", () => {
  it("computes y = fround(a·b) and the gradients fround(dy·b), fround(dy·a), bit for bit, special values included", () => {
    const [n, shape] = [3, [5, 7]];
    const size = n * 35;
    const [a, b, dy] = [values(1, size), values(2, size), values(3, size)];
    const layer = new Mul({ inputShape: shape, operands: [a, b], maxExamples: n });
    layer.forward(new Float32Array(0), n);
    assert.deepEqual(bits(layer.output.subarray(0, size)), bits(a.map((x, i) => f(x * b[i]!))));
    layer.backward(new Float32Array(0), dy, n);
    assert.deepEqual(bits(layer.inputGradient.subarray(0, size)), bits(dy.map((g, i) => f(g * b[i]!))), "first operand");
    assert.deepEqual(bits(layer.operandGradients[0].subarray(0, size)), bits(dy.map((g, i) => f(g * a[i]!))), "second operand");
  });

  it("broadcasts a parameter over the leading axes: dP sums dy·x over the repeats in binary64, rounded once", () => {
    const [n, shape] = [4, [6, 5]];
    const size = n * 30;
    const random = seededRandom(9);
    const x = Float32Array.from({ length: size }, () => f((random.int(2001) - 1000) / 997));
    const dy = Float32Array.from({ length: size }, () => f((random.int(2001) - 1000) / 991));
    const params = Float32Array.from({ length: 12 }, (_, i) => f(0.25 * i - 1.1));
    const layer = new BroadcastMul({ definition: { kind: "broadcastMul", name: "scale", parameter: 0 }, inputShape: shape, maxExamples: n, parameters: [{ name: "s", offset: 7, size: 5, dims: [5] }] });
    layer.forward(x, n, params);
    assert.deepEqual(bits(layer.output.subarray(0, size)), bits(x.map((v, i) => f(v * params[7 + (i % 5)]!))));
    const grads = new Float32Array(12).fill(99);
    layer.backward(x, dy, n, params, grads);
    assert.deepEqual(bits(layer.inputGradient.subarray(0, size)), bits(dy.map((g, i) => f(g * params[7 + (i % 5)]!))), "input gradient");
    const expected = Array.from({ length: 5 }, (_, j) => {
      let sum = 0;
      for (let at = j; at < size; at += 5) sum += dy[at]! * x[at]!;
      return f(sum);
    });
    assert.deepEqual([...grads.subarray(7)], expected, "parameter gradient");
    assert.deepEqual([...grads.subarray(0, 7)], Array(7).fill(99), "no other gradient written");
  });

  it("imports the Muls as layers, and every sampled gradient element agrees with a central finite difference", () => {
    const { definition } = importOnnxModel(mulModel());
    assert.deepEqual(
      definition.layers.map(({ kind, inputs }) => [kind, inputs]),
      [["reshape", [-1]], ["matMulWeight", [0]], ["broadcastMul", [1]], ["tanh", [2]], ["broadcastMul", [1]], ["sigmoid", [4]], ["mul", [3, 5]], ["mul", [6, 6]], ["reduceMean", [7]], ["linear", [8]]],
    );
    assert.deepEqual(definition.parameters.map(({ name, dims }) => [name, dims]), [["w1", [28, 8]], ["scale1", [8]], ["scale2", [1, 8]], ["head.weight", [10, 8]], ["head.bias", [10]]]);
    const samples = gradientCheck(mulModel());
    assert.equal(samples.length, 4 * 5);
    for (const { index, analytic, numeric } of samples) {
      assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 0.05 * Math.abs(analytic), `parameter ${index}: analytic ${analytic}, numeric ${numeric}`);
    }
    assert.ok(samples.some(({ analytic }) => Math.abs(analytic) > 1e-3), "the gradient is not trivially zero");
  });

  it("trains bit-identically on 1, 2 and 3 threads, and onnxruntime agrees with the engine on the exported model", async () => {
    const { job, run } = await assertThreadIdentity(mulModel());
    const params = run.finalState.params;
    const digest = createHash("sha256").update(new Uint8Array(params.buffer, params.byteOffset, params.byteLength)).digest("hex");
    assert.equal(digest, "48744e66c295d4530efc25aa72abd4133f3d1311e2ccb7cdc2ec44de3c10a3bd", "docs/training.md §4's test vector of Mul (veritrain-train/2)");
    const { examples, agree, maxLogitDifference } = await compareWithOnnxRuntime(job, run.finalState.params);
    assert.ok(maxLogitDifference < 1e-4, `logits within 1e-4 (max difference ${maxLogitDifference})`);
    assert.ok(agree >= examples - 10, `argmax agreement ${agree}/${examples}`);
  });

  it("refuses what it cannot train, with one line naming the node and the rule; the training VM runs Mul of two activations, refuses Mul by a parameter", () => {
    const edited = (name: string, edit: Partial<NodeProto>) => mulModel((nodes) => Object.assign(nodes.find((n) => n.name === name)!, edit));
    refusedImport(edited("gated", { input: ["tanh", "mean"] }), "ONNX_MODEL_INVALID", /Mul node "gated" reads "mean", which is neither the graph input nor an earlier node's output/);
    refusedImport(edited("squared", { input: ["gated", "tokens"] }), "ONNX_MODEL_INVALID", /Mul node "squared": operands have shapes \[28,8\] and \[28,28\]; Mul combines two activations of the same shape \(no broadcasting\)/);
    const unbroadcast = mulModel((nodes, initializers) => {
      initializers.push(heUniform(1n, 8, "rows", [4, 8], 8, false));
      Object.assign(nodes.find((n) => n.name === "scaled")!, { input: ["embed", "rows"] });
      initializers.splice(initializers.findIndex((t) => t.name === "scale1"), 1);
    });
    refusedImport(unbroadcast, "ONNX_MODEL_INVALID", /Mul node "scaled": initializer "rows" of dims \[4,8\] does not broadcast over \[N,28,8\]; it must end the activation's shape \(a per-feature scale \[8\]\)/);
    const cnhw = mulModel((nodes, initializers) => {
      initializers.push(heUniform(1n, 9, "conv.weight", [2, 1, 3, 3], 9, false), heUniform(1n, 10, "planes", [2, 28, 28], 9, false));
      nodes.unshift(node("conv", "Conv", ["input", "conv.weight"], [ints("pads", [1, 1, 1, 1])]), node("planeScale", "Mul", ["conv", "planes"]));
    });
    refusedImport(cnhw, "ONNX_MODEL_INVALID", /Mul node "planeScale": its second operand "planes" is an initializer, which Mul broadcasts only over row-major activations/);
    const gate = (second: string) => encodeModel({
      name: "gate",
      nodes: [
        node("flatten", "Flatten", ["input"]),
        node("fc", "Gemm", ["flatten", "fc.weight", "fc.bias"], [int("transB", 1)]),
        node("square", "Mul", ["fc", second]),
        node("head", "Gemm", ["square", "head.weight", "head.bias"], [int("transB", 1)]),
      ],
      initializers: [
        heUniform(1n, 0, "fc.weight", [16, 784], 784, false), constant("fc.bias", 16, 0), heUniform(1n, 1, "head.weight", [10, 16], 16, false), constant("head.bias", 10, 0),
        heUniform(1n, 2, "scale", [16], 16, false),
      ],
      inputShape: [1, 28, 28],
      classes: 10,
      opset: 20,
    });
    // Its operators: test/keepers/trainingVm/trainingVm.test.ts runs a gated MLP's steps bit for bit.
    assert.ok(jobProgram(smallJob({ modelBytes: gate("fc"), trainCount: 64 })).operators.length > 0, "Mul of two activations commits a program");
    assert.throws(() => jobProgram(smallJob({ modelBytes: gate("scale"), trainCount: 64 })), (error: unknown) => error instanceof VeritrainError && error.code === "VM_UNSUPPORTED" && /a broadcastMul layer \(square\)/.test(error.message));
  });
});
