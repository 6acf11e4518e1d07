import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as dagCbor from "@ipld/dag-cbor";
import { keccak256, toHex, type Hex } from "viem";
import { runTraining, type TrainingRun } from "../../../keepers/src/compute/runTraining.ts";
import { rawBlockCid } from "../../../keepers/src/content/contentStore.ts";
import { createHeliaContentStore, type HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import type { JobOnChain } from "../../../keepers/src/jobs/jobOnChain.ts";
import { jobSpecBlockCid, storeJobSpec } from "../../../keepers/src/jobs/jobSpecBlock.ts";
import { checkServed, condemnsResult, fetchResult, publishResult, RESULT_MANIFEST_VERSION, storeBlockSource, type PublishedResult } from "../../../keepers/src/jobs/resultManifest.ts";
import { rebuildTrainedModel, RESULT_MANIFEST_KEY, RESULT_PUBLISHED_IN_KEY } from "../../../keepers/src/jobs/trainedModel.ts";
import { checkpointHash } from "../../../keepers/src/training/checkpoint.ts";
import { CheckpointTree } from "../../../keepers/src/training/checkpointTree.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { exportOnnxModel } from "../../../keepers/src/training/onnxExport.ts";
import type { PreparedJob } from "../../../keepers/src/training/preparedJob.ts";
import { smallJob } from "../training/fixtures.ts";

describe("a result: its manifest published, opened against the chain, and the trained model rebuilt from it", () => {
  let work: string;
  let store: HeliaContentStore;
  let job: PreparedJob;
  let run: TrainingRun;
  let specDigest: Hex;
  let published: PublishedResult;
  /** The on-chain fields a result is read by, as submitResult would have set them. */
  let onChain: JobOnChain;
  const bounded = () => AbortSignal.timeout(2_000);
  const fetch = (changed: Partial<JobOnChain> = {}) => fetchResult({ store, jobId: 1n, onChain: { ...onChain, ...changed }, job, bounded });
  const rebuild = (changed: Partial<JobOnChain> = {}) => rebuildTrainedModel({ get: storeBlockSource({ store, jobId: 1n, bounded }), jobId: 1n, onChain: { ...onChain, ...changed } });
  /** Stores a manifest of `checkpoints` for the job's spec; returns its result digest and the trace root its hashes form. */
  const manifestOf = async (checkpoints: { cid: unknown; hash: Hex }[]) => ({
    resultDigest: toHex((await store.put(dagCbor.encode({ version: RESULT_MANIFEST_VERSION, spec: jobSpecBlockCid(specDigest), checkpoints }))).multihash.digest),
    traceRoot: new CheckpointTree(checkpoints.map((c) => c.hash)).root,
  });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "veritrain-result-"));
    store = await createHeliaContentStore({ directory: join(work, "ipfs") });
    job = smallJob({ trainCount: 120, batchSize: 20, microBatches: 2, checkpointInterval: 2 });
    run = await runTraining({ job, directory: join(work, "run"), threads: 1 });
    specDigest = (await storeJobSpec({ store, spec: job.spec })).specDigest;
    await store.put(job.modelBytes);
    published = await publishResult({ store, job, specDigest, checkpointCount: run.count, readCheckpoint: run.readCheckpoint });
    onChain = { specDigest, resultDigest: published.resultDigest, traceRoot: published.traceRoot } as JobOnChain;
  });
  after(async () => {
    await store.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("fetches back the trace from the result digest (the manifest block's SHA-256), checkpoints checked against their leaves", async () => {
    const result = await fetch();
    assert.ok(result.manifestCid.equals(published.manifestCid));
    assert.equal(toHex(published.manifestCid.multihash.digest), published.resultDigest);
    assert.deepEqual(result.hashes, published.hashes);
    assert.deepEqual(await result.checkpoint(2), run.readCheckpoint(2));
    assert.equal(checkpointHash({ bytes: await result.checkpoint(3), engineVersion: job.config.engineVersion }), result.hashes[3]);
  });

  it("gives the same digests for the same spec, whoever publishes it", async () => {
    const other = await createHeliaContentStore({ directory: join(work, "other") });
    try {
      const again = await publishResult({ store: other, job, specDigest, checkpointCount: run.count, readCheckpoint: run.readCheckpoint });
      assert.deepEqual([again.resultDigest, again.traceRoot], [published.resultDigest, published.traceRoot]);
    } finally {
      await other.close();
    }
  });

  it("rebuilds the trained model: the job's model carrying the last checkpoint's parameters, naming the manifest, the same bytes a provider would export", async () => {
    const { onnx, source, checkpoints } = await rebuild();
    assert.equal(checkpoints, run.count);
    assert.ok("manifestCid" in source && source.manifestCid.equals(published.manifestCid));
    assert.deepEqual(importOnnxModel(onnx).params, run.finalState.params);
    const expected = exportOnnxModel({ original: job.modelBytes, definition: job.model.definition, params: run.finalState.params, metadata: { [RESULT_MANIFEST_KEY]: published.manifestCid.toString() } });
    assert.deepEqual(onnx, expected);
  });

  it("rebuilds it from a result published on-chain without fetching the manifest, naming the dispute that published it", async () => {
    const lastCheckpoint = run.readCheckpoint(run.count - 1);
    // A manifest digest nobody serves: only the spec and the model are fetched.
    const fromChain = { disputeId: 7n, hashes: [...published.hashes], lastCheckpoint };
    const { onnx, source, checkpoints } = await rebuildTrainedModel({ get: storeBlockSource({ store, jobId: 1n, bounded }), jobId: 1n, onChain: { ...onChain, resultDigest: keccak256("0x05") }, fromChain });
    assert.deepEqual([source, checkpoints], [{ publishedIn: 7n }, run.count]);
    const expected = exportOnnxModel({ original: job.modelBytes, definition: job.model.definition, params: run.finalState.params, metadata: { [RESULT_PUBLISHED_IN_KEY]: "7" } });
    assert.deepEqual(onnx, expected);
  });

  it("refuses published data that contradicts the on-chain commitment", async () => {
    await assert.rejects(fetch({ traceRoot: keccak256("0x01") }), { code: "RESULT_INVALID", message: /do not form the submitted trace root/ });
    await assert.rejects(rebuild({ traceRoot: keccak256("0x01") }), { code: "RESULT_INVALID", message: /do not form the submitted trace root/ });
    await assert.rejects(fetch({ specDigest: keccak256("0x02") }), { code: "RESULT_INVALID", message: /for another job spec/ });
    const entries = published.hashes.map((hash, index) => ({ bytes: run.readCheckpoint(index), hash }));
    const cids = await Promise.all(entries.map((entry) => store.put(entry.bytes)));
    // One checkpoint short: a checker, which knows the job's schedule, refuses it.
    const short = await manifestOf(entries.slice(0, -1).map((entry, i) => ({ cid: cids[i], hash: entry.hash })));
    await assert.rejects(fetch(short), { code: "RESULT_INVALID", message: new RegExp(`lists ${run.count - 1} checkpoints, the job has ${run.count}`) });
    // Checkpoint 1's entry names checkpoint 0's block: its bytes do not hash to the leaf.
    const swapped = await manifestOf(entries.map((entry, i) => ({ cid: cids[i === 1 ? 0 : i], hash: entry.hash })));
    const opened = await fetch(swapped);
    await assert.rejects(opened.checkpoint(1), { code: "RESULT_INVALID", message: /checkpoint 1's bytes do not hash to its trace leaf/ });
    await assert.rejects(checkServed(opened), { code: "RESULT_INVALID", message: /checkpoint 1's bytes do not hash to its trace leaf/ });
    await checkServed(await fetch());
    // The last checkpoint is not a checkpoint: its bytes hash to its leaf, but no weights can be read from them.
    const garbage = new TextEncoder().encode("not a checkpoint");
    const last = await manifestOf([...entries.slice(0, -1).map((entry, i) => ({ cid: cids[i], hash: entry.hash })), { cid: await store.put(garbage), hash: checkpointHash({ bytes: garbage, engineVersion: job.config.engineVersion }) }]);
    await assert.rejects(rebuild(last), { code: "RESULT_INVALID", message: /the last checkpoint is not a checkpoint/ });
    for (const notManifest of [job.modelBytes, new TextEncoder().encode("not cbor"), dagCbor.encode({ version: 9 })]) {
      await assert.rejects(fetch({ resultDigest: toHex((await store.put(notManifest)).multihash.digest) }), { code: "RESULT_INVALID" });
    }
  });

  it("reports a result no peer serves, or served without its checkpoints", async () => {
    await assert.rejects(fetch({ resultDigest: keccak256("0x03") }), { code: "RESULT_NOT_FOUND", message: /result manifest of job 1/ });
    const unserved = await rawBlockCid(new TextEncoder().encode("a checkpoint nobody serves"));
    const last = published.hashes.length - 1;
    const cids = await Promise.all(published.hashes.map((_, index) => store.put(run.readCheckpoint(index))));
    const withheld = await manifestOf(published.hashes.map((hash, index) => ({ cid: index === last ? unserved : cids[index], hash })));
    await assert.rejects(checkServed(await fetch(withheld)), { code: "RESULT_NOT_FOUND", message: new RegExp(`checkpoint ${last} of job 1`) });
    await assert.rejects(rebuild({ resultDigest: keccak256("0x03") }), { code: "RESULT_NOT_FOUND", message: /result manifest of job 1/ });
  });

  it("condemns an invalid or unserved result, not a fetch cut short by the caller's shutdown", async () => {
    const failureOf = (changed: Partial<JobOnChain>, bounded: () => AbortSignal) =>
      fetchResult({ store, jobId: 1n, onChain: { ...onChain, ...changed }, job, bounded }).then(() => assert.fail("fetched"), (error: unknown) => error);
    const running = new AbortController().signal;
    const unserved = await failureOf({ resultDigest: keccak256("0x04") }, () => AbortSignal.timeout(500));
    assert.equal(condemnsResult(unserved, running), true);
    assert.equal(condemnsResult(await failureOf({ traceRoot: keccak256("0x05") }, () => AbortSignal.timeout(2_000)), running), true);
    const shutdown = new AbortController();
    const cutShort = failureOf({ resultDigest: keccak256("0x06") }, () => shutdown.signal);
    shutdown.abort();
    assert.equal(condemnsResult(await cutShort, shutdown.signal), false);
    assert.equal(condemnsResult(new Error("RPC down"), running), false);
  });
});
