import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CID } from "multiformats/cid";
import { createHeliaContentStore, type HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import type { Manifest } from "../../../keepers/src/datasets/manifest.ts";
import { mnistRecords } from "../../../keepers/src/datasets/mnistRecords.ts";
import { packageDataset } from "../../../keepers/src/datasets/packageDataset.ts";
import { specProgram } from "../../../keepers/src/jobs/specProgram.ts";
import type { JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { loadMnist } from "../../../keepers/src/training/mnist.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import { jobProgram } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { smallJobSpec } from "../training/fixtures.ts";

describe("specProgram: the program a poster commits, from the images the spec reads", () => {
  let directory: string;
  let store: HeliaContentStore;
  let manifest: Manifest;
  const modelBytes = createLeNet5Onnx({ seed: 1n });
  const spec: JobSpec = {
    ...smallJobSpec({ modelBytes, trainCount: 40, batchSize: 20, microBatches: 2, checkpointInterval: 1 }),
    dataset: { id: "mnist", splits: { train: { source: "train", start: 0, end: 40 }, validation: { source: "train", start: 40, end: 50 }, test: { source: "test", start: 0, end: 20 } } },
  };

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "veritrain-spec-program-"));
    store = await createHeliaContentStore({ directory });
    ({ manifest } = await packageDataset({ name: "mnist-60", ...mnistRecords(loadMnist(), { limit: 60 }), k: 4, n: 6, shardSize: 4096, columnTreeDepth: 8, store }));
  });
  after(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });
  const source = () => ({ backend: "helia", get: (cid: CID) => store.get(cid) });

  it("is the program a provider computes from the whole of MNIST", async () => {
    assert.equal(await specProgram({ manifest, source, spec, modelBytes }), jobProgram(prepareJob({ spec, modelBytes, sources: loadMnist() })).hash);
  });

  it("is none for a spec the training VM cannot run (engine version 1)", async () => {
    assert.equal(await specProgram({ manifest, source, spec: { ...spec, engineVersion: "veritrain-train/1" }, modelBytes }), undefined);
  });
});
