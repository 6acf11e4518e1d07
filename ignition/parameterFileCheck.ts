import { readFileSync } from "node:fs";
import { isAddress } from "viem";
import type { RandomnessSource } from "./modules/drandBeacon.ts";

/** Parameters the public module reads as addresses, by randomness source. */
const ADDRESS_FIELDS: Record<RandomnessSource, readonly string[]> = {
  "drand-evmnet": ["token", "treasury", "governanceProposer", "storageProofVerifier"],
  "chainlink-vrf": ["token", "treasury", "governanceProposer", "storageProofVerifier", "vrfCoordinator"],
};
/** Parameters only the Chainlink VRF path reads: left `SET_ME` in a drand deployment. */
const CHAINLINK_ONLY = new Set(["vrfCoordinator", "vrfSubscriptionId", "vrfKeyHash"]);

export type CheckParameterFileParameters = {
  /** Path of an Ignition parameter file of the `Veritrain` module (ignition/parameters/<network>.json). */
  file: string;
  /** The randomness source the deployment wires (`VERITRAIN_RANDOMNESS`). */
  randomness: RandomnessSource;
};

/**
 * Throws, with one line naming the file, the field and what to do, unless every parameter the public
 * module will read is filled in: no `SET_ME` placeholder left and every address field a checksummable
 * address. Ignition itself checks only that a parameter is present, so an unfilled file would otherwise
 * fail in the middle of a deployment, after its first contracts are on chain.
 *
 * @example
 * checkParameterFile({ file: "ignition/parameters/cardona.json", randomness: "drand-evmnet" })
 */
export function checkParameterFile({ file, randomness }: CheckParameterFileParameters): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new Error(`${file} cannot be read as JSON (${(cause as Error).message.split("\n")[0]}): give the network's parameter file, e.g. ignition/parameters/cardona.json`);
  }
  const parameters = (parsed as { Veritrain?: unknown })?.Veritrain;
  if (typeof parameters !== "object" || parameters === null) {
    throw new Error(`${file} has no "Veritrain" object: the public module reads its parameters from there`);
  }
  for (const [field, value] of Object.entries(parameters)) {
    if (randomness === "drand-evmnet" && CHAINLINK_ONLY.has(field)) continue;
    if (typeof value === "string" && value.startsWith("SET_ME")) {
      throw new Error(`${file}: "${field}" is not filled in (${value}): set it before deploying; nothing was compiled or sent`);
    }
  }
  for (const field of ADDRESS_FIELDS[randomness]) {
    const value = (parameters as Record<string, unknown>)[field];
    if (typeof value !== "string" || !isAddress(value)) {
      throw new Error(`${file}: "${field}" must be an address (0x and 40 hex digits), got ${JSON.stringify(value)}: fix it before deploying; nothing was compiled or sent`);
    }
  }
}
