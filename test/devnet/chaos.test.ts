import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { CHAOS_JOB, launchChaosDevnet, runChaos, type ChaosDevnet } from "../harness/chaos.ts";

// The chain node listens here; the keepers take the next 34 ports and their health endpoints the same slots 1,000 higher.
const PORT = 8680;
const CHAOS_SEED = 7;

describe("chaos: a devnet's keepers through RPC faults and kills (test/harness/chaos.ts)", { timeout: 1_800_000 }, () => {
  let devnet: ChaosDevnet;
  before(async () => {
    devnet = await launchChaosDevnet({ port: PORT, seed: CHAOS_SEED, log: pino({ level: "silent" }) });
  });

  after(async () => {
    await devnet?.stop();
    // No keeper and no chain node outlives the test.
    for (const keeper of devnet?.run.fleet.all() ?? []) assert.equal(keeper.running(), false, `${keeper.name} stopped`);
  });

  it("through a proxy injecting resets, lost answers, delays and a 30 s outage, with keepers SIGKILLed and restarted, 3 jobs and a round all end; nothing twice; every token accounted for", async (t) => {
    const { run, proxy, datasetId, victims } = devnet;
    const figures = await runChaos({ run, proxy, datasetId, jobs: 3, rounds: 1, seed: CHAOS_SEED, victims, job: CHAOS_JOB, onEvent: (what) => t.diagnostic(what) });
    t.diagnostic(JSON.stringify(figures));
    assert.ok(figures.faults_injected > 0 && figures.outage_seconds === 30, "faults were injected, the 30 s outage among them");
    assert.ok(figures.restarts > 0, "keepers were killed and restarted");
    assert.equal(figures.jobs_terminal, figures.jobs, "every job ended");
    assert.equal(figures.disputes_terminal, figures.disputes, "every dispute ended");
    assert.ok(figures.rounds >= 1, "an audit round ran");
    assert.equal(figures.rounds_closed, figures.rounds, "every round closed");
    assert.equal(figures.proofs_missed, 0, "no live holder missed a proof");
    assert.equal(figures.duplicate_actions, 0, "no action happened twice");
    assert.ok(figures.conservation_ok, `every protocol contract holds what it owes: ${JSON.stringify(figures.conservation)}`);
  });
});
