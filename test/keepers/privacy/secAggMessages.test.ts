import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { checkComplaints, collectComplaints, collectMaskedInputs, collectPublicKeys, recomputeSum, routeShares, unmaskSum, withoutWithdrawn } from "../../../keepers/src/privacy/secAgg/aggregator.ts";
import { agreedKey } from "../../../keepers/src/privacy/secAgg/keyAgreement.ts";
import { possessionPoint, proveKeyPossession, proveSharedPoint } from "../../../keepers/src/privacy/secAgg/keyPossession.ts";
import { decodeSecAggMessage, encodeSecAggMessage } from "../../../keepers/src/privacy/secAgg/messageCodec.ts";
import type { EncryptedSharesMessage, SecAggMessage } from "../../../keepers/src/privacy/secAgg/messages.ts";
import { advertiseKeys, checkEnvelopes, maskInput, recoveryShares, revealShares, shareKeys, type SharingParticipant } from "../../../keepers/src/privacy/secAgg/participant.ts";
import { decodeParticipantState, encodeParticipantState } from "../../../keepers/src/privacy/secAgg/participantState.ts";
import { ledgerDigest, publicKeysMessage, type LedgerMessage } from "../../../keepers/src/privacy/secAgg/roundLedger.ts";
import { secAggConfig } from "../../../keepers/src/privacy/secAgg/secAggConfig.ts";
import { ENVELOPE_BYTES, sealShares } from "../../../keepers/src/privacy/secAgg/shareEnvelope.ts";
import { dealShares, SHARE_BYTES } from "../../../keepers/src/privacy/secAgg/verifiableShares.ts";
import { emptyLedger, plainSum } from "./secAggHarness.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const filled = (length: number, byte: number) => new Uint8Array(length).fill(byte);
const refused = (call: () => unknown, code: string, rule?: RegExp) =>
  assert.throws(call, (e: unknown) => e instanceof VeritrainError && e.code === code && (rule === undefined || rule.test(e.message)));
const refusedAsync = (call: () => Promise<unknown>, code: string, rule?: RegExp) =>
  assert.rejects(call, (e: unknown) => e instanceof VeritrainError && e.code === code && (rule === undefined || rule.test(e.message)));

/** n = 4 with the complete graph (k = 4, t = 3), 8-word inputs 0…7, 100…107, … */
const config = secAggConfig({ roundSeed: filled(32, 0xab), participants: 4, neighbourhood: 4, vectorLength: 8 });
const inputs = Array.from({ length: 4 }, (_, u) => Uint32Array.from({ length: 8 }, (_, i) => 100 * u + i));

/** Each message with its digest posted on the ledger by its sender. */
function post<M extends LedgerMessage>(entries: Map<number, Uint8Array>, messages: M[]): M[] {
  for (const message of messages) entries.set(message.from, ledgerDigest(message));
  return messages;
}

function throughKeys() {
  const ledger = emptyLedger();
  const advertised = [0, 1, 2, 3].map((id) => advertiseKeys({ config, id }));
  const keys = collectPublicKeys(config, post(ledger.keys, advertised.map(({ message }) => message)), ledger);
  return { ledger, advertised, keys };
}

async function throughShares() {
  const { ledger, advertised, keys } = throughKeys();
  const sharing = await Promise.all(keys.rosters.map((roster) => shareKeys(advertised[roster.to]!.state, roster, ledger)));
  post(ledger.shares, sharing.map(({ message }) => message));
  return { ledger, advertised, keys, sharing };
}

/**
 * Stage 2 done: every participant's complaints on the ledger, `dealt` replacing participant 0's encryptedShares (a
 * dealer that cheats). Returns the ledger as posted and as every party reads it once the complaints are checked.
 */
async function throughComplaints(dealt?: (honest: EncryptedSharesMessage, dealer: SharingParticipant) => EncryptedSharesMessage) {
  const { ledger, advertised, keys, sharing } = await throughShares();
  const messages = sharing.map(({ message, state }) => (message.from === 0 && dealt !== undefined ? dealt(message, state) : message));
  post(ledger.shares, messages);
  const states = sharing.map(({ state }, u) => ({ ...state, sharesDigest: ledgerDigest(messages[u]!) }));
  const routed = routeShares(keys.state, messages, ledger);
  const checked = states.map((state, u) => checkEnvelopes(state, routed.forwarded.find((message) => message.to === u)!, ledger));
  const complaints = post(ledger.complaints, checked.map(({ message }) => message));
  return { ledger, advertised, keys, sharing, messages, routed, checked, complaints, cleared: collectComplaints(routed.state, complaints, ledger) };
}

/** Stage 3 done: every participant's masked input on the ledger but `silent`'s. */
async function throughInputs(silent: number[] = []) {
  const { ledger, advertised, keys, sharing, routed, checked, complaints, cleared } = await throughComplaints();
  const masked = checked.map(({ state }, u) => maskInput(state, inputs[u]!, cleared));
  const posted = post(ledger.inputs, masked.map(({ message }) => message).filter((message) => !silent.includes(message.from)));
  return { ledger: cleared, posted: ledger, advertised, keys, sharing, routed, checked, complaints, masked, collected: collectMaskedInputs(routed.state, posted, cleared) };
}

describe("message encoding", () => {
  const roundSeed = filled(32, 0x5a);
  const messages: SecAggMessage[] = [
    { kind: "publicKeys", roundSeed, from: 258, maskPublicKey: filled(32, 1), encryptionPublicKey: filled(32, 2), maskKeyProof: filled(96, 13), encryptionKeyProof: filled(96, 14) },
    {
      kind: "keyRoster", roundSeed, to: 1, keys: [
        { id: 0, maskPublicKey: filled(32, 3), encryptionPublicKey: filled(32, 4), maskKeyProof: filled(96, 15), encryptionKeyProof: filled(96, 16) },
        { id: 1, maskPublicKey: filled(32, 5), encryptionPublicKey: filled(32, 6), maskKeyProof: filled(96, 17), encryptionKeyProof: filled(96, 18) },
      ],
    },
    { kind: "encryptedShares", roundSeed, from: 2, commitments: { selfMask: [filled(32, 7), filled(32, 19)], maskKey: [filled(32, 20)] }, envelopes: [{ to: 3, envelope: filled(ENVELOPE_BYTES, 8) }] },
    {
      kind: "forwardedShares", roundSeed, to: 3, shares: [
        { kind: "encryptedShares", roundSeed, from: 2, commitments: { selfMask: [filled(32, 21)], maskKey: [] }, envelopes: [{ to: 3, envelope: filled(ENVELOPE_BYTES, 9) }] },
        { kind: "encryptedShares", roundSeed, from: 0, commitments: { selfMask: [filled(32, 22)], maskKey: [] }, envelopes: [{ to: 1, envelope: filled(ENVELOPE_BYTES, 25) }, { to: 3, envelope: filled(ENVELOPE_BYTES, 10) }] },
      ],
    },
    { kind: "maskedInput", roundSeed, from: 1, words: Uint32Array.of(0, 1, 0xffffffff) },
    { kind: "unmaskShares", roundSeed, from: 0, selfMaskShares: [{ of: 0, share: filled(SHARE_BYTES, 11) }], maskKeyShares: [{ of: 1, share: filled(SHARE_BYTES, 12) }] },
    { kind: "complaints", roundSeed, from: 3, complaints: [{ of: 2, point: filled(32, 23), proof: filled(96, 24) }] },
  ];
  /** 38-byte header + body, counted by hand from the layout in docs/secure-aggregation.md. */
  const sizes = [38 + 256, 38 + 4 + 2 * 260, 38 + 8 + 3 * 32 + 4 + 108, 38 + 4 + (4 + 8 + 32 + 4 + 108) + (4 + 8 + 32 + 4 + 2 * 108), 38 + 4 + 12, 38 + 8 + 2 * 36, 38 + 4 + (4 + 32 + 96)];

  it("writes the header and a publicKeys body byte for byte", () => {
    assert.equal(
      hex(encodeSecAggMessage(messages[0]!)),
      "05" + "01" + "5a".repeat(32) + "02010000" + "01".repeat(32) + "02".repeat(32) + "0d".repeat(96) + "0e".repeat(96),
    );
    assert.equal(hex(encodeSecAggMessage(messages[4]!)).slice(76), "03000000" + "00000000" + "01000000" + "ffffffff");
  });

  it("round-trips every kind, at the documented size", () => {
    messages.forEach((message, i) => {
      const bytes = encodeSecAggMessage(message);
      assert.equal(bytes.length, sizes[i], message.kind);
      assert.deepEqual(decodeSecAggMessage(bytes), message);
    });
  });

  it("refuses a truncated message, trailing bytes, another version, an unknown kind, an impossible count", () => {
    const bytes = encodeSecAggMessage(messages[3]!);
    const keys = encodeSecAggMessage(messages[0]!);
    refused(() => decodeSecAggMessage(keys.subarray(0, keys.length - 1)), "SECAGG_MESSAGE_INVALID", /truncated/);
    refused(() => decodeSecAggMessage(bytes.subarray(0, bytes.length - 1)), "SECAGG_MESSAGE_INVALID", /count 2 exceeds/);
    const unmask = encodeSecAggMessage(messages[5]!);
    refused(() => decodeSecAggMessage(unmask.subarray(0, unmask.length - 5)), "SECAGG_MESSAGE_INVALID", /count 1 exceeds/);
    refused(() => decodeSecAggMessage(Uint8Array.of(...bytes, 0)), "SECAGG_MESSAGE_INVALID", /trailing/);
    refused(() => decodeSecAggMessage(Uint8Array.of(4, ...bytes.subarray(1))), "SECAGG_MESSAGE_INVALID", /version 4 is not 5/);
    refused(() => decodeSecAggMessage(Uint8Array.of(5, 8, ...bytes.subarray(2))), "SECAGG_MESSAGE_INVALID", /kind 8/);
    const huge = Uint8Array.from(bytes);
    new DataView(huge.buffer).setUint32(38, 0xffffffff, true);
    refused(() => decodeSecAggMessage(huge), "SECAGG_MESSAGE_INVALID", /count/);
    refused(() => encodeSecAggMessage({ ...messages[0]!, maskPublicKey: filled(31, 1) } as SecAggMessage), "SECAGG_MESSAGE_INVALID");
  });
});

describe("a participant's saved state", () => {
  it("decodes to the state it encoded at every stage, and goes on from it as from the original", async () => {
    const { ledger, advertised, sharing, checked, masked } = await throughInputs();
    for (const state of [advertised[1]!.state, sharing[1]!.state, checked[1]!.state, masked[1]!.state]) {
      assert.deepEqual(decodeParticipantState(encodeParticipantState(state), config), state);
    }
    const restored = decodeParticipantState(encodeParticipantState(masked[1]!.state), config) as typeof masked[1]["state"];
    assert.deepEqual(revealShares(restored, ledger), revealShares(masked[1]!.state, ledger));
  });

  it("refuses another round's state, and text that is not one", async () => {
    const { advertised } = await throughInputs();
    const other = secAggConfig({ roundSeed: filled(32, 0xac), participants: 4, neighbourhood: 4, vectorLength: 8 });
    refused(() => decodeParticipantState(encodeParticipantState(advertised[0]!.state), other), "SECAGG_STATE_INVALID", /another round/);
    refused(() => decodeParticipantState("{}", config), "SECAGG_STATE_INVALID");
    refused(() => decodeParticipantState("not json", config), "SECAGG_STATE_INVALID");
  });
});

describe("tampering and misbehaviour", () => {
  it("the AEAD exposes a participant that seals v a share meant for someone else: v complains, anyone finds the complaint true, and no one masks towards the dealer", async () => {
    const { ledger, checked, complaints, cleared, routed } = await throughComplaints((honest) => {
      const forTwo = honest.envelopes.find((e) => e.to === 2)!.envelope;
      return { ...honest, envelopes: honest.envelopes.map((e) => ({ to: e.to, envelope: e.to === 1 ? forTwo : e.envelope })) };
    });
    assert.deepEqual(complaints.map((message) => message.complaints.map(({ of }) => of)), [[], [0], [], []]);
    assert.equal(checked[1]!.state.held.has(0), false, "no share of the cheat's secrets");
    for (const message of complaints) checkComplaints(routed.state, message.from, message);
    assert.deepEqual([...cleared.complaints.keys()], [1, 2, 3], "the accused's complaints post no longer stands");
    // The dealer is out of the round: its own participant cannot mask, the others mask only towards each other.
    refused(() => maskInput(checked[0]!.state, inputs[0]!, cleared), "SECAGG_MESSAGE_INVALID", /own complaints digest/);
    const masked = [1, 2, 3].map((u) => maskInput(checked[u]!.state, inputs[u]!, cleared));
    post(ledger.inputs, masked.map(({ message }) => message));
    const collected = collectMaskedInputs(routed.state, masked.map(({ message }) => message), cleared);
    assert.deepEqual([collected.survivors, collected.dropped], [[1, 2, 3], []]);
    const replies = masked.map(({ state }) => revealShares(state, cleared));
    assert.deepEqual(replies.map((reply) => reply.selfMaskShares.map(({ of }) => of)), [[1, 2, 3], [1, 2, 3], [1, 2, 3]], "no share of the dealer's b");
    assert.deepEqual((await unmaskSum(collected, replies)).sum, plainSum(inputs, [1, 2, 3]));
  });

  it("a complaint is checked by anyone: a false one, a forged point, one about a non-neighbour are refused and strike the complainer alone", async () => {
    const { ledger, routed, checked, complaints } = await throughComplaints();
    const three = checked[3]!.state;
    // 3's envelope from 0 is sound: a complaint about it is false.
    const falsely = { ...complaints[3]!, complaints: [{ of: 0, ...proveSharedPoint({ config, prover: 3, other: 0, purpose: "shareEncryption" }, three.encryptionSecretKey, possessionPoint(three.roster.get(0)!.encryptionKeyProof)) }] };
    refused(() => checkComplaints(routed.state, 3, falsely), "SECAGG_MESSAGE_INVALID", /3's complaint about 0 is false/);
    const forged = structuredClone(falsely);
    forged.complaints[0]!.point = ed25519.Point.BASE.multiply(7n).toBytes();
    refused(() => checkComplaints(routed.state, 3, forged), "SECAGG_MESSAGE_INVALID", /no valid proof/);
    refused(() => checkComplaints(routed.state, 3, { ...falsely, complaints: [falsely.complaints[0]!, falsely.complaints[0]!] }), "SECAGG_MESSAGE_INVALID", /twice/);
    refused(() => checkComplaints(routed.state, 3, { ...falsely, complaints: [{ ...falsely.complaints[0]!, of: 3 }] }), "SECAGG_MESSAGE_INVALID", /complaints of 3/);
    // On the ledger: the false complainer is out of C, the dealer it accused stays.
    const posted = { ...ledger, complaints: new Map([...ledger.complaints, [3, ledgerDigest(falsely)]]) };
    const cleared = collectComplaints(routed.state, complaints.map((message) => (message.from === 3 ? falsely : message)), posted);
    assert.deepEqual([...cleared.complaints.keys()], [0, 1, 2]);
  });

  it("a relay cannot alter, re-label or withhold a forwarded message: the participant opens only envelopes its dealers posted, so it never complains falsely", async () => {
    const { ledger, keys, sharing } = await throughShares();
    const routed = routeShares(keys.state, sharing.map(({ message }) => message), ledger);
    const forwarded = routed.forwarded.find((message) => message.to === 2)!;
    assert.deepEqual(checkEnvelopes(sharing[2]!.state, forwarded, ledger).message.complaints, []);
    // Altered in transit, an envelope would not open: a complaint about it would be false and reveal the key of the
    // dealer's genuine envelope. The participant refuses the message instead (liveness, as for a relay that drops it).
    const altered = structuredClone(forwarded);
    altered.shares[0]!.envelopes.find(({ to }) => to === 2)!.envelope[50]! ^= 0x80;
    refused(() => checkEnvelopes(sharing[2]!.state, altered, ledger), "SECAGG_MESSAGE_INVALID", new RegExp(`message of ${altered.shares[0]!.from} that is not the encryptedShares message it posted`));
    const relabelled = structuredClone(forwarded);
    [relabelled.shares[0]!.from, relabelled.shares[1]!.from] = [relabelled.shares[1]!.from, relabelled.shares[0]!.from];
    refused(() => checkEnvelopes(sharing[2]!.state, relabelled, ledger), "SECAGG_MESSAGE_INVALID", /not the encryptedShares message it posted/);
    // Withholding one would hide the dealer's fault: the ledger says the sender shared.
    refused(() => checkEnvelopes(sharing[2]!.state, { ...forwarded, shares: forwarded.shares.slice(1) }, ledger), "SECAGG_MESSAGE_INVALID", /2 of the 3 messages/);
  });

  it("a share altered or malformed by its holder is refused by its owner's commitments; with that answer struck, the others' shares unmask the same sum", async () => {
    const { ledger, masked, collected } = await throughInputs();
    const replies = masked.map(({ state }) => revealShares(state, ledger));
    const honest = await unmaskSum(collected, replies);
    assert.deepEqual(honest.sum, plainSum(inputs, [0, 1, 2, 3]));
    const ofZero = replies[1]!.selfMaskShares.findIndex((entry) => entry.of === 0);
    const altered = structuredClone(replies);
    altered[1]!.selfMaskShares[ofZero]!.share[5]! ^= 1;
    await refusedAsync(() => unmaskSum(collected, altered), "SECAGG_MESSAGE_INVALID", /1's self-mask share of 0 is not the one 0's commitments fix/);
    const short = structuredClone(replies);
    short[2]!.selfMaskShares[0]!.share = short[2]!.selfMaskShares[0]!.share.slice(1);
    await refusedAsync(() => unmaskSum(collected, short), "SECAGG_MESSAGE_INVALID", /2's self-mask share/);
    // On the chain every party strikes such an answer (checkUnmaskShares): three answers are left, t = 3.
    const struck = await unmaskSum(collected, replies.filter((reply) => reply.from !== 1));
    assert.deepEqual([struck.sum, struck.reveal], [honest.sum, honest.reveal], "the same secrets from any t shares");
  });

  it("a dropped participant's mask key with only t shares, one altered: its answer is refused, and the t − 1 left cannot rebuild the key", async () => {
    const { ledger, masked, collected } = await throughInputs([3]);
    const replies = masked.slice(0, 3).map(({ state }) => revealShares(state, ledger));
    assert.deepEqual((await unmaskSum(collected, replies)).sum, plainSum(inputs, [0, 1, 2]));
    const altered = structuredClone(replies);
    altered[0]!.maskKeyShares[0]!.share[0]! ^= 1;
    await refusedAsync(() => unmaskSum(collected, altered), "SECAGG_MESSAGE_INVALID", /0's mask-key share of 3/);
    await refusedAsync(() => unmaskSum(collected, replies.slice(1)), "SECAGG_TOO_FEW_SHARES", /only 2 shares/);
  });

  it("a dealer whose envelopes are authentic but whose shares are of no one polynomial: the holder finds its share off the commitments, and its complaint proves it", async () => {
    const { routed, checked, complaints, cleared } = await throughComplaints((honest, cheat) => {
      // Participant 0 re-seals holder 2's envelope with shares of another polynomial (the same secrets): it opens.
      const redealt = [dealShares(1n, [2], 3, (n) => new Uint8Array(n).fill(7)), dealShares(2n, [2], 3, (n) => new Uint8Array(n).fill(9))];
      const key = agreedKey({ config, purpose: "shareEncryption", secretKey: cheat.encryptionSecretKey, publicKey: cheat.roster.get(2)!.encryptionPublicKey, between: [0, 2] });
      const envelope = sealShares({ config, key, from: 0, to: 2 }, { selfMaskShare: redealt[0]!.shares.get(2)!, maskKeyShare: redealt[1]!.shares.get(2)! });
      return { ...honest, envelopes: honest.envelopes.map((e) => (e.to === 2 ? { to: 2, envelope } : e)) };
    });
    assert.deepEqual(complaints.map((message) => message.complaints.map(({ of }) => of)), [[], [], [0], []]);
    assert.equal(checked[2]!.state.held.has(0), false, "holder 2 keeps no share of 0's secrets");
    checkComplaints(routed.state, 2, complaints[2]!);
    assert.deepEqual([...cleared.complaints.keys()], [1, 2, 3]);
  });

  it("the ledger fixes who survived: no participant's two secrets are ever revealed, and one whose input is not posted does not answer", async () => {
    const { ledger, masked } = await throughInputs([3]);
    const replies = masked.slice(0, 3).map(({ state }) => revealShares(state, ledger));
    const seeds = new Set(replies.flatMap((reply) => reply.selfMaskShares.map((share) => share.of)));
    const maskKeys = new Set(replies.flatMap((reply) => reply.maskKeyShares.map((share) => share.of)));
    assert.deepEqual([...seeds].sort(), [0, 1, 2]);
    assert.deepEqual([...maskKeys], [3]);
    refused(() => revealShares(masked[3]!.state, ledger), "SECAGG_MESSAGE_INVALID", /own maskedInput digest/);
    // A ledger on which only two of four inputs landed leaves each survivor fewer than t = 3 surviving neighbours.
    const thin = { ...ledger, inputs: new Map([...ledger.inputs].filter(([id]) => id < 2)) };
    refused(() => revealShares(masked[0]!.state, thin), "SECAGG_TOO_FEW_PARTICIPANTS");
  });

  it("a survivor whose input is withdrawn after the unmask stage counts as dropped: its neighbours' recovery shares of its mask key unmask the others' sum exactly", async () => {
    const { ledger, masked, routed } = await throughInputs();
    const replies = masked.map(({ state }) => revealShares(state, ledger));
    // Participant 3's input is withdrawn (on the chain: found withheld): the others recover its mask key.
    const withdrawn = new Set([3]);
    const recoveries = masked.slice(0, 3).map(({ state }) => recoveryShares(state, ledger, 3));
    assert.deepEqual(recoveries.map((r) => [r.selfMaskShares.length, r.maskKeyShares.map((s) => s.of)]), [[0, [3]], [0, [3]], [0, [3]]]);
    const counted = { ...ledger, inputs: new Map([...ledger.inputs].filter(([id]) => !withdrawn.has(id))) };
    const collected = collectMaskedInputs(routed.state, masked.slice(0, 3).map(({ message }) => message), counted);
    const answers = withoutWithdrawn(withdrawn, replies, recoveries);
    const { sum, survivors, dropped, reveal } = await unmaskSum(collected, answers);
    assert.deepEqual([sum, survivors, dropped], [plainSum(inputs, [0, 1, 2]), [0, 1, 2], [3]]);
    assert.deepEqual([...reveal.selfMaskSeeds.keys()], [0, 1, 2], "participant 3's b is not rebuilt");
    assert.ok(answers.every((answer) => answer.from !== 3 && answer.selfMaskShares.every((share) => share.of !== 3)), "the withdrawn's answer and b-shares set aside");
    // Without the recovery shares its pairwise masks cannot be removed.
    await refusedAsync(() => unmaskSum(collected, withoutWithdrawn(withdrawn, replies, [])), "SECAGG_TOO_FEW_SHARES", /mask key/);
    refused(() => recoveryShares(masked[0]!.state, ledger, 0), "SECAGG_MESSAGE_INVALID", /cannot recover participant 0/);
    const uncleared = { ...ledger, complaints: new Map([...ledger.complaints].filter(([id]) => id !== 3)) };
    refused(() => recoveryShares(masked[0]!.state, uncleared, 3), "SECAGG_MESSAGE_INVALID", /not a neighbour of the round whose share it holds/);
  });

  it("the server cannot leave out a masked input on the ledger, swap one, or sum one from outside C", async () => {
    const { ledger, routed, masked } = await throughInputs();
    const messages = masked.map(({ message }) => message);
    refused(() => collectMaskedInputs(routed.state, messages.slice(1), ledger), "SECAGG_MESSAGE_INVALID", /participant 0, posted on the ledger, is missing/);
    refused(() => collectMaskedInputs(routed.state, [{ ...messages[0]!, words: messages[1]!.words }, ...messages.slice(1)], ledger), "SECAGG_MESSAGE_INVALID", /not the one whose digest/);
    refused(() => collectMaskedInputs(routed.state, [messages[0]!, ...messages], ledger), "SECAGG_MESSAGE_INVALID", /twice/);
    // Participant 3 did not clear the complaints stage: its input does not count, and a message from it is refused.
    const withoutThree = { ...ledger, complaints: new Map([...ledger.complaints].filter(([id]) => id !== 3)) };
    refused(() => collectMaskedInputs(routed.state, messages, withoutThree), "SECAGG_MESSAGE_INVALID", /participant 3/);
  });

  it("a participant refuses a roster that is not the ledger's: a substituted key (even with a valid proof), one left out, too few", async () => {
    const { ledger, advertised, keys } = throughKeys();
    const roster = keys.rosters[0]!;
    // The attack possession proofs alone do not stop: the server's own key, proven under participant 2's id.
    const secretKey = filled(32, 0x77);
    const publicKey = x25519.getPublicKey(secretKey);
    const proofForTwo = proveKeyPossession({ config, id: 2, purpose: "shareEncryption" }, secretKey, publicKey);
    const substituted = { ...roster, keys: roster.keys.map((key) => (key.id === 2 ? { ...key, encryptionPublicKey: publicKey, encryptionKeyProof: proofForTwo } : key)) };
    await refusedAsync(() => shareKeys(advertised[0]!.state, substituted, ledger), "SECAGG_MESSAGE_INVALID", /entry for participant 2 is not the keys it posted/);
    await refusedAsync(() => shareKeys(advertised[0]!.state, { ...roster, keys: roster.keys.filter((key) => key.id !== 1) }, ledger), "SECAGG_MESSAGE_INVALID", /lists 3 of the 4/);
    const sparse = { ...ledger, keys: new Map([...ledger.keys].filter(([id]) => id < 2)) };
    await refusedAsync(() => shareKeys(advertised[0]!.state, { ...roster, keys: roster.keys.filter((key) => key.id < 2) }, sparse), "SECAGG_TOO_FEW_PARTICIPANTS");
    const withoutOwn = { ...ledger, keys: new Map([...ledger.keys].filter(([id]) => id !== 0)) };
    await refusedAsync(() => shareKeys(advertised[0]!.state, roster, withoutOwn), "SECAGG_MESSAGE_INVALID", /own publicKeys digest/);
  });

  it("a key posted without a valid possession proof is refused by the server and by every participant", async () => {
    const ledger = emptyLedger();
    const advertised = [0, 1, 2, 3].map((id) => advertiseKeys({ config, id }));
    const messages = advertised.map(({ message }) => message);
    // Participant 3 copies participant 1's mask key and its proof (which names participant 1), and posts that.
    const copied = messages.map((message) => (message.from === 3 ? { ...message, maskPublicKey: messages[1]!.maskPublicKey, maskKeyProof: messages[1]!.maskKeyProof } : message));
    post(ledger.keys, copied);
    assert.throws(() => collectPublicKeys(config, copied, ledger), (e: unknown) => e instanceof VeritrainError && e.code === "SECAGG_KEY_INVALID" && e.details.id === 3 && e.details.purpose === "pairwiseMask");
    const entry = (message: (typeof copied)[number]) => ({ id: message.from, maskPublicKey: message.maskPublicKey, encryptionPublicKey: message.encryptionPublicKey, maskKeyProof: message.maskKeyProof, encryptionKeyProof: message.encryptionKeyProof });
    const roster = { kind: "keyRoster" as const, roundSeed: config.roundSeed, to: 0, keys: copied.map(entry) };
    await assert.rejects(shareKeys(advertised[0]!.state, roster, ledger), (e: unknown) => e instanceof VeritrainError && e.code === "SECAGG_KEY_INVALID" && e.details.id === 3);
  });

  it("anyone recomputes the sum from the transcript, and catches a dishonest aggregator's reveal or claim", async () => {
    const { ledger, posted, keys, sharing, complaints, masked, collected } = await throughInputs([3]);
    const replies = masked.slice(0, 3).map(({ state }) => revealShares(state, ledger));
    const honest = await unmaskSum(collected, replies);
    const transcript = {
      config, ledger: posted, publicKeys: [...keys.state.keys.values()].map((key) => publicKeysMessage(config, key)),
      encryptedShares: sharing.map(({ message }) => message), complaints, maskedInputs: masked.slice(0, 3).map(({ message }) => message), reveal: honest.reveal,
    };
    assert.deepEqual(recomputeSum(transcript), honest);
    const forged = plainSum(inputs, [0, 1]);
    assert.notDeepEqual(recomputeSum(transcript).sum, forged, "a claimed sum that leaves out participant 2 does not match");
    const seeds = new Map(honest.reveal.selfMaskSeeds);
    seeds.set(1, filled(32, 9));
    refused(() => recomputeSum({ ...transcript, reveal: { ...honest.reveal, selfMaskSeeds: seeds } }), "SECAGG_RECONSTRUCTION_MISMATCH");
    const maskKeys = new Map([[3, filled(32, 9)]]);
    refused(() => recomputeSum({ ...transcript, reveal: { ...honest.reveal, maskKeyScalars: maskKeys } }), "SECAGG_RECONSTRUCTION_MISMATCH");
    refused(() => recomputeSum({ ...transcript, reveal: { ...honest.reveal, maskKeyScalars: new Map() } }), "SECAGG_REVEAL_INVALID", /\[3\]/);
    const both = new Map([...honest.reveal.selfMaskSeeds, [3, filled(32, 1)]]);
    refused(() => recomputeSum({ ...transcript, reveal: { ...honest.reveal, selfMaskSeeds: both } }), "SECAGG_REVEAL_INVALID");
    const shortKey = new Map([[3, filled(31, 1)]]);
    refused(() => recomputeSum({ ...transcript, reveal: { ...honest.reveal, maskKeyScalars: shortKey } }), "SECAGG_REVEAL_INVALID", /31 bytes/);
    const altered = transcript.maskedInputs.map((message, i) => (i === 0 ? { ...message, words: Uint32Array.from(message.words, (w) => w + 1) } : message));
    refused(() => recomputeSum({ ...transcript, maskedInputs: altered }), "SECAGG_MESSAGE_INVALID", /not the one whose digest/);
    refused(() => recomputeSum({ ...transcript, encryptedShares: transcript.encryptedShares.slice(1) }), "SECAGG_MESSAGE_INVALID", /missing/);
    refused(() => recomputeSum({ ...transcript, complaints: transcript.complaints.slice(1) }), "SECAGG_MESSAGE_INVALID", /complaints message of participant 0, posted on the ledger, is missing/);
  });

  it("stages run in order only", async () => {
    const { ledger, advertised, sharing, keys } = await throughShares();
    const routed = routeShares(keys.state, sharing.map(({ message }) => message), ledger);
    refused(() => checkEnvelopes(advertised[0]!.state as never, routed.forwarded[0]!, ledger), "SECAGG_STAGE_INVALID");
    refused(() => maskInput(sharing[0]!.state as never, inputs[0]!, ledger), "SECAGG_STAGE_INVALID");
    refused(() => routeShares(routed.state as never, [], ledger), "SECAGG_STAGE_INVALID");
  });
});
