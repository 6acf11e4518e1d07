import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isAddress, isHex, type Address, type Hex } from "viem";
import { PROTOCOL_CONTRACT_NAMES, type ProtocolContractName } from "../chain/protocolContracts.ts";
import { VeritrainError } from "../errors.ts";

/** Everything a keeper command needs, parsed once and frozen. */
export type KeeperConfig = Readonly<{
  /** JSON-RPC URL of the chain. */
  rpcUrl: string;
  /** The keeper's key (VERITRAIN_PRIVATE_KEY only: never a flag, never a file in the repo). */
  privateKey?: Hex;
  /** Deployed protocol addresses, from an Ignition deployed_addresses.json. */
  addresses: Readonly<Partial<Record<ProtocolContractName | "VRFCoordinatorV2_5Mock", Address>>>;
  /** Where the keeper keeps its content store and cursors. */
  dataDir: string;
  /** Blocks a transaction or an event must have (its own included) before a keeper acts on it. */
  confirmations: number;
  /** The deployment's first block: no protocol event is older, so no keeper reads logs before it. */
  deploymentBlock: bigint;
}>;

/** The flags every keeper command shares (each overrides its environment variable and the config file). */
export type KeeperConfigFlags = { config?: string; rpcUrl?: string; deployment?: string; dataDir?: string; confirmations?: string; deploymentBlock?: string };

/** Parameters of {@link loadKeeperConfig}. */
export type LoadKeeperConfigParameters = { flags: KeeperConfigFlags; env?: NodeJS.ProcessEnv };

const DEFAULTS = {
  rpcUrl: "http://127.0.0.1:8545",
  deployment: "ignition/deployments/chain-31337/deployed_addresses.json",
  dataDir: ".veritrain",
  confirmations: "1",
};

/** n, the order of secp256k1's group: a private key lies in [1, n - 1]. */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function invalid(field: string, rule: string, cause?: unknown): VeritrainError {
  return new VeritrainError(`config ${field} ${rule}`, { code: "CONFIG_INVALID", details: { field }, cause });
}

/**
 * The first block of Ignition's deployment whose `deployed_addresses.json` is `deployment`: the lowest block of a
 * confirmed transaction in the `journal.jsonl` beside it; undefined without a journal (a copied addresses file).
 */
function journalFirstBlock(deployment: string): bigint | undefined {
  let journal: string;
  try {
    journal = readFileSync(join(dirname(deployment), "journal.jsonl"), "utf8");
  } catch {
    return undefined;
  }
  let first: bigint | undefined;
  for (const line of journal.split("\n")) {
    if (!line.includes('"TRANSACTION_CONFIRM"')) continue;
    let block: number | undefined;
    try {
      block = (JSON.parse(line) as { receipt?: { blockNumber?: number } }).receipt?.blockNumber;
    } catch {
      continue; // a line cut by an interrupted deployment
    }
    if (Number.isSafeInteger(block) && (first === undefined || BigInt(block!) < first)) first = BigInt(block!);
  }
  return first;
}

/**
 * Reads the keeper configuration from flags, then environment (`VERITRAIN_RPC_URL`,
 * `VERITRAIN_DEPLOYMENT`, `VERITRAIN_DATA_DIR`, `VERITRAIN_CONFIRMATIONS`, `VERITRAIN_DEPLOYMENT_BLOCK`,
 * `VERITRAIN_PRIVATE_KEY`), then an optional JSON file (`--config`), then defaults (the local devnet). The
 * deployment block defaults to the first block of Ignition's journal beside the deployment file, else 0.
 *
 * @example
 * const config = loadKeeperConfig({ flags: program.opts() });
 */
export function loadKeeperConfig({ flags, env = process.env }: LoadKeeperConfigParameters): KeeperConfig {
  let file: Partial<Record<keyof typeof DEFAULTS | "deploymentBlock", string>> = {};
  if (flags.config) {
    try {
      file = JSON.parse(readFileSync(flags.config, "utf8"));
    } catch (cause) {
      throw invalid("file", `${flags.config} is not a readable JSON file`, cause);
    }
  }
  const pick = (key: keyof typeof DEFAULTS, flag: string | undefined, variable: string) =>
    flag ?? env[variable] ?? file[key] ?? DEFAULTS[key];
  const rpcUrl = pick("rpcUrl", flags.rpcUrl, "VERITRAIN_RPC_URL");
  if (!/^https?:\/\//.test(rpcUrl)) throw invalid("rpcUrl", "must be an http(s) URL");
  const deployment = pick("deployment", flags.deployment, "VERITRAIN_DEPLOYMENT");
  let text: string;
  try {
    text = readFileSync(deployment, "utf8");
  } catch (cause) {
    throw invalid("deployment", `${deployment} cannot be read (deploy first, e.g. npm run devnet, or pass --deployment <deployed_addresses.json>)`, cause);
  }
  let deployed: Record<string, string>;
  try {
    deployed = JSON.parse(text);
  } catch (cause) {
    throw invalid("deployment", `${deployment} is not JSON: pass Ignition's deployed_addresses.json of the deployment`, cause);
  }
  if (typeof deployed !== "object" || deployed === null || Array.isArray(deployed)) {
    throw invalid("deployment", `${deployment} is not a deployed_addresses.json: it must be a JSON object of contract → address`);
  }
  const addresses: Record<string, Address> = {};
  for (const [key, address] of Object.entries(deployed)) {
    if (!isAddress(address)) throw invalid("deployment", `${key} in ${deployment} is not an address`);
    addresses[key.replace(/^[^#]+#/, "")] = address;
  }
  const missing = PROTOCOL_CONTRACT_NAMES.filter((name) => addresses[name] === undefined);
  if (missing.length > 0) {
    throw invalid("deployment", `${deployment} lacks ${missing.join(", ")}: not a veritrain deployment, or an older one (deploy again, e.g. npm run devnet)`);
  }
  const privateKey = env.VERITRAIN_PRIVATE_KEY;
  if (privateKey !== undefined && !(isHex(privateKey) && privateKey.length === 66)) {
    throw invalid("VERITRAIN_PRIVATE_KEY", "must be a 0x-prefixed 32-byte hex key");
  }
  if (privateKey !== undefined && !(BigInt(privateKey) > 0n && BigInt(privateKey) < SECP256K1_ORDER)) {
    throw invalid("VERITRAIN_PRIVATE_KEY", "is not a secp256k1 private key (it must lie between 1 and the curve order - 1): set the account's real key");
  }
  const confirmations = Number(pick("confirmations", flags.confirmations, "VERITRAIN_CONFIRMATIONS"));
  if (!Number.isInteger(confirmations) || confirmations < 1) throw invalid("confirmations", "must be a positive integer");
  const setBlock = flags.deploymentBlock ?? env.VERITRAIN_DEPLOYMENT_BLOCK ?? file.deploymentBlock;
  if (setBlock !== undefined && !/^\d+$/.test(String(setBlock))) throw invalid("deploymentBlock", "must be a block number: the block the deployment's first contract was created in (pass --deployment-block <n>)");
  const deploymentBlock = setBlock === undefined ? (journalFirstBlock(deployment) ?? 0n) : BigInt(setBlock);
  return Object.freeze({
    rpcUrl,
    privateKey: privateKey as Hex | undefined,
    addresses: Object.freeze(addresses),
    dataDir: pick("dataDir", flags.dataDir, "VERITRAIN_DATA_DIR"),
    confirmations,
    deploymentBlock,
  });
}
