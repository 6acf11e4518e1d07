import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pages = resolve(root, "app/src/pages");

/**
 * The project's modules a browser loads with `entries`: their static imports (`import`/`export … from "./…"`,
 * not `import type`), followed to the end. A dynamic `import()` is where the code chose to load a module only when
 * it runs (as fetchStripe.ts does for the Node-only decoder), so it is not followed. Each module with the module
 * that imported it first.
 */
function staticGraph(entries: string[]): Map<string, string | undefined> {
  const reached = new Map<string, string | undefined>();
  const pending: [string, string | undefined][] = entries.map((entry) => [entry, undefined]);
  while (pending.length > 0) {
    const [file, from] = pending.pop()!;
    if (reached.has(file) || !existsSync(file)) continue;
    reached.set(file, from);
    const source = readFileSync(file, "utf8");
    for (const [, specifier] of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+"(\.[^"]+)"/gms)) {
      pending.push([resolve(dirname(file), specifier!), file]);
    }
  }
  return reached;
}

describe("the web app's modules", () => {
  it("reach no module that needs Node (a node: built-in) through static imports, from the app or any of its pages", () => {
    const entries = [resolve(root, "app/src/main.tsx"), ...readdirSync(pages).map((page) => resolve(pages, page))];
    const graph = staticGraph(entries);
    assert.ok(graph.size > 100, `the graph holds the app's modules (${graph.size})`);
    const nodeOnly = [...graph.keys()].filter((file) => /^(?:import|export)\s[^;]*?\sfrom\s+"node:/ms.test(readFileSync(file, "utf8")));
    const chains = nodeOnly.map((file) => {
      const chain: string[] = [];
      for (let at: string | undefined = file; at !== undefined; at = graph.get(at)) chain.push(relative(root, at));
      return chain.join(" <- ");
    });
    assert.deepEqual(chains, [], "a browser would fail to load these (Vite replaces node: built-ins with empty shims)");
  });
});
