import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { TestContext } from "node:test";

/**
 * Runs one of the formal checks' scripts (`node scripts/<name>.ts`, docs/formal-checks.md) as a test: passes if it
 * exits 0, reports its summary line, and on a failure shows its whole output (the counterexample). As test files,
 * the checks run beside the devnet files instead of in the build lanes before them.
 */
export async function runFormalCheck(t: TestContext, script: string): Promise<void> {
  const child = spawn(process.execPath, [script], { cwd: new URL("../..", import.meta.url), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const [code] = await once(child, "close");
  t.diagnostic(output.trim().split("\n").at(-1) ?? "");
  assert.equal(code, 0, `node ${script} found a problem:\n${output}`);
}
