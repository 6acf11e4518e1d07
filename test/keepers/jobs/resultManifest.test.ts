import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keccak256, toHex, type Hex } from "viem";
import { runTraining, type TrainingRun } from "../../../keepers/src/compute/runTraining.ts";
import { createHeliaContentStore, type HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import type { JobOnChain } from "../../../keepers/src/jobs/jobOnChain.ts";
import { storeJobSpec } from "../../../keepers/src/jobs/jobSpecBlock.ts";
import { condemnsResult, fetchResult, publishResult, RESULT_MANIFEST_KEY, type PublishedResult } from "../../../keepers/src/jobs/resultManifest.ts";
import { checkpointHash } from "../../../keepers/src/training/checkpoint.ts";
import { exportOnnxModel } from "../../../keepers/src/training/onnxExport.ts";
import type { PreparedJob } from "../../../keepers/src/training/preparedJob.ts";
import { smallJob } from "../training/fixtures.ts";

describe("publishResult and fetchResult", () => {
  let work: string;
  let store: HeliaContentStore;
  let job: PreparedJob;
  let run: TrainingRun;
  let specDigest: Hex;
  let published: PublishedResult;
  /** The on-chain fields fetchResult reads, as submitResult would have set them. */
  let onChain: JobOnChain;
  const fetch = (changed: Partial<JobOnChain> = {}) =>
    fetchResult({ store, jobId: 1n, onChain: { ...onChain, ...changed }, job, bounded: () => AbortSignal.timeout(2_000) });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "veritrain-result-"));
    store = await createHeliaContentStore({ directory: join(work, "ipfs") });
    job = smallJob({ trainCount: 120, batchSize: 20, microBatches: 2, checkpointInterval: 2 });
    run = await runTraining({ job, directory: join(work, "run"), threads: 1 });
    specDigest = (await storeJobSpec({ store, spec: job.spec })).specDigest;
    published = await publishResult({ store, job, specDigest, checkpointCount: run.count, readCheckpoint: run.readCheckpoint, finalParams: run.finalState.params });
    onChain = { specDigest, weightsDigest: published.weightsDigest, traceRoot: published.traceRoot } as JobOnChain;
  });
  after(async () => {
    await store.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("fetches back the trace from the weights digest, checkpoints checked against their leaves", async () => {
    const result = await fetch();
    assert.ok(result.manifestCid.equals(published.manifestCid));
    assert.deepEqual(result.hashes, published.hashes);
    assert.deepEqual(await result.checkpoint(2), run.readCheckpoint(2));
    assert.equal(checkpointHash({ bytes: await result.checkpoint(3), engineVersion: job.config.engineVersion }), result.hashes[3]);
  });

  it("gives the same digests for the same spec, whoever publishes it", async () => {
    const other = await createHeliaContentStore({ directory: join(work, "other") });
    try {
      const again = await publishResult({ store: other, job, specDigest, checkpointCount: run.count, readCheckpoint: run.readCheckpoint, finalParams: run.finalState.params });
      assert.deepEqual([again.weightsDigest, again.traceRoot], [published.weightsDigest, published.traceRoot]);
    } finally {
      await other.close();
    }
  });

  it("refuses published data that contradicts the on-chain commitment", async () => {
    await assert.rejects(fetch({ traceRoot: keccak256("0x01") }), { code: "RESULT_INVALID", message: /do not form the submitted trace root/ });
    await assert.rejects(fetch({ specDigest: keccak256("0x02") }), { code: "RESULT_INVALID", message: /for another job spec/ });
    const digestOf = async (bytes: Uint8Array) => toHex((await store.put(bytes)).multihash.digest);
    const untrained = exportOnnxModel({ original: job.modelBytes, definition: job.model.definition, params: job.model.params, metadata: { [RESULT_MANIFEST_KEY]: published.manifestCid.toString() } });
    await assert.rejects(fetch({ weightsDigest: await digestOf(untrained) }), { code: "RESULT_INVALID", message: /does not hold the last checkpoint's weights/ });
    await assert.rejects(fetch({ weightsDigest: await digestOf(job.modelBytes) }), { code: "RESULT_INVALID", message: /veritrain.resultManifest is not a CID/ });
    await assert.rejects(fetch({ weightsDigest: await digestOf(new TextEncoder().encode("not onnx")) }), { code: "RESULT_INVALID" });
  });

  it("reports a result no peer serves", async () => {
    await assert.rejects(fetch({ weightsDigest: keccak256("0x03") }), { code: "RESULT_NOT_FOUND", message: /weights file of job 1/ });
  });

  it("condemns an invalid or unserved result, not a fetch cut short by the caller's shutdown", async () => {
    const failureOf = (changed: Partial<JobOnChain>, bounded: () => AbortSignal) =>
      fetchResult({ store, jobId: 1n, onChain: { ...onChain, ...changed }, job, bounded }).then(() => assert.fail("fetched"), (error: unknown) => error);
    const running = new AbortController().signal;
    const unserved = await failureOf({ weightsDigest: keccak256("0x04") }, () => AbortSignal.timeout(500));
    assert.equal(condemnsResult(unserved, running), true);
    assert.equal(condemnsResult(await failureOf({ traceRoot: keccak256("0x05") }, () => AbortSignal.timeout(2_000)), running), true);
    const shutdown = new AbortController();
    const cutShort = failureOf({ weightsDigest: keccak256("0x06") }, () => shutdown.signal);
    shutdown.abort();
    assert.equal(condemnsResult(await cutShort, shutdown.signal), false);
    assert.equal(condemnsResult(new Error("RPC down"), running), false);
  });
});
