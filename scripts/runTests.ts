// `npm test`'s node test files, two at a time, in this order: devnetFaults first (~840 s alone, its
// ~30 keeper processes) with the light files beside it on the other core, one after another; then
// the heavy ones, longest first. Devnet-class files (a chain node with dozens of keepers and checkers)
// never run side by side: each takes test/harness/devnetSlot.ts's slot at its top, so one waits for
// the other while the other core runs a lighter file. Two of them side by side starved each other in
// CI (session 19: jobLifecycle and datasetLifecycle beside devnetFaults; session 20: devnetFaults'
// keepers not up within 180 s, jobLifecycle's bids and challenges past 120 s beside the README devnet).
// The devnet-class files alternate with the others below so that a file waiting for the slot rarely
// holds the second core idle. Prints node's spec report with its summary; exits 1 if any test failed.
import { existsSync, globSync } from "node:fs";
import { run } from "node:test";
import { spec } from "node:test/reporters";

const FIRST = "test/devnet/devnetFaults.test.ts";
/** After the light files, with rough seconds alone on this machine class; devnet-class files marked. */
const HEAVY = [
  "test/keepers/roles/jobLifecycle.test.ts", // 350, devnet-class
  "test/keepers/proofs/groth16Prover.test.ts", // 125
  "test/devnet.test.ts", // 300, devnet-class
  "test/keepers/cli/clientCommands.test.ts", // 50
  "test/keepers/datasetLifecycle.test.ts", // 190, devnet-class
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

run({ files, concurrency: 2, forceExit: true })
  .on("test:fail", () => {
    process.exitCode = 1;
  })
  .compose(spec)
  .pipe(process.stdout);
