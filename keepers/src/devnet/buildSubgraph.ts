import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SUBGRAPH_CONTRACTS } from "../indexer/subgraphContracts.ts";
import { rebuildWhenChanged } from "./rebuildWhenChanged.ts";

const root = new URL("../../../", import.meta.url).pathname;
/** Where the digest of the inputs of the last successful build is kept. */
const DIGEST_FILE = join(root, "subgraph", "build", "inputs.sha256");

/** Parameters of {@link buildSubgraph}. */
export type BuildSubgraphParameters = {
  /** The build's output (graph-cli's progress, warnings) is appended to this file. */
  outputFile: string;
};

/**
 * Builds the subgraph the indexer runs (`npm run subgraph:build`: ABIs, codegen, compiled
 * mappings) unless `subgraph/build/` was built from the same inputs: the subgraph's manifest,
 * schema and mappings and the events of the contract interfaces it indexes (their ABIs in
 * `artifacts/`, so run it after `hardhat compile`). A build takes ~20 s; a check ~10 ms.
 * Returns whether it built.
 *
 * @throws VeritrainError `DEVNET_STEP_FAILED` if the build fails (its output is in `outputFile`).
 * @example
 * const { built } = await buildSubgraph({ outputFile: ".devnet/logs/build.log" });
 */
export function buildSubgraph({ outputFile }: BuildSubgraphParameters): Promise<{ built: boolean }> {
  return rebuildWhenChanged({ script: "subgraph:build", digest: subgraphInputsDigest(), digestFile: DIGEST_FILE, outputFile });
}

/** SHA-256 over the subgraph's sources (path and bytes, in path order) and the indexed interfaces' ABIs. */
function subgraphInputsDigest(): string {
  const hash = createHash("sha256");
  const sources = ["subgraph.yaml", "schema.graphql", ...readdirSync(join(root, "subgraph", "src"), { recursive: true, encoding: "utf8" }).map((file) => join("src", file))].sort();
  for (const file of sources) {
    const path = join(root, "subgraph", file);
    if (statSync(path).isFile()) hash.update(`${file}\0`).update(readFileSync(path));
  }
  for (const name of SUBGRAPH_CONTRACTS) {
    const artifact = join(root, "artifacts", "contracts", "interfaces", `I${name}.sol`, `I${name}.json`);
    hash.update(`${name}\0`).update(JSON.stringify(JSON.parse(readFileSync(artifact, "utf8")).abi));
  }
  return hash.digest("hex");
}

