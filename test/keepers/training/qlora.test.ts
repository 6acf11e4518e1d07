/**
 * qLoRA fine-tuning (docs/training.md §6b): the qLoRA model of the transformer template against the same
 * model with its weights dequantised, adapter gradients against finite differences, the spec's
 * `finetune` rules, checkpoints of the adapters alone, a pinned run on 1 and 2 threads, the merged
 * model in onnxruntime, and the training VM's refusal.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runTraining } from "../../../keepers/src/compute/runTraining.ts";
import { createHeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import { storeJobSpec } from "../../../keepers/src/jobs/jobSpecBlock.ts";
import { publishResult, storeBlockSource } from "../../../keepers/src/jobs/resultManifest.ts";
import { rebuildTrainedModel, RESULT_MANIFEST_KEY } from "../../../keepers/src/jobs/trainedModel.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { decodeCheckpoint, makeCheckpoint } from "../../../keepers/src/training/checkpoint.ts";
import { jobSpecCid, validateJobSpec, type JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { Network } from "../../../keepers/src/training/network.ts";
import { dequantizeNf4, quantizeNf4 } from "../../../keepers/src/training/nf4.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { predictWithOnnxRuntime } from "../../../keepers/src/training/onnxRuntimeEvaluation.ts";
import { PIXEL_TO_FLOAT } from "../../../keepers/src/training/pixelValues.ts";
import { predictWithEngine } from "../../../keepers/src/training/predict.ts";
import { prepareJob, type PreparedJob } from "../../../keepers/src/training/preparedJob.ts";
import { PRNG_DOMAIN, SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { exportMergedQloraModel } from "../../../keepers/src/training/qloraExport.ts";
import { createQloraModel } from "../../../keepers/src/training/qloraModel.ts";
import { reexecuteSegment } from "../../../keepers/src/training/segment.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { createTransformerOnnx } from "../../../keepers/src/training/transformer.ts";
import { jobProgram } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { mnistSources, smallJobSpec } from "./fixtures.ts";

const BASE = createTransformerOnnx({ seed: 2n, width: 8, heads: 2 });
/** Every MatMul weight of the one-layer template and the head's Gemm weight. */
const TARGETS = [
  "embed.weight", "layer0.attention.q.weight", "layer0.attention.k.weight", "layer0.attention.v.weight",
  "layer0.attention.out.weight", "layer0.fc1.weight", "layer0.fc2.weight", "head.weight",
];
const FINETUNE = { method: "qlora", rank: 2, alpha: "4", targets: TARGETS } as const;

/** A qLoRA job on `BASE` over MNIST's first `trainCount` training images (test split: the first 500 test images). */
function qloraSpec(trainCount = 128, finetune: unknown = FINETUNE): JobSpec {
  const spec = smallJobSpec({ modelBytes: BASE, trainCount, batchSize: 32, microBatches: 4, checkpointInterval: 2, epochs: 2 });
  spec.dataset.splits.test = { source: "test", start: 0, end: 500 };
  return { ...spec, finetune } as JobSpec;
}

function qloraJob(trainCount = 128): PreparedJob {
  return prepareJob({ spec: qloraSpec(trainCount), modelBytes: BASE, sources: mnistSources() });
}

function assertSpecError(spec: unknown, field: string, message: RegExp): void {
  assert.throws(() => prepareJob({ spec, modelBytes: BASE, sources: mnistSources() }), (error: unknown) =>
    error instanceof VeritrainError && error.code === "JOB_SPEC_INVALID" && error.details.field === field && message.test(error.message));
}

/** A network over MNIST's first 4 training images. */
function networkOn(model: ReturnType<typeof importOnnxModel>["definition"]): Network {
  const network = new Network({ model, maxExamples: 4 });
  const { train } = mnistSources();
  network.loadExamples({ pixels: train.pixels, labels: train.labels, indices: [0, 1, 2, 3], pixelValues: PIXEL_TO_FLOAT });
  return network;
}

describe("qLoRA", () => {
  const imported = importOnnxModel(BASE);
  const qlora = createQloraModel({ model: imported, finetune: { ...FINETUNE, targets: [...TARGETS], alpha: 4 }, seed: 7n });

  it("trains only the adapters: A [r, in] from the keyed stream (seed, 6, j), B [out, r] zero, every other tensor frozen", () => {
    const { definition, params } = qlora;
    const adapters = definition.parameters.filter((tensor) => tensor.offset < definition.parameterCount);
    assert.deepEqual(adapters.map((tensor) => `${tensor.name} ${tensor.dims}`), TARGETS.flatMap((name) => {
      const layer = imported.definition.parameters.find((tensor) => tensor.name === name)!;
      const [I, O] = name === "head.weight" ? [layer.dims[1]!, layer.dims[0]!] : [layer.dims[0]!, layer.dims[1]!];
      return [`${name}.lora_A 2,${I}`, `${name}.lora_B ${O},2`];
    }));
    // embed 28→8, q k v out 8→8, fc1 8→32, fc2 32→8, head 8→10: Σ 2·(in + out).
    assert.equal(definition.parameterCount, 2 * (36 + 4 * 16 + 40 + 40 + 18));
    const rng = SplitMix64.keyed({ seed: 7n, domain: PRNG_DOMAIN.loraInit, index: 5n });
    const fc1A = adapters.find((tensor) => tensor.name === "layer0.fc1.weight.lora_A")!;
    assert.deepEqual(Array.from(params.subarray(fc1A.offset, fc1A.offset + 3)), [0, 1, 2].map(() => Math.fround((2 * rng.nextUnit() - 1) * Math.sqrt(1 / 8))));
    assert.ok(adapters.filter((tensor) => tensor.name.endsWith("lora_B")).every((tensor) => params.subarray(tensor.offset, tensor.offset + tensor.size).every((b) => b === 0)));
    const frozen = definition.parameters.filter((tensor) => tensor.offset >= definition.parameterCount);
    assert.equal(frozen.length, imported.definition.parameters.length - TARGETS.length);
    assert.equal(definition.frozen!.length, frozen.reduce((sum, tensor) => sum + tensor.size, 0));
  });

  it("with B = 0 computes the logits of the model file whose target weights are replaced by their dequantised NF4 values", () => {
    const dequantisedParams = Float32Array.from(imported.params);
    for (const name of TARGETS) {
      const tensor = imported.definition.parameters.find((t) => t.name === name)!;
      const [rows, cols] = tensor.dims as [number, number];
      const values = imported.params.subarray(tensor.offset, tensor.offset + tensor.size);
      // Quantised in nn.Linear's [out][in] order: a MatMul's [in][out] weight transposed, the Gemm's as it is.
      const gemm = name === "head.weight";
      const outIn = gemm ? values : Float32Array.from({ length: tensor.size }, (_, j) => values[(j % rows) * cols + Math.floor(j / rows)]!);
      const back = dequantizeNf4(quantizeNf4(outIn), new Float32Array(tensor.size));
      for (let j = 0; j < tensor.size; j++) dequantisedParams[tensor.offset + j] = gemm ? back[j]! : back[(j % cols) * rows + Math.floor(j / cols)]!;
    }
    const reference = networkOn(imported.definition).forward(4, dequantisedParams).slice(0, 40);
    const logits = networkOn(qlora.definition).forward(4, qlora.params).slice(0, 40);
    assert.deepEqual(Array.from(logits), Array.from(reference));
    assert.notDeepEqual(Array.from(networkOn(imported.definition).forward(4, imported.params).slice(0, 40)), Array.from(reference), "quantisation moved the logits");
  });

  it("remaps every frozen tensor a layer reads, a Gather's table included: the Gather transformer's qLoRA model computes the Add one's logits", () => {
    // The two forms of the positional embedding compute the same (docs/training.md §10); so must their qLoRA models.
    const gathered = importOnnxModel(createTransformerOnnx({ seed: 2n, width: 8, heads: 2, positional: "gather" }));
    const gatheredQlora = createQloraModel({ model: gathered, finetune: { ...FINETUNE, targets: [...TARGETS], alpha: 4 }, seed: 7n });
    const logits = networkOn(gatheredQlora.definition).forward(4, gatheredQlora.params).slice(0, 40);
    assert.deepEqual(Array.from(logits), Array.from(networkOn(qlora.definition).forward(4, qlora.params).slice(0, 40)));
  });

  it("gives every sampled adapter element the gradient of a central finite difference (B ≠ 0), and the frozen tensors none", () => {
    const network = networkOn(qlora.definition);
    const rng = SplitMix64.keyed({ seed: 13n, domain: PRNG_DOMAIN.init, index: 0n });
    const params = Float32Array.from(qlora.params, (a, i) => (qlora.definition.parameters.some((t) => t.name.endsWith("lora_B") && i >= t.offset && i < t.offset + t.size) ? 0.5 * (rng.nextUnit() - 0.5) : a));
    const grads = new Float32Array(params.length);
    network.gradient({ params, grads, n: 4, batchSize: 4 });
    const loss = (p: Float32Array) => network.gradient({ params: p, grads: new Float32Array(p.length), n: 4, batchSize: 4 }).lossSum / 4;
    let nonZero = 0;
    for (const tensor of qlora.definition.parameters.filter((t) => t.offset < qlora.definition.parameterCount)) {
      for (let s = 0; s < 4; s++) {
        const index = tensor.offset + Math.floor(rng.nextUnit() * tensor.size);
        const probe = Float32Array.from(params);
        probe[index] = params[index]! + 1e-3;
        const [plus, up] = [probe[index]!, loss(probe)];
        probe[index] = params[index]! - 1e-3;
        const [minus, down] = [probe[index]!, loss(probe)];
        const numeric = (up - down) / (plus - minus);
        assert.ok(Math.abs(numeric - grads[index]!) <= 2e-3 + 0.05 * Math.abs(grads[index]!), `${tensor.name}[${index - tensor.offset}]: analytic ${grads[index]}, numeric ${numeric}`);
        if (Math.abs(grads[index]!) > 1e-4) nonZero++;
      }
    }
    assert.ok(nonZero >= 16, `the gradient is not trivially zero (${nonZero} of 64 samples)`);
  });

  it("keeps a spec without finetune at its content address and refuses each bad finetune value with one line", () => {
    const plain = smallJobSpec({ modelBytes: BASE, trainCount: 128 });
    assert.equal(jobSpecCid(plain), jobSpecCid(validateJobSpec(plain).spec));
    assert.equal("finetune" in validateJobSpec(plain).config, false);
    assert.notEqual(jobSpecCid(qloraSpec()), jobSpecCid(plain), "finetune is part of the address when present");
    assert.deepEqual(validateJobSpec(qloraSpec()).config.finetune, { method: "qlora", rank: 2, alpha: 4, targets: TARGETS });
    const bad = (edit: Record<string, unknown>) => qloraSpec(128, { ...FINETUNE, ...edit });
    assertSpecError(bad({ method: "lora" }), "finetune.method", /job spec field finetune.method must be "qlora", got "lora"/);
    assertSpecError(bad({ rank: 0 }), "finetune.rank", /must be an integer in \[1, 1024\], got 0/);
    assertSpecError(bad({ rank: 1.5 }), "finetune.rank", /must be an integer/);
    assertSpecError(bad({ alpha: 16 }), "finetune.alpha", /must be a non-negative decimal string/);
    assertSpecError(bad({ alpha: "0" }), "finetune.alpha", /must be in \(0, /);
    assertSpecError(bad({ targets: [] }), "finetune.targets", /must be an array of 1 to 1024 weight names/);
    assertSpecError(bad({ targets: ["head.weight", ""] }), "finetune.targets[1]", /must be a non-empty string/);
    assertSpecError(bad({ targets: ["head.weight", "embed.weight", "head.weight"] }), "finetune.targets[2]", /must not repeat finetune.targets\[0\]/);
    assertSpecError(bad({ dropout: "0.1" }), "finetune.dropout", /is not a known field/);
    assertSpecError({ ...qloraSpec(), privacy: { targetEpsilon: "3", delta: "1e-5", clipNorm: "1" }, microBatches: 32 }, "finetune", /cannot be combined with privacy/);
    assertSpecError(bad({ targets: ["head.weight", "layer0.ln1.scale"] }), "finetune.targets[1]", /must name the weight of a MatMul or Gemm node of the model \(embed.weight, .*head.weight\), got "layer0.ln1.scale"/);
    assertSpecError(bad({ rank: 9 }), "finetune.rank", /must be at most min\(in, out\) = 8 of target "embed.weight" \(28 → 8\)/);
  });

  it("checkpoints the adapters and their optimizer state only, and re-executes a segment to the run's next checkpoint", async () => {
    const job = qloraJob();
    const checkpoints: Uint8Array[] = [];
    const run = await trainJob({ job, threads: 1, onCheckpoint: (checkpoint) => void checkpoints.push(checkpoint.bytes) });
    const decoded = decodeCheckpoint(checkpoints[2]!);
    assert.equal(decoded.state.params.length, job.model.definition.parameterCount);
    assert.equal(checkpoints[2]!.length, 36 + 4 * 3 * job.model.definition.parameterCount, "header, adapters, Adam's m and v");
    const next = await reexecuteSegment({ job, checkpoint: checkpoints[2]!, threads: 1 });
    assert.equal(next.hash, run.hashes[3]);
    assert.equal(makeCheckpoint(job, 0, { step: 0, params: job.model.params, optimizerState: [new Float32Array(job.model.params.length), new Float32Array(job.model.params.length)] }).hash, run.hashes[0]);
  });

  it("trains to the same checkpoints on 1 and 2 threads, ending at docs/training.md §14's qLoRA adapters", async () => {
    const job = qloraJob();
    const [one, two] = [await trainJob({ job, threads: 1 }), await trainJob({ job, threads: 2 })];
    assert.equal(new Set(one.hashes).size, one.hashes.length, "every checkpoint differs from the previous one");
    assert.deepEqual(two.hashes, one.hashes);
    const params = one.finalState.params;
    const digest = createHash("sha256").update(new Uint8Array(params.buffer, params.byteOffset, params.byteLength)).digest("hex");
    assert.deepEqual({ root: one.tree.root, digest }, {
      root: "0x9b6f7df9596ead8f9c1be8033a5e81528bab2d8d4a19453c1397ef7cee2e6890",
      digest: "1b17e71468fdeb2987eebda11c8f2c2442b3a9e6a98cfc39e2000cb0d55ec943",
    });
  });

  it("exports the merged model, which onnxruntime runs as the engine runs the adapters", { timeout: 300_000 }, async () => {
    const job = qloraJob(1024);
    const { finalState } = await trainJob({ job, threads: 2 });
    const merged = exportMergedQloraModel({ original: job.modelBytes, model: job.model.definition, params: finalState.params });
    const test = job.sets.test;
    const engine = predictWithEngine({ model: job.model.definition, params: finalState.params, set: test });
    const runtime = await predictWithOnnxRuntime({ modelBytes: merged, set: test });
    let agree = 0;
    let maxDifference = 0;
    for (let e = 0; e < test.count; e++) if (engine.classes[e] === runtime.classes[e]) agree++;
    for (let i = 0; i < engine.logits.length; i++) maxDifference = Math.max(maxDifference, Math.abs(engine.logits[i]! - runtime.logits[i]!));
    assert.ok(maxDifference < 1e-3, `logits within 1e-3 (max difference ${maxDifference})`);
    assert.ok(agree >= test.count - 1, `argmax agreement ${agree}/${test.count}`);
    // Untrained adapters (B = 0) merge to the dequantised base exactly: the engine's own import of the file runs it bit for bit.
    const untrained = importOnnxModel(exportMergedQloraModel({ original: job.modelBytes, model: job.model.definition, params: job.model.params }));
    const set = { ...test, count: 4 };
    assert.deepEqual(predictWithEngine({ model: untrained.definition, params: untrained.params, set }).logits, predictWithEngine({ model: job.model.definition, params: job.model.params, set }).logits);
  });

  it("rebuilds a qLoRA job's trained model from its result as the merged model of its last checkpoint's adapters", async () => {
    const work = mkdtempSync(join(tmpdir(), "veritrain-qlora-result-"));
    const store = await createHeliaContentStore({ directory: join(work, "ipfs") });
    try {
      const job = qloraJob();
      const run = await runTraining({ job, directory: join(work, "run"), threads: 1 });
      const { specDigest } = await storeJobSpec({ store, spec: job.spec });
      await store.put(job.modelBytes);
      const published = await publishResult({ store, job, specDigest, checkpointCount: run.count, readCheckpoint: run.readCheckpoint });
      const onChain = { specDigest, resultDigest: published.resultDigest, traceRoot: published.traceRoot };
      const { onnx } = await rebuildTrainedModel({ get: storeBlockSource({ store, jobId: 1n, bounded: () => AbortSignal.timeout(2_000) }), jobId: 1n, onChain });
      const metadata = { [RESULT_MANIFEST_KEY]: published.manifestCid.toString() };
      assert.deepEqual(onnx, exportMergedQloraModel({ original: job.modelBytes, model: job.model.definition, params: run.finalState.params, metadata }));
      assert.notDeepEqual(importOnnxModel(onnx).params, importOnnxModel(job.modelBytes).params, "the trained adapters moved the merged weights");
    } finally {
      await store.close();
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("is refused by the training VM, so its job commits no program", () => {
    assert.throws(() => jobProgram(qloraJob(64)), (error: unknown) => error instanceof VeritrainError && error.code === "VM_UNSUPPORTED" && /qLoRA fine-tuning/.test(error.message));
  });
});
