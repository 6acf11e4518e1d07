// `npm test`'s node test files, two at a time, in an order that keeps the two whole-devnet scenarios
// apart: `node --test` starts files in sorted order, which put test/devnet.test.ts and
// test/devnet/devnetFaults.test.ts side by side, ~60 keeper processes on this machine class's 2 cores.
// Here the longest one starts first and the README's devnet last, while the other files share the
// second core. Prints node's spec report with its summary; exits 1 if any test failed.
import { globSync } from "node:fs";
import { run } from "node:test";
import { spec } from "node:test/reporters";

const FIRST = "test/devnet/devnetFaults.test.ts";
const LAST = "test/devnet.test.ts";

const others = globSync("test/**/*.test.ts").filter((file) => file !== FIRST && file !== LAST).sort();
const files = [FIRST, ...others, LAST];

run({ files, concurrency: 2, forceExit: true })
  .on("test:fail", () => {
    process.exitCode = 1;
  })
  .compose(spec)
  .pipe(process.stdout);
