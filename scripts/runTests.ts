// `npm test`'s node test files, two at a time, in this order: devnetFaults first (~840 s alone, its
// ~30 keeper processes), with every light file beside it on the other core, one after another; then
// the heavy ones (a devnet of their own, keeper processes, Groth16 proving), longest first, beside each
// other. A heavy file beside devnetFaults starved: in session 19's CI runs jobLifecycle missed its
// 120 s waits and datasetLifecycle its audit deadline beside the chaos run (red twice), and node's
// own sorted order put test/devnet.test.ts beside devnetFaults. Prints node's spec report with its
// summary; exits 1 if any test failed.
import { existsSync, globSync } from "node:fs";
import { run } from "node:test";
import { spec } from "node:test/reporters";

const FIRST = "test/devnet/devnetFaults.test.ts";
/** After the light files, longest first, with rough seconds on this machine class (CI, session 17). */
const HEAVY = [
  "test/keepers/roles/jobLifecycle.test.ts", // 300
  "test/devnet.test.ts", // 300
  "test/keepers/datasetLifecycle.test.ts", // 190
  "test/keepers/proofs/groth16Prover.test.ts", // 125
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

run({ files, concurrency: 2, forceExit: true })
  .on("test:fail", () => {
    process.exitCode = 1;
  })
  .compose(spec)
  .pipe(process.stdout);
