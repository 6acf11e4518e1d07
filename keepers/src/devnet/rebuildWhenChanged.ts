import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { VeritrainError } from "../errors.ts";

const root = new URL("../../../", import.meta.url).pathname;

/** Parameters of {@link rebuildWhenChanged}. */
export type RebuildWhenChangedParameters = {
  /** The npm script that builds, e.g. `subgraph:build`. */
  script: string;
  /** A digest of everything the build reads. */
  digest: string;
  /** Where the digest of the last successful build is kept. */
  digestFile: string;
  /** The build's output (progress, warnings) is appended to this file. */
  outputFile: string;
  /** Whether the build's output is there at all (a digest without it does not count). @default true */
  present?: boolean;
};

/**
 * Runs `npm run <script>` unless the last successful build was of the same inputs (its digest is
 * kept in `digestFile` once it succeeded). Returns whether it built.
 *
 * @throws VeritrainError `DEVNET_STEP_FAILED` if the build fails (its output is in `outputFile`).
 * @example
 * const { built } = await rebuildWhenChanged({ script: "subgraph:build", digest, digestFile, outputFile });
 */
export async function rebuildWhenChanged({ script, digest, digestFile, outputFile, present = true }: RebuildWhenChangedParameters): Promise<{ built: boolean }> {
  if (present && existsSync(digestFile) && readFileSync(digestFile, "utf8").trim() === digest) return { built: false };
  mkdirSync(dirname(outputFile), { recursive: true });
  const output = openSync(outputFile, "a");
  const build = spawn("npm", ["run", "--silent", script], { cwd: root, stdio: ["ignore", output, output] });
  closeSync(output);
  const code = await new Promise<number | null>((resolve) => build.once("exit", resolve));
  if (code !== 0) throw new VeritrainError(`npm run ${script} failed; see ${outputFile}`, { code: "DEVNET_STEP_FAILED", details: { step: script, outputFile } });
  mkdirSync(dirname(digestFile), { recursive: true });
  writeFileSync(digestFile, `${digest}\n`);
  return { built: true };
}
