/**
 * Writes the subgraph's ABIs (subgraph/abis/<Contract>.json, events only) from the compiled
 * interface artifacts, so the subgraph depends on contracts/interfaces/ and nothing else, and
 * checks that subgraph/subgraph.yaml handles every event of every contract with
 * `handle<EventName>`.
 *
 *   node scripts/subgraphAbis.ts   (after `hardhat compile`)
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { SUBGRAPH_CONTRACTS, eventSignature, type AbiEvent } from "../keepers/src/indexer/subgraphContracts.ts";

const root = new URL("../", import.meta.url);
const abis = new URL("subgraph/abis/", root);
mkdirSync(abis, { recursive: true });
const manifest = readFileSync(new URL("subgraph/subgraph.yaml", root), "utf8");
const problems: string[] = [];
for (const name of SUBGRAPH_CONTRACTS) {
  const artifact = new URL(`artifacts/contracts/interfaces/I${name}.sol/I${name}.json`, root);
  const events = (JSON.parse(readFileSync(artifact, "utf8")).abi as { type: string }[]).filter((item): item is AbiEvent => item.type === "event");
  writeFileSync(new URL(`${name}.json`, abis), `${JSON.stringify(events, null, 2)}\n`);
  const handled = [...manifest.matchAll(/- event: (.+)\n\s+handler: (\w+)/g)].map(([, signature, handler]) => `${signature} -> ${handler}`);
  for (const event of events) {
    const expected = `${eventSignature(event)} -> handle${event.name}`;
    if (!handled.includes(expected)) problems.push(`${name}: subgraph.yaml lacks "- event: ${eventSignature(event)}" with "handler: handle${event.name}"`);
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
