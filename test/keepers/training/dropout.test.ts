/**
 * Dropout (docs/training.md §2, §4, §10): its masks against SplitMix64 drawn one output after another,
 * their independence of how a batch is cut into micro-batches, the inverted scaling, the identity in
 * evaluation, gradients against finite differences, bit-identical runs on 1, 2 and 3 threads, a ratio 0
 * that trains as no Dropout at all, onnxruntime's outputs, the importer's refusals and the training VM's program.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { Dropout, type DropoutKey } from "../../../keepers/src/training/dropout.ts";
import type { DropoutLayerDefinition } from "../../../keepers/src/training/modelDefinition.ts";
import { int } from "../../../keepers/src/training/onnxBuilder.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { ONNX_BOOL } from "../../../keepers/src/training/onnxProto.ts";
import { PRNG_DOMAIN, SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { jobProgram } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { OPERATOR_KINDS } from "../../../keepers/src/trainingVm/stepProgram.ts";
import { assertThreadIdentity, gradientCheck, smallJob } from "./fixtures.ts";
import { dropoutModel } from "./operatorModels.ts";
import { compareWithOnnxRuntime } from "./runtimeComparison.ts";

/** The high words of outputs `from` … `from + count − 1` of the stream (seed, 7, step), drawn one after another. */
function streamWords(seed: bigint, step: number, from: number, count: number): number[] {
  const rng = SplitMix64.keyed({ seed, domain: PRNG_DOMAIN.dropout, index: BigInt(step) });
  for (let k = 0; k < from; k++) rng.nextUint64();
  return Array.from({ length: count }, () => rng.nextUint32());
}

function dropoutLayer(definition: Omit<DropoutLayerDefinition, "kind" | "name">, inputShape: number[], key: DropoutKey): Dropout {
  return new Dropout({ definition: { kind: "dropout", name: "d", ...definition }, inputShape, maxExamples: 4, key });
}

function assertRefused(bytes: Uint8Array, code: string, message: RegExp): void {
  assert.throws(() => importOnnxModel(bytes), (error: unknown) => error instanceof VeritrainError && error.code === code && message.test(error.message));
}

describe("Dropout", () => {
  it("keeps draw k of the stream (seed, 7, step) iff its high word is ≥ p·2^32: docs/training.md §2's vector", () => {
    // docs/training.md §2: seed 1, step 0, p = 0.5: the first 16 draws keep 1000110100111001.
    const key = { seed: 1n, step: 0, position: 0 };
    const layer = dropoutLayer({ ratio: 0.5, drawOffset: 0, drawsPerExample: 16, channels: 1 }, [16], key);
    layer.forward(new Float32Array(16).fill(1), 1, new Float32Array(0), true);
    assert.equal(Array.from(layer.output.subarray(0, 16), (y) => (y === 0 ? 0 : 1)).join(""), "1000110100111001");
    assert.deepEqual(streamWords(1n, 0, 0, 2), [0xa18ffa85, 0x58d5a0b2], "the stream's first high words, as §2 lists them");
  });

  it("draws example b's element j at b·W + offset + j, in ONNX order for CNHW, whatever the micro-batch", () => {
    // Two channels of 3 values per example (stored [c][example][3]); W = 10 draws per example, this layer's from 4.
    const ratio = Math.fround(0.3);
    const key = { seed: 9n, step: 5, position: 2 };
    const definition = { ratio, drawOffset: 4, drawsPerExample: 10, channels: 2 };
    const x = Float32Array.from({ length: 24 }, (_, i) => i + 1);
    const whole = dropoutLayer(definition, [2, 1, 3], key);
    whole.forward(x, 4, new Float32Array(0), true);
    for (let e = 0; e < 4; e++) {
      const words = streamWords(9n, 5, (2 + e) * 10 + 4, 6);
      for (let c = 0; c < 2; c++) {
        for (let i = 0; i < 3; i++) {
          const at = (c * 4 + e) * 3 + i;
          const expected = words[c * 3 + i]! >= ratio * 2 ** 32 ? Math.fround(x[at]! / (1 - ratio)) : 0;
          assert.ok(Object.is(whole.output[at], expected), `example ${e}, channel ${c}, element ${i}: ${whole.output[at]} vs ${expected}`);
        }
      }
    }
    // The same examples as micro-batches of 1 at positions 2 … 5 give the same values.
    for (let e = 0; e < 4; e++) {
      const alone = dropoutLayer(definition, [2, 1, 3], { ...key, position: 2 + e });
      const input = new Float32Array(6);
      for (let c = 0; c < 2; c++) for (let i = 0; i < 3; i++) input[c * 3 + i] = x[(c * 4 + e) * 3 + i]!;
      alone.forward(input, 1, new Float32Array(0), true);
      for (let c = 0; c < 2; c++) for (let i = 0; i < 3; i++) assert.ok(Object.is(alone.output[c * 3 + i], whole.output[(c * 4 + e) * 3 + i]));
    }
  });

  it("scales kept values and their gradients by 1/(1 − p) with one rounding, drops to +0, is the identity in evaluation, and changes its mask with the step", () => {
    const ratio = Math.fround(0.1);
    const key = { seed: 3n, step: 0, position: 0 };
    const layer = dropoutLayer({ ratio, drawOffset: 0, drawsPerExample: 4096, channels: 1 }, [4096], key);
    const x = Float32Array.from({ length: 4096 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (1 + i / 4096));
    const output = layer.output.subarray(0, 4096);
    layer.forward(x, 1, new Float32Array(0), true);
    const kept = Array.from(output, (y) => y !== 0);
    const share = kept.filter((k) => !k).length / 4096;
    assert.ok(Math.abs(share - 0.1) < 0.02, `dropped share ${share} ≈ p`);
    // q = 1 − fround(0.1) = 0.89999999850988388 (binary64, exact); one division, then the binary32 rounding.
    assert.equal(1 - ratio, 0.8999999985098839);
    output.forEach((y, i) => assert.ok(Object.is(y, kept[i] ? Math.fround(x[i]! / 0.8999999985098839) : 0), `element ${i}`));
    const dy = Float32Array.from({ length: 4096 }, (_, i) => (i % 3) - 1 + 0.25);
    layer.backward(x, dy, 1);
    layer.inputGradient.subarray(0, 4096).forEach((g, i) => assert.ok(Object.is(g, kept[i] ? Math.fround(dy[i]! / 0.8999999985098839) : 0), `gradient ${i}`));
    layer.forward(x, 1, new Float32Array(0), false);
    assert.deepEqual(output, x, "evaluation: the identity");
    key.step = 1;
    layer.forward(x, 1, new Float32Array(0), true);
    assert.notDeepEqual(Array.from(output, (y) => y !== 0), kept, "another step, another mask");
  });

  it("every sampled gradient element (one fixed mask) agrees with a central finite difference", () => {
    const samples = gradientCheck(dropoutModel(0.25));
    assert.equal(samples.length, 4 * 6);
    for (const { index, analytic, numeric } of samples) {
      assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 0.05 * Math.abs(analytic), `parameter ${index}: analytic ${analytic}, numeric ${numeric}`);
    }
    assert.ok(samples.some(({ analytic }) => Math.abs(analytic) > 1e-3));
  });

  it("numbers the draws of several Dropouts in graph order", () => {
    const layers = importOnnxModel(dropoutModel(0.25)).definition.layers.filter((layer) => layer.kind === "dropout");
    assert.deepEqual(layers.map((layer) => (layer.kind === "dropout" ? [layer.ratio, layer.drawOffset, layer.drawsPerExample, layer.channels] : [])), [[0.25, 0, 1584, 2], [0.25, 1568, 1584, 1]]);
  });

  it("trains bit-identically on 1, 2 and 3 threads; onnxruntime runs the exported model as the engine evaluates it", async () => {
    const { job, run } = await assertThreadIdentity(dropoutModel(0.25));
    const { examples, agree, maxLogitDifference } = await compareWithOnnxRuntime(job, run.finalState.params);
    assert.ok(maxLogitDifference < 1e-4, `logits within 1e-4 (max difference ${maxLogitDifference})`);
    assert.ok(agree >= examples - 10, `argmax agreement ${agree}/${examples}`);
  });

  it("with ratio 0 trains to the bits of the same model without Dropout", async () => {
    const run = async (bytes: Uint8Array) => (await trainJob({ job: smallJob({ modelBytes: bytes, trainCount: 64, batchSize: 16, microBatches: 2, epochs: 1 }), threads: 1 })).finalState.params;
    const [without, zero, quarter] = [await run(dropoutModel(undefined)), await run(dropoutModel(0)), await run(dropoutModel(0.25))];
    assert.deepEqual(zero, without);
    assert.notDeepEqual(quarter, without);
  });

  it("refuses a ratio outside [0, 1) or not constant, a training_mode other than a constant false, and a seed", () => {
    assertRefused(dropoutModel(1), "ONNX_UNSUPPORTED_ATTRIBUTE", /Dropout node "drop1": attribute ratio=1 is not supported \(must be in \[0, 1\)\)/);
    assertRefused(dropoutModel(-0.1), "ONNX_UNSUPPORTED_ATTRIBUTE", /Dropout node "drop1": attribute ratio=-0.1/);
    assertRefused(dropoutModel(0.5, (nodes) => { nodes.find((n) => n.name === "drop1")!.input = ["conv", "fc.bias"]; }), "ONNX_MODEL_INVALID", /Dropout node "drop1": ratio "fc.bias" must be a FLOAT initializer of one value/);
    const mode = (value: number) => dropoutModel(0.5, (nodes, initializers) => {
      initializers.push({ name: "mode", dims: [], dataType: ONNX_BOOL, int32Data: [value] });
      nodes.find((n) => n.name === "drop2")!.input = ["fc", "ratio", "mode"];
    });
    assert.doesNotThrow(() => importOnnxModel(mode(0)), "a constant false training_mode");
    assertRefused(mode(1), "ONNX_MODEL_INVALID", /Dropout node "drop2": training_mode "mode" must be absent or a constant false BOOL/);
    assertRefused(dropoutModel(0.5, (nodes) => { nodes.find((n) => n.name === "drop1")!.attribute = [int("seed", 3)]; }), "ONNX_UNSUPPORTED_ATTRIBUTE", /Dropout node "drop1": attribute seed="\(present\)" is not supported \(Dropout accepts only no attributes\)/);
    assertRefused(dropoutModel(0.5, (nodes) => { nodes.find((n) => n.name === "drop1")!.output = ["drop1", "mask"]; }), "ONNX_MODEL_INVALID", /Dropout node "drop1" must have exactly 1 output/);
  });

  it("commits a training-VM program whose Dropouts are operators of their own, so that a game disputes its job", () => {
    const { operators } = jobProgram(smallJob({ modelBytes: dropoutModel(0.25), trainCount: 64 }));
    // Per micro-batch, each of the two Dropouts forward and backward.
    const microBatches = operators.filter((o) => OPERATOR_KINDS[o.kind] === "gather").length;
    assert.equal(operators.filter((o) => OPERATOR_KINDS[o.kind] === "dropout").length, 4 * microBatches);
  });
});
