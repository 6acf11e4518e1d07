import { readFile } from "node:fs/promises";
import type { Abi, Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import { PROTOCOL_CONTRACT_NAMES, artifactUrl } from "./protocolContracts.ts";

/** One custom error the protocol's contracts can revert with, as its source declares it. */
export type ProtocolErrorDoc = {
  /** The source file that declares it, e.g. `project/contracts/interfaces/IJobRegistry.sol`. */
  source: string;
  name: string;
  /** Its NatSpec, `@notice` (this project's interfaces) or `@dev` (OpenZeppelin), without the tag and `@param` lines. */
  text: string;
  /** `notice` when the text is written about the values (`Thrown when job \`jobId\` …`), `dev` when it names roles. */
  tag: "notice" | "dev" | "none";
  /** The parameters in order; `enumMembers` for an enum parameter (the ABI says uint8). */
  parameters: { name: string; enumMembers?: string[] }[];
};

/** Every custom error of the protocol: the union ABI to decode with and the documentation by selector. */
export type ProtocolErrors = { abi: Abi; docs: ReadonlyMap<Hex, ProtocolErrorDoc> };

/** The subset of solc's AST this module reads. */
type AstNode = {
  nodeType?: string;
  id?: number;
  name?: string;
  errorSelector?: string;
  documentation?: { text?: string };
  parameters?: { parameters: { name: string; typeName?: { referencedDeclaration?: number } }[] };
  members?: { name: string }[];
  [key: string]: unknown;
};

type BuildOutput = {
  sources: Record<string, { ast: AstNode }>;
  contracts: Record<string, Record<string, { abi: Abi }>>;
};

let loaded: Promise<ProtocolErrors> | undefined;

/**
 * The custom errors of every contract the protocol's build compiled — contracts/** and the
 * libraries they import (OpenZeppelin's ERC20, ERC2612, AccessControl, ReentrancyGuard, SafeERC20,
 * ECDSA…), test sources excluded — read once from the Hardhat build-info of the protocol's
 * artifacts. The sentences come from the errors' NatSpec in the compiler's AST, so there is no
 * table of messages to keep in step with the contracts.
 *
 * @example
 * const { abi, docs } = await protocolErrors();
 */
export function protocolErrors(): Promise<ProtocolErrors> {
  loaded ??= loadProtocolErrors().catch((error) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

async function loadProtocolErrors(): Promise<ProtocolErrors> {
  const buildIds = new Set<string>();
  for (const name of PROTOCOL_CONTRACT_NAMES) {
    try {
      buildIds.add(JSON.parse(await readFile(artifactUrl(name), "utf8")).buildInfoId);
    } catch (cause) {
      throw new VeritrainError(`no compiled artifact for ${name}: run \`npm run build\``, { code: "ARTIFACT_MISSING", cause });
    }
  }
  const errors = new Map<string, Abi[number]>();
  const docs = new Map<Hex, ProtocolErrorDoc>();
  for (const id of buildIds) {
    const url = new URL(`../../../artifacts/build-info/${id}.output.json`, import.meta.url);
    let output: BuildOutput;
    try {
      output = JSON.parse(await readFile(url, "utf8")).output;
    } catch (cause) {
      throw new VeritrainError(`no build-info ${id} beside the artifacts: run \`npm run build\``, { code: "ARTIFACT_MISSING", cause });
    }
    const sources = Object.entries(output.sources).filter(([source]) => !source.startsWith("project/test/"));
    // AST ids are unique across one build, and an error may name an enum declared in another file.
    const enums = new Map<number, string[]>();
    const definitions: [string, AstNode][] = [];
    for (const [source, { ast }] of sources) {
      visit(ast, (node) => {
        if (node.nodeType === "EnumDefinition" && node.id !== undefined) enums.set(node.id, (node.members ?? []).map((member) => member.name));
        if (node.nodeType === "ErrorDefinition") definitions.push([source, node]);
      });
      for (const contract of Object.values(output.contracts[source] ?? {})) {
        for (const item of contract.abi) if (item.type === "error") errors.set(`${item.name}(${item.inputs.map((input) => input.type)})`, item);
      }
    }
    for (const [source, node] of definitions) {
      const selector = `0x${node.errorSelector}` as Hex;
      if (!docs.has(selector)) docs.set(selector, errorDoc(source, node, enums));
    }
  }
  return { abi: [...errors.values()], docs };
}

/** The documentation of one ErrorDefinition, with its enum parameters' member names. */
function errorDoc(source: string, node: AstNode, enums: ReadonlyMap<number, string[]>): ProtocolErrorDoc {
  const raw = node.documentation?.text?.trim() ?? "";
  const tag = raw.startsWith("@notice") ? "notice" : raw.startsWith("@dev") ? "dev" : "none";
  // The first paragraph of the tag: `@param` and `NOTE:` blocks follow it.
  const text = raw.replace(/^@(notice|dev)\s*/, "").split(/\n\s*\n|@param|NOTE:/)[0]!.replace(/\s+/g, " ").trim();
  const parameters = node.parameters!.parameters.map(({ name, typeName }) => {
    const members = typeName?.referencedDeclaration === undefined ? undefined : enums.get(typeName.referencedDeclaration);
    return members === undefined ? { name } : { name, enumMembers: members };
  });
  return { source, name: node.name!, text, tag, parameters };
}

function visit(node: unknown, each: (node: AstNode) => void): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const child of node) visit(child, each);
    return;
  }
  each(node as AstNode);
  for (const value of Object.values(node)) visit(value, each);
}
