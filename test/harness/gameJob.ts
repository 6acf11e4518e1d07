import { maxUint256, parseEther, type Hex } from "viem";
import { CheckpointTree } from "../../keepers/src/training/checkpointTree.ts";
import { VmTrace, type VmTraceParameters } from "../../keepers/src/trainingVm/vmTrace.ts";
import { networkHelpers, ORDER, postJob, RESULT_DIGEST, withStakedProviders } from "../contracts/fixture.ts";
import { checkpointOf, data, initial, perceptron, scheduleOf, SGD, train } from "./vmFixture.ts";

// A job the bisection game can replay, on the protocol as the local Ignition module deploys it: a perceptron's
// program (SGD, a checkpoint every 2 steps, 4 steps), and a provider whose run is honest or wrong at one
// instruction of step 2 (in checkpoint 2's segment). test/contracts/DisputesGame.test.ts plays its disputes;
// test/keepers/indexer/mappings.test.ts indexes them.

export const GAME_JOB = { interval: 2, totalSteps: 4 } as const;

const model = perceptron();
const checkpoint0 = checkpointOf(SGD, initial(model, SGD, 0));

/** The parameters of the job's run from step 0 (for a VmTrace, here or in a worker thread); `fault` makes it dishonest. */
export const runOf = (fault?: VmTraceParameters["fault"]): VmTraceParameters => ({
  model, config: SGD, data, examples: train.count, checkpoint: checkpoint0, firstStep: 0, schedule: scheduleOf(checkpoint0, GAME_JOB.interval, GAME_JOB.totalSteps), fault,
});

/** The job's run from step 0; `fault` makes it dishonest. */
export const traceOf = (fault?: VmTraceParameters["fault"]) => new VmTrace(runOf(fault));

/** The dishonest run's fault: fc2's weight gradient (operator 5), element 40 stored wrong in step 2. */
export const DISHONEST_FAULT = { step: 2, position: { operator: 5, instruction: 9 * 40 + 8 } };

export const truth = traceOf();
export const dishonest = traceOf(DISHONEST_FAULT);

/** The trace a provider commits: its checkpoint roots at steps 0, 2, 4 (docs/training.md §8). */
export const treeOf = (run: VmTrace) => new CheckpointTree([0, 2, 4].map((step) => run.checkpointRoot(step)));

/** The opening of checkpoint `checkpoint`'s segment from `run`'s trace, as Disputes takes it. */
export function openingOf(run: VmTrace, checkpoint: number) {
  const tree = treeOf(run);
  const before = tree.proof(Math.max(0, checkpoint - 1));
  const after = tree.proof(Math.min(checkpoint, 2));
  return { hashBefore: before.hash, proofBefore: before.proof, hashAfter: after.hash, proofAfter: after.proof, program: run.program.segmentWitness() };
}

/**
 * Job 1 committing `program` (the game job's by default; zero: none), assigned to providerA, its result submitted
 * with the trace `tree` (by default `run`'s, {@link treeOf}); both sides approved the game.
 */
export async function submittedBy(run: VmTrace, program: Hex = truth.program.hash, tree: CheckpointTree = treeOf(run)) {
  const p = await withStakedProviders();
  const jobId = await postJob(p, { program });
  await p.jobRegistry.write.bid([jobId, parseEther("600")], { account: p.providerA.account });
  await networkHelpers.time.increase(ORDER.biddingPeriod);
  await p.jobRegistry.write.settleAuction([jobId]);
  await p.jobRegistry.write.submitResult([jobId, RESULT_DIGEST, tree.root, 9912], { account: p.providerA.account });
  for (const side of [p.providerA, p.challenger]) await p.token.write.approve([p.bisectionGame.address, maxUint256], { account: side.account });
  return { ...p, jobId };
}
