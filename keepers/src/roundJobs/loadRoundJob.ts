import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { parseSpecJson } from "../jobs/jobSpecBlock.ts";
import { loadJobInputs } from "../jobs/loadJob.ts";
import { prepareRoundJob, type PreparedRoundJob } from "../rounds/preparedRoundJob.ts";
import { validateRoundJobSpec } from "../rounds/roundJobSpec.ts";
import type { Logger } from "pino";
import { readRoundJob, type RoundJobOnChain } from "./roundJobOnChain.ts";

/** Parameters of {@link loadRoundJob}. */
export type LoadRoundJobParameters = {
  chain: ProtocolConnection;
  store: HeliaContentStore;
  jobId: bigint;
  log: Logger;
  signal?: AbortSignal;
};

/** A round job as the chain knows it and prepared for the engine. */
export type LoadedRoundJob = { jobId: bigint; onChain: RoundJobOnChain; prepared: PreparedRoundJob };

/**
 * Everything needed to train a slot of, aggregate or re-execute round job `jobId`: the on-chain
 * job, its spec, model and dataset (loadJobInputs), validated and prepared.
 *
 * @throws VeritrainError `JOB_UNKNOWN`, `JOB_SPEC_NOT_FOUND`, `JOB_SPEC_INVALID`, `JOB_MODEL_NOT_FOUND`, `JOB_DATASET_MISMATCH`, …
 * @example
 * const { prepared } = await loadRoundJob({ chain, store, jobId: 1n, log, signal });
 */
export async function loadRoundJob(parameters: LoadRoundJobParameters): Promise<LoadedRoundJob> {
  const onChain = await readRoundJob(parameters.chain, parameters.jobId);
  const { spec, modelBytes, sources } = await loadJobInputs({
    ...parameters,
    specDigest: onChain.specDigest,
    datasetId: onChain.datasetId,
    decode: (bytes, cid) => validateRoundJobSpec(parseSpecJson(bytes, cid)).spec,
    ranges: (spec) => ({ ...spec.dataset.splits, ...(spec.distributed.aggregation.rule === "fltrust" ? { root: spec.distributed.aggregation.root } : {}) }),
  });
  return { jobId: parameters.jobId, onChain, prepared: prepareRoundJob({ spec, modelBytes, sources }) };
}

/**
 * Loaded round jobs kept for the life of a keeper: a job's dataset is fetched once, not once per round.
 *
 * @example
 * const jobs = roundJobCache();
 * const { prepared } = await jobs.load({ chain, store, jobId, log, signal });
 */
export function roundJobCache(): { load(parameters: LoadRoundJobParameters): Promise<LoadedRoundJob> } {
  const loaded = new Map<bigint, Promise<LoadedRoundJob>>();
  return {
    load(parameters) {
      let job = loaded.get(parameters.jobId);
      if (job === undefined) {
        job = loadRoundJob(parameters);
        loaded.set(parameters.jobId, job);
        job.catch(() => loaded.delete(parameters.jobId));
      }
      return job;
    },
  };
}
