// `npm test`'s node test files, two at a time, longest first. `node --test` starts files in sorted
// order, which put test/devnet.test.ts and test/devnet/devnetFaults.test.ts side by side (~60 keeper
// processes on this machine class's 2 cores: the browser's job timed out) and left long files for the
// run's tail. Here devnetFaults (~840 s) takes one core from the start while the other runs the next
// longest files, about as long in all; the README's devnet (~300 s) comes next, so it starts about when
// devnetFaults ends; then the rest, sorted. Prints node's spec report with its summary; exits 1 if any
// test failed.
import { existsSync, globSync } from "node:fs";
import { run } from "node:test";
import { spec } from "node:test/reporters";

/** Longest first, with rough seconds on this machine class (CI, session 16). */
const FIRST = [
  "test/devnet/devnetFaults.test.ts", // 840
  "test/keepers/roles/jobLifecycle.test.ts", // 300
  "test/keepers/datasetLifecycle.test.ts", // 185
  "test/keepers/proofs/groth16Prover.test.ts", // 125
  "test/keepers/cli/clientCommands.test.ts", // 50
  "test/keepers/automation/automationDrand.test.ts", // 50
  "test/keepers/compute/computeRole.test.ts", // 50
  "test/devnet.test.ts", // 300: after ~820 s of the files above, as devnetFaults ends
];

for (const file of FIRST) if (!existsSync(file)) throw new Error(`scripts/runTests.ts lists ${file}, which does not exist: update the list`);
/**
 * Run by scripts/test.sh's shanghai lane, against the bytecode Cardona runs; here only the two whose result
 * depends on the EVM target (the cancun gas snapshot, the cancun hardfork check).
 */
const SHANGHAI_LANE = (file: string) => /^test\/(contracts|ignition)\//.test(file) && !/\/(gas|evmTarget)\.test\.ts$/.test(file);
const files = [...FIRST, ...globSync("test/**/*.test.ts").filter((file) => !FIRST.includes(file) && !SHANGHAI_LANE(file)).sort()];

run({ files, concurrency: 2, forceExit: true })
  .on("test:fail", () => {
    process.exitCode = 1;
  })
  .compose(spec)
  .pipe(process.stdout);
