// `npm test`'s node test files, two at a time, in this order: devnetFaults first (~850 s, its ~30 keeper
// processes) with the light files beside it on the other core, one after another (the formal checks among them);
// then the heavy ones. Devnet-class files (a chain node with dozens of keepers and checkers) hold
// test/harness/devnetSlot.ts's slot: those whose keepers are processes (devnetFaults, the README devnet) hold it
// whole and never run beside another devnet-class file; the two whose chain and keepers live in their own process
// (jobLifecycle, datasetLifecycle) hold half each and run side by side. Two whole ones side by side starved each
// other in CI (session 19: jobLifecycle and datasetLifecycle beside devnetFaults; session 20: devnetFaults' keepers
// not up within 180 s, jobLifecycle's bids and challenges past 120 s beside the README devnet). The Groth16 prover's
// file comes first among the heavy ones: it fills the other core until devnetFaults ends (the light files take
// ~700 s beside it). Prints node's spec report with its summary; exits 1 if any test failed.
import { existsSync, globSync } from "node:fs";
import { run } from "node:test";
import { spec } from "node:test/reporters";

const FIRST = "test/devnet/devnetFaults.test.ts";
/** After the light files, with rough seconds alone on this machine class; devnet-class files marked. */
const HEAVY = [
  "test/keepers/proofs/groth16Prover.test.ts", // 125
  "test/keepers/roles/jobLifecycle.test.ts", // 250, devnet-class, half the slot
  "test/keepers/datasetLifecycle.test.ts", // 130, devnet-class, half the slot
  "test/devnet.test.ts", // 290, devnet-class
  "test/keepers/cli/clientCommands.test.ts", // 50
  "test/keepers/automation/automationDrand.test.ts", // 50
  "test/keepers/compute/computeRole.test.ts", // 50
];

for (const file of [FIRST, ...HEAVY]) if (!existsSync(file)) throw new Error(`scripts/runTests.ts lists ${file}, which does not exist: update the list`);
/**
 * Run by scripts/test.sh's shanghai lane, against the bytecode Cardona runs; here only the two whose result
 * depends on the EVM target (the cancun gas snapshot, the cancun hardfork check).
 */
const SHANGHAI_LANE = (file: string) => /^test\/(contracts|ignition)\//.test(file) && !/\/(gas|evmTarget)\.test\.ts$/.test(file);
const light = globSync("test/**/*.test.ts").filter((file) => file !== FIRST && !HEAVY.includes(file) && !SHANGHAI_LANE(file)).sort();
const files = [FIRST, ...light, ...HEAVY];

// Each test file's process preloads test/harness/blockingStdout.ts, so that forceExit cannot cut its report short
// (the runner's own process, started before, does not).
const preload = `--import=${new URL("../test/harness/blockingStdout.ts", import.meta.url).href}`;
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} ${preload}`.trim();

run({ files, concurrency: 2, forceExit: true })
  .on("test:fail", () => {
    process.exitCode = 1;
  })
  .compose(spec)
  .pipe(process.stdout);
