import type { SharedPointReveal } from "./keyPossession.ts";

/**
 * The messages of one secure-aggregation round (docs/secure-aggregation.md, "Messages"), as plain
 * objects. Every message names its round (`roundSeed`) and one participant: the sender of what a
 * participant sends (`from`), the recipient of what the server sends (`to`). `messageCodec.ts`
 * gives their bytes.
 */

/** One participant's two X25519 public keys, each with the proof that it holds the secret key (`keyPossession.ts`). */
export type PublicKeyEntry = {
  id: number;
  /** pk^mask: agrees the pairwise mask seeds s_uv. */
  maskPublicKey: Uint8Array;
  /** pk^enc: agrees the keys of the share envelopes. */
  encryptionPublicKey: Uint8Array;
  /** 96 bytes: the participant holds sk^mask, for this round and id. */
  maskKeyProof: Uint8Array;
  /** 96 bytes: the participant holds sk^enc, for this round and id. */
  encryptionKeyProof: Uint8Array;
};

/** Stage 0, participant → server: its public keys and their proofs. */
export type PublicKeysMessage = { kind: "publicKeys"; roundSeed: Uint8Array; from: number } & Omit<PublicKeyEntry, "id">;

/** Stage 0, server → participant: the public keys of its neighbours that advertised (itself included). */
export type KeyRosterMessage = { kind: "keyRoster"; roundSeed: Uint8Array; to: number; keys: PublicKeyEntry[] };

/**
 * The Feldman commitments of a participant's two sharings (`verifiableShares.ts`), 32-byte points: every coefficient
 * of b's polynomial (C_0 = b·B first, t in all), and of sk^mask's all but the constant term (t − 1: its C_0 is the A
 * of the key's possession proof).
 */
export type ShareCommitments = { selfMask: Uint8Array[]; maskKey: Uint8Array[] };

/** Stage 1, participant → server: the commitments of its sharings and one sealed share pair per other neighbour in its roster. */
export type EncryptedSharesMessage = {
  kind: "encryptedShares";
  roundSeed: Uint8Array;
  from: number;
  commitments: ShareCommitments;
  envelopes: { to: number; envelope: Uint8Array }[];
};

/**
 * Stage 1, server → participant: the encryptedShares messages of its neighbours in U2 that hold an envelope for it,
 * each whole as its sender posted it, so that the participant checks each against the sender's ledger digest before it
 * opens its envelope (and never complains about an envelope its dealer did not post: docs/secure-aggregation.md §9).
 */
export type ForwardedSharesMessage = { kind: "forwardedShares"; roundSeed: Uint8Array; to: number; shares: EncryptedSharesMessage[] };

/** The point the sender's key agrees on with neighbour `of`'s, and the sender's proof that it is (`proveSharedPoint`). */
export type PointReveal = { of: number } & SharedPointReveal;

/**
 * Stage 2, participant → ledger, once the shares stage closed: one complaint per neighbour whose envelope to it does
 * not open or whose shares do not check, the point of their encryption keys with its proof, so that anyone opens the
 * envelope and sees it fail (docs/secure-aggregation.md §7, "Complaints"). Empty when every envelope checked.
 */
export type ComplaintsMessage = { kind: "complaints"; roundSeed: Uint8Array; from: number; complaints: PointReveal[] };

/** Stage 3, participant → server: its masked input, L words mod 2^32. */
export type MaskedInputMessage = { kind: "maskedInput"; roundSeed: Uint8Array; from: number; words: Uint32Array };

/**
 * Stage 4, participant → server: its shares of each survivor's b and of each dropped neighbour's mask key (the sets the
 * ledger fixes). A recovery answer (`recoveryShares`) has the same form: its share of a withdrawn neighbour's mask key.
 */
export type UnmaskSharesMessage = {
  kind: "unmaskShares";
  roundSeed: Uint8Array;
  from: number;
  selfMaskShares: { of: number; share: Uint8Array }[];
  maskKeyShares: { of: number; share: Uint8Array }[];
};

/** Any message of the protocol. */
export type SecAggMessage =
  | PublicKeysMessage
  | KeyRosterMessage
  | EncryptedSharesMessage
  | ForwardedSharesMessage
  | ComplaintsMessage
  | MaskedInputMessage
  | UnmaskSharesMessage;
