/**
 * Benchmark of the engine's model families (issue 22): the residual CNN and the transformer each trained on all
 * digits; then the transformer pre-trained on digits 0–4 and fine-tuned on digits 5–9 twice from the same
 * pre-trained weights — qLoRA (docs/training.md §6b: NF4 base, adapters on every MatMul and the head) and full
 * fine-tuning — with their test accuracies (each on its own digits' test images), trainable parameters and
 * training memory (parameters, optimizer state, gradient slots; the frozen base as stored). Every phase: Adam,
 * batch 32 in 4 micro-batches, the cosine schedule with warm-up down to 0 over the phase. A progress bar per
 * phase and a line with its accuracy on stderr; one JSON line last.
 *
 *   npm run bench:models                                                  # the goal's run: 55,000 images, 3 and 5 epochs
 *   npm run bench:models -- --images 1024 --epochs 1 --test-images 1000   # a short run
 */
import { Command } from "commander";
import { parseCount } from "../keepers/src/cli/commandContext.ts";
import { progressBar } from "../keepers/src/cli/progressBar.ts";
import { createResidualCnnOnnx } from "../keepers/src/training/residualCnn.ts";
import { ENGINE_VERSION, parseDecimal32, type StepConfig } from "../keepers/src/training/jobSpec.ts";
import { loadMnist, type ImageSet } from "../keepers/src/training/mnist.ts";
import type { ModelDefinition } from "../keepers/src/training/modelDefinition.ts";
import { exportOnnxModel } from "../keepers/src/training/onnxExport.ts";
import { importOnnxModel, type ImportedModel } from "../keepers/src/training/onnxImport.ts";
import { predictWithEngine } from "../keepers/src/training/predict.ts";
import { createQloraModel } from "../keepers/src/training/qloraModel.ts";
import { Trainer } from "../keepers/src/training/trainer.ts";
import { createTransformerOnnx } from "../keepers/src/training/transformer.ts";

const options = new Command()
  .option("--images <n>", "MNIST training images read (each phase uses those of its digits)", "55000")
  .option("--test-images <n>", "MNIST test images read", "10000")
  .option("--epochs <n>", "epochs of the residual CNN, the pre-training on 0–4 and each fine-tuning", "3")
  .option("--transformer-epochs <n>", "epochs of the transformer on all digits", "5")
  .option("--threads <n>", "compute threads", "2")
  .option("--width <n>", "the transformer's width d", "64")
  .option("--layers <n>", "the transformer's layers", "2")
  .option("--heads <n>", "the transformer's attention heads", "4")
  .option("--rank <n>", "qLoRA adapter rank", "4")
  .option("--alpha <decimal>", "qLoRA α", "8")
  .option("--resnet-learning-rate <decimal>", "Adam peak learning rate of the residual CNN", "0.002")
  .option("--learning-rate <decimal>", "Adam peak learning rate of the transformer's training and full fine-tuning", "0.002")
  .option("--qlora-learning-rate <decimal>", "Adam peak learning rate of qLoRA", "0.01")
  .parse()
  .opts<Record<"images" | "testImages" | "epochs" | "transformerEpochs" | "threads" | "width" | "layers" | "heads" | "rank" | "alpha" | "resnetLearningRate" | "learningRate" | "qloraLearningRate", string>>();

const BATCH = 32;
const MICRO_BATCHES = 4;
const WARMUP_STEPS = 200;
const epochs = parseCount(options.epochs, "--epochs", 1);
const transformerEpochs = parseCount(options.transformerEpochs, "--transformer-epochs", 1);
const threads = parseCount(options.threads, "--threads", 1);
const rank = parseCount(options.rank, "--rank", 1);
const mnist = loadMnist();

/** The first `count` images of `set` whose label `keep` accepts, in shared memory. */
function digits(set: ImageSet, count: number, keep: (label: number) => boolean): ImageSet {
  const width = set.rows * set.cols;
  const chosen = Array.from({ length: Math.min(count, set.count) }, (_, i) => i).filter((i) => keep(set.labels[i]!));
  const pixels = new Uint8Array(new SharedArrayBuffer(chosen.length * width));
  const labels = new Uint8Array(new SharedArrayBuffer(chosen.length));
  chosen.forEach((index, i) => {
    pixels.set(set.pixels.subarray(index * width, (index + 1) * width), i * width);
    labels[i] = set.labels[index]!;
  });
  return { pixels, labels, count: chosen.length, rows: set.rows, cols: set.cols };
}

/** Adam at peak rate `learningRate`, warmed up over {@link WARMUP_STEPS} steps then cosine down to 0 at the phase's last step. */
function adam(learningRate: string, totalSteps: number): StepConfig {
  return {
    engineVersion: ENGINE_VERSION, seed: 1n, batchSize: BATCH, microBatches: MICRO_BATCHES,
    optimizer: {
      type: "adam", learningRate: parseDecimal32(learningRate), learningRateDecay: 1, weightDecay: 0,
      beta1: parseDecimal32("0.9"), beta2: parseDecimal32("0.999"), epsilon: parseDecimal32("1e-8"),
      schedule: { type: "cosine", warmupSteps: Math.min(WARMUP_STEPS, totalSteps - 1), totalSteps, minLearningRate: 0 },
    },
  };
}

/** Trains `model` for `phaseEpochs` on `train` (phase `label`, with a progress bar); returns its parameters and its accuracy on `test`. */
async function train(label: string, model: ImportedModel, learningRate: string, trainSet: ImageSet, test: ImageSet, phaseEpochs = epochs): Promise<{ params: Float32Array; accuracy: number }> {
  const size = model.definition.parameterCount;
  const steps = phaseEpochs * Math.floor(trainSet.count / BATCH);
  const state = { step: 0, params: Float32Array.from(model.params), optimizerState: [new Float32Array(size), new Float32Array(size)] };
  const trainer = await Trainer.create({ model: model.definition, config: adam(learningRate, steps), sets: { train: trainSet, validation: test, test }, state, threads });
  const bar = progressBar(`${label} (steps)`);
  const started = performance.now();
  try {
    for (let done = 0; done < steps; ) {
      const chunk = Math.min(50, steps - done);
      await trainer.runSteps(chunk);
      done += chunk;
      bar.update(done, steps);
    }
    const { accuracy } = await trainer.evaluate("test");
    process.stderr.write(`${label}: test accuracy ${(100 * accuracy).toFixed(2)} % after ${steps} steps, ${Math.round((performance.now() - started) / 1000)} s\n`);
    return { params: trainer.snapshot().params, accuracy };
  } finally {
    await trainer.close();
  }
}

/** Bytes a run holds for its parameters: trainable values, Adam's m and v, one gradient slot per micro-batch, and the frozen base. */
function trainingBytes(model: ModelDefinition): number {
  const nf4 = model.layers.reduce((sum, layer) => sum + (layer.kind === "lora" ? layer.base.codes.length + 4 * layer.base.absmax.length : 0), 0);
  return 4 * model.parameterCount * (3 + MICRO_BATCHES) + 4 * (model.frozen?.length ?? 0) + nf4;
}

const images = parseCount(options.images, "--images", 1, 60_000);
const testImages = parseCount(options.testImages, "--test-images", 1, 10_000);
const all = () => true;
const low = (label: number) => label < 5;
const high = (label: number) => label >= 5;

const allTrain = digits(mnist.train, images, all);
const allTest = digits(mnist.test, testImages, all);
const resnetModel = importOnnxModel(createResidualCnnOnnx({ seed: 1n }));
const resnet = await train("residual CNN", resnetModel, options.resnetLearningRate, allTrain, allTest);

const shape = { width: parseCount(options.width, "--width", 1), layers: parseCount(options.layers, "--layers", 1), heads: parseCount(options.heads, "--heads", 1) };
const transformerBytes = createTransformerOnnx({ seed: 1n, ...shape });
const transformer = importOnnxModel(transformerBytes);
const transformerAll = await train("transformer", transformer, options.learningRate, allTrain, allTest, transformerEpochs);
const pretrained = await train("transformer on 0–4", transformer, options.learningRate, digits(mnist.train, images, low), digits(mnist.test, testImages, low));
const base = importOnnxModel(exportOnnxModel({ original: transformerBytes, definition: transformer.definition, params: pretrained.params }));

const fineTrain = digits(mnist.train, images, high);
const fineTest = digits(mnist.test, testImages, high);
const targets = base.definition.layers.flatMap((layer) => (layer.kind === "matMulWeight" || layer.kind === "linear" ? [base.definition.parameters[layer.weight]!.name] : []));
const qloraModel = createQloraModel({ model: base, finetune: { method: "qlora", rank, alpha: parseDecimal32(options.alpha), targets }, seed: 1n });
const before = predictWithEngine({ model: qloraModel.definition, params: qloraModel.params, set: fineTest }).classes.filter((c, e) => c === fineTest.labels[e]).length / fineTest.count;
const qlora = await train("qLoRA on 5–9", qloraModel, options.qloraLearningRate, fineTrain, fineTest);
const full = await train("full fine-tuning on 5–9", base, options.learningRate, fineTrain, fineTest);

console.log(JSON.stringify({
  images, test_images: testImages, epochs, transformer_epochs: transformerEpochs, threads, transformer: shape, rank, alpha: options.alpha,
  resnet_test_acc: resnet.accuracy,
  resnet_params: resnetModel.definition.parameterCount,
  transformer_test_acc: transformerAll.accuracy,
  transformer_params: transformer.definition.parameterCount,
  pretrained_0_4_test_acc: pretrained.accuracy,
  qlora_before_finetune_test_acc: before,
  qlora_test_acc: qlora.accuracy,
  qlora_trainable_params: qloraModel.definition.parameterCount,
  qlora_training_bytes: trainingBytes(qloraModel.definition),
  full_finetune_test_acc: full.accuracy,
  full_finetune_trainable_params: base.definition.parameterCount,
  full_finetune_training_bytes: trainingBytes(base.definition),
}));
