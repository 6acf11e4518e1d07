import { equalBytes } from "@noble/curves/utils.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { VeritrainError } from "../../errors.ts";
import type { PublicKeyEntry } from "./messages.ts";
import { neighbourGraph } from "./neighbourGraph.ts";
import type { AdvertisedParticipant, CheckedParticipant, MaskedParticipant, SharingParticipant } from "./participant.ts";
import type { SecAggConfig } from "./secAggConfig.ts";
import type { SharePair } from "./shareEnvelope.ts";

/** A participant's state at any stage of a round. Secret: it holds the participant's keys and shares. */
export type ParticipantState = AdvertisedParticipant | SharingParticipant | CheckedParticipant | MaskedParticipant;

type EntryJson = { id: number; maskPublicKey: string; encryptionPublicKey: string; maskKeyProof: string; encryptionKeyProof: string };
type PairJson = { selfMaskShare: string; maskKeyShare: string };
type StateJson = {
  version: 3;
  stage: ParticipantState["stage"];
  roundSeed: string;
  id: number;
  maskSecretKey: string;
  encryptionSecretKey: string;
  keys: EntryJson;
  roster?: EntryJson[];
  selfMaskSeed?: string;
  ownShares?: PairJson;
  sharesDigest?: string;
  held?: [number, PairJson][];
  complaintsDigest?: string;
  inputDigest?: string;
};

const entryJson = ({ id, maskPublicKey, encryptionPublicKey, maskKeyProof, encryptionKeyProof }: PublicKeyEntry): EntryJson => ({
  id, maskPublicKey: bytesToHex(maskPublicKey), encryptionPublicKey: bytesToHex(encryptionPublicKey), maskKeyProof: bytesToHex(maskKeyProof), encryptionKeyProof: bytesToHex(encryptionKeyProof),
});
const entryOf = (json: EntryJson): PublicKeyEntry => ({
  id: json.id, maskPublicKey: hexToBytes(json.maskPublicKey), encryptionPublicKey: hexToBytes(json.encryptionPublicKey), maskKeyProof: hexToBytes(json.maskKeyProof), encryptionKeyProof: hexToBytes(json.encryptionKeyProof),
});
const pairJson = ({ selfMaskShare, maskKeyShare }: SharePair): PairJson => ({ selfMaskShare: bytesToHex(selfMaskShare), maskKeyShare: bytesToHex(maskKeyShare) });
const pairOf = (json: PairJson): SharePair => ({ selfMaskShare: hexToBytes(json.selfMaskShare), maskKeyShare: hexToBytes(json.maskKeyShare) });

/**
 * A participant's state as JSON text (bytes as lowercase hex, maps as entry lists; the round named by its seed,
 * the config itself not kept): what a keeper writes to its own disk between stages so that, restarted, it can
 * go on with the same secrets instead of dropping out. The text is as secret as the state.
 *
 * @example
 * writeFileAtomic(file, encodeParticipantState(sharing.state));
 */
export function encodeParticipantState(state: ParticipantState): string {
  const json: StateJson = {
    version: 3,
    stage: state.stage,
    roundSeed: bytesToHex(state.config.roundSeed),
    id: state.id,
    maskSecretKey: bytesToHex(state.maskSecretKey),
    encryptionSecretKey: bytesToHex(state.encryptionSecretKey),
    keys: entryJson(state.keys),
  };
  if (state.stage !== "advertised") {
    Object.assign(json, { roster: [...state.roster.values()].map(entryJson), selfMaskSeed: bytesToHex(state.selfMaskSeed), ownShares: pairJson(state.ownShares), sharesDigest: bytesToHex(state.sharesDigest) });
  }
  if (state.stage === "checked" || state.stage === "masked") Object.assign(json, { held: [...state.held].map(([id, pair]) => [id, pairJson(pair)]), complaintsDigest: bytesToHex(state.complaintsDigest) });
  if (state.stage === "masked") json.inputDigest = bytesToHex(state.inputDigest);
  return JSON.stringify(json);
}

/**
 * The state {@link encodeParticipantState} wrote, for the round `config` describes.
 *
 * @throws VeritrainError `SECAGG_STATE_INVALID` for text that is not such a state, or one of another round.
 * @example
 * const state = decodeParticipantState(readFileSync(file, "utf8"), config);
 */
export function decodeParticipantState(text: string, config: SecAggConfig): ParticipantState {
  try {
    const json = JSON.parse(text) as StateJson;
    if (json.version !== 3) throw new Error(`version ${json.version}`);
    if (!equalBytes(hexToBytes(json.roundSeed), config.roundSeed)) throw new Error("it is another round's");
    const advertised: AdvertisedParticipant = {
      stage: "advertised",
      config,
      id: json.id,
      neighbours: neighbourGraph(config)[json.id]!,
      maskSecretKey: hexToBytes(json.maskSecretKey),
      encryptionSecretKey: hexToBytes(json.encryptionSecretKey),
      keys: entryOf(json.keys),
    };
    if (json.stage === "advertised") return advertised;
    const sharing: SharingParticipant = {
      ...advertised,
      stage: "shared",
      roster: new Map(json.roster!.map((entry) => [entry.id, entryOf(entry)])),
      selfMaskSeed: hexToBytes(json.selfMaskSeed!),
      ownShares: pairOf(json.ownShares!),
      sharesDigest: hexToBytes(json.sharesDigest!),
    };
    if (json.stage === "shared") return sharing;
    const checked: CheckedParticipant = { ...sharing, stage: "checked", held: new Map(json.held!.map(([id, pair]) => [id, pairOf(pair)])), complaintsDigest: hexToBytes(json.complaintsDigest!) };
    if (json.stage === "checked") return checked;
    if (json.stage !== "masked") throw new Error(`stage ${String(json.stage)}`);
    return { ...checked, stage: "masked", inputDigest: hexToBytes(json.inputDigest!) };
  } catch (cause) {
    throw new VeritrainError(`a secure-aggregation participant's saved state is unreadable or not this round's (${(cause as Error).message}): the participant is out of the round`, {
      code: "SECAGG_STATE_INVALID",
      details: { reason: (cause as Error).message },
      cause,
    });
  }
}
