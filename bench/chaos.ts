/**
 * The chaos scenario of the devnet (test/harness/chaos.ts) on a devnet of its own: every keeper
 * reaches the chain node through a fault-injecting JSON-RPC proxy; an honest and a dishonest
 * compute keeper compete for the jobs; resets, lost answers, delays and one 30 s full outage are
 * injected while keepers are SIGKILLed and restarted, jobs run and audit rounds are proved. Then it
 * checks, from chain state, that every job, dispute and round ended, that nothing happened twice and
 * that every protocol contract holds exactly what it owes. The last line is one JSON object.
 *
 *   npm run bench:chaos [-- --port 8700 --jobs 3 --rounds 2 --seed 7]
 */
import { Command } from "commander";
import { pino } from "pino";
import { parseCount } from "../keepers/src/cli/commandContext.ts";
import { CHAOS_JOB, launchChaosDevnet, runChaos } from "../test/harness/chaos.ts";

const options = new Command("bench:chaos")
  .description("the devnet's chaos scenario: RPC faults and keeper kills while jobs and audit rounds run; prints what held")
  .option("--port <port>", "JSON-RPC port of the devnet's chain node (the keepers take the next 40 ports)", "8700")
  .option("--jobs <count>", "jobs posted at once", "3")
  .option("--rounds <count>", "audit rounds driven while they run", "2")
  .option("--seed <seed>", "seeds the faults and the kills", "7")
  .parse()
  .opts<{ port: string; jobs: string; rounds: string; seed: string }>();
const port = parseCount(options.port, "--port", 1);
const say = (line: string) => process.stderr.write(`bench:chaos: ${line}\n`);
// The devnet's own log lines only when asked (LOG_LEVEL=info); the keepers log to their files.
const log = pino({ name: "bench-chaos", level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));

const seed = parseCount(options.seed, "--seed");
const { run, proxy, datasetId, victims, stop } = await launchChaosDevnet({ port, seed, log, say });
process.once("SIGINT", () => void stop().then(() => process.exit(130)));
try {
  say(`chaos: ${options.jobs} jobs, ${options.rounds} rounds, ${victims.length} keepers to kill`);
  const figures = await runChaos({
    run,
    proxy,
    datasetId,
    jobs: parseCount(options.jobs, "--jobs", 1),
    rounds: parseCount(options.rounds, "--rounds", 1),
    seed,
    victims,
    job: CHAOS_JOB,
    onEvent: say,
  });
  console.log(JSON.stringify(figures));
} finally {
  await stop();
}
