import { equalBytes } from "@noble/curves/utils.js";
import { VeritrainError } from "../../errors.ts";
import type { SecAggConfig } from "./secAggConfig.ts";

/**
 * A refusal of a message that breaks the protocol (docs/secure-aggregation.md, "Checks").
 *
 * @example
 * throw protocolViolation("envelope from 4 is not from a neighbour of 2", { from: 4, to: 2 });
 */
export function protocolViolation(rule: string, details: Record<string, unknown>): VeritrainError {
  return new VeritrainError(`secure aggregation refused a message: ${rule}`, { code: "SECAGG_MESSAGE_INVALID", details: { rule, ...details } });
}

/**
 * Refuses a message of another round or addressed to (or sent by) another party than expected.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`.
 * @example
 * assertRoundAndParty(config, message.roundSeed, message.to, state.id, "keyRoster");
 */
export function assertRoundAndParty(config: SecAggConfig, roundSeed: Uint8Array, party: number, expected: number, kind: string): void {
  if (!equalBytes(roundSeed, config.roundSeed)) throw protocolViolation(`${kind} message belongs to another round`, { kind });
  if (party !== expected) throw protocolViolation(`${kind} message names participant ${party}, expected ${expected}`, { kind, party, expected });
}

/**
 * Refuses a list of participant ids that repeats one or names one outside `allowed`.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`.
 * @example
 * assertIdsWithin([3, 5], new Set([1, 3, 5]), "survivors");
 */
export function assertIdsWithin(ids: readonly number[], allowed: ReadonlySet<number>, what: string): void {
  const seen = new Set<number>();
  for (const id of ids) {
    if (seen.has(id)) throw protocolViolation(`${what} lists participant ${id} twice`, { what, id });
    if (!allowed.has(id)) throw protocolViolation(`${what} lists participant ${id}, who may not appear there`, { what, id });
    seen.add(id);
  }
}

/**
 * Refuses to go on when fewer than t participants of a neighbourhood are left: their shares could
 * not rebuild a secret, or (for a participant's survivors) the sum would cover too few inputs.
 *
 * @throws VeritrainError `SECAGG_TOO_FEW_PARTICIPANTS` with the participant, the count and t.
 * @example
 * assertThreshold(config, 4, 2, "neighbours that sent masked inputs");
 */
export function assertThreshold(config: SecAggConfig, participant: number, count: number, what: string): void {
  if (count >= config.threshold) return;
  throw new VeritrainError(
    `participant ${participant} has ${count} ${what}, fewer than the threshold ${config.threshold}: the round cannot complete and must be restarted with the participants left`,
    { code: "SECAGG_TOO_FEW_PARTICIPANTS", details: { participant, count, threshold: config.threshold, what } },
  );
}
