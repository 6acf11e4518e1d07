import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { checkUnmaskShares, collectMaskedInputs, collectPublicKeys, recomputeSum, routeShares, unmaskSum, withoutWithdrawn } from "../../../keepers/src/privacy/secAgg/aggregator.ts";
import { agreedKey } from "../../../keepers/src/privacy/secAgg/keyAgreement.ts";
import { possessionPoint, proveKeyPossession, proveSharedPoint } from "../../../keepers/src/privacy/secAgg/keyPossession.ts";
import { decodeSecAggMessage, encodeSecAggMessage } from "../../../keepers/src/privacy/secAgg/messageCodec.ts";
import type { SecAggMessage } from "../../../keepers/src/privacy/secAgg/messages.ts";
import { advertiseKeys, maskInput, recoveryShares, revealShares, shareKeys } from "../../../keepers/src/privacy/secAgg/participant.ts";
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

/** Stage 2 done: every participant's masked input on the ledger but `silent`'s. */
async function throughInputs(silent: number[] = []) {
  const { ledger, advertised, keys, sharing } = await throughShares();
  const routed = routeShares(keys.state, sharing.map(({ message }) => message), ledger);
  const masked = routed.forwarded.map((forwarded) => maskInput(sharing[forwarded.to]!.state, forwarded, inputs[forwarded.to]!, ledger));
  const posted = post(ledger.inputs, masked.map(({ message }) => message).filter((message) => !silent.includes(message.from)));
  return { ledger, advertised, keys, sharing, routed, masked, collected: collectMaskedInputs(routed.state, posted, ledger) };
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
      kind: "forwardedShares", roundSeed, to: 3, envelopes: [
        { from: 2, commitments: { selfMask: [filled(32, 21)], maskKey: [] }, envelope: filled(ENVELOPE_BYTES, 9) },
        { from: 0, commitments: { selfMask: [filled(32, 22)], maskKey: [] }, envelope: filled(ENVELOPE_BYTES, 10) },
      ],
    },
    { kind: "maskedInput", roundSeed, from: 1, words: Uint32Array.of(0, 1, 0xffffffff) },
    {
      kind: "unmaskShares", roundSeed, from: 0, selfMaskShares: [{ of: 0, share: filled(SHARE_BYTES, 11) }], maskKeyShares: [{ of: 1, share: filled(SHARE_BYTES, 12) }],
      complaints: [{ of: 2, point: filled(32, 23), proof: filled(96, 24) }], maskSeeds: [],
    },
  ];
  /** 38-byte header + body, counted by hand from the layout in docs/secure-aggregation.md. */
  const sizes = [38 + 256, 38 + 4 + 2 * 260, 38 + 8 + 3 * 32 + 4 + 108, 38 + 4 + 2 * (4 + 8 + 32 + 104), 38 + 4 + 12, 38 + 16 + 2 * 36 + (4 + 32 + 96)];

  it("writes the header and a publicKeys body byte for byte", () => {
    assert.equal(
      hex(encodeSecAggMessage(messages[0]!)),
      "04" + "01" + "5a".repeat(32) + "02010000" + "01".repeat(32) + "02".repeat(32) + "0d".repeat(96) + "0e".repeat(96),
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
    refused(() => decodeSecAggMessage(bytes.subarray(0, bytes.length - 1)), "SECAGG_MESSAGE_INVALID", /truncated/);
    const unmask = encodeSecAggMessage(messages[5]!);
    refused(() => decodeSecAggMessage(unmask.subarray(0, unmask.length - 5)), "SECAGG_MESSAGE_INVALID", /count 1 exceeds/);
    refused(() => decodeSecAggMessage(Uint8Array.of(...bytes, 0)), "SECAGG_MESSAGE_INVALID", /trailing/);
    refused(() => decodeSecAggMessage(Uint8Array.of(2, ...bytes.subarray(1))), "SECAGG_MESSAGE_INVALID", /version 2 is not 4/);
    refused(() => decodeSecAggMessage(Uint8Array.of(4, 7, ...bytes.subarray(2))), "SECAGG_MESSAGE_INVALID", /kind 7/);
    const huge = Uint8Array.from(bytes);
    new DataView(huge.buffer).setUint32(38, 0xffffffff, true);
    refused(() => decodeSecAggMessage(huge), "SECAGG_MESSAGE_INVALID", /count/);
    refused(() => encodeSecAggMessage({ ...messages[0]!, maskPublicKey: filled(31, 1) } as SecAggMessage), "SECAGG_MESSAGE_INVALID");
  });
});

describe("a participant's saved state", () => {
  it("decodes to the state it encoded at every stage, and goes on from it as from the original", async () => {
    const { ledger, advertised, sharing, masked } = await throughInputs();
    for (const state of [advertised[1]!.state, sharing[1]!.state, masked[1]!.state]) {
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
  it("the AEAD exposes a participant that seals v a share meant for someone else: v holds none of its shares, masks as usual, and the round sums exactly", async () => {
    const { ledger, keys, sharing } = await throughShares();
    const cheat = sharing[0]!.message;
    const forTwo = cheat.envelopes.find((e) => e.to === 2)!.envelope;
    const copied = { ...cheat, envelopes: cheat.envelopes.map((e) => ({ to: e.to, envelope: e.to === 1 ? forTwo : e.envelope })) };
    post(ledger.shares, [copied]);
    const routed = routeShares(keys.state, [copied, ...sharing.slice(1).map(({ message }) => message)], ledger);
    const states = sharing.map(({ state }, u) => (u === 0 ? { ...state, sharesDigest: ledgerDigest(copied) } : state));
    const masked = states.map((state, u) => maskInput(state, routed.forwarded.find((message) => message.to === u)!, inputs[u]!, ledger));
    assert.deepEqual(masked.map(({ rejected }) => rejected), [[], [0], [], []]);
    assert.equal(masked[1]!.state.held.has(0), false, "no share of the cheat's secrets");
    post(ledger.inputs, masked.map(({ message }) => message));
    const collected = collectMaskedInputs(routed.state, masked.map(({ message }) => message), ledger);
    const replies = masked.map(({ state }) => revealShares(state, ledger));
    assert.deepEqual(replies[1]!.selfMaskShares.map(({ of }) => of), [1, 2, 3]);
    // b_0 from the 3 shares left (0's own, 2's, 3's): t = 3.
    assert.deepEqual((await unmaskSum(collected, replies)).sum, plainSum(inputs, [0, 1, 2, 3]));
  });

  it("an envelope altered in transit or re-labelled with another sender is rejected, not fatal; a withheld one is refused", async () => {
    const { ledger, keys, sharing } = await throughShares();
    const routed = routeShares(keys.state, sharing.map(({ message }) => message), ledger);
    const forwarded = routed.forwarded.find((message) => message.to === 2)!;
    const altered = structuredClone(forwarded);
    altered.envelopes[0]!.envelope[50]! ^= 0x80;
    assert.deepEqual(maskInput(sharing[2]!.state, altered, inputs[2]!, ledger).rejected, [altered.envelopes[0]!.from]);
    const relabelled = structuredClone(forwarded);
    [relabelled.envelopes[0]!.from, relabelled.envelopes[1]!.from] = [relabelled.envelopes[1]!.from, relabelled.envelopes[0]!.from];
    assert.deepEqual(maskInput(sharing[2]!.state, relabelled, inputs[2]!, ledger).rejected.sort(), [relabelled.envelopes[0]!.from, relabelled.envelopes[1]!.from].sort());
    // The masked input does not depend on which envelopes opened: the pairwise masks need only the public keys.
    assert.deepEqual(maskInput(sharing[2]!.state, altered, inputs[2]!, ledger).message, maskInput(sharing[2]!.state, forwarded, inputs[2]!, ledger).message);
    // Withholding one envelope would leave a pairwise mask that no one removes: the ledger says the sender shared.
    refused(() => maskInput(sharing[2]!.state, { ...forwarded, envelopes: forwarded.envelopes.slice(1) }, inputs[2]!, ledger), "SECAGG_MESSAGE_INVALID", /2 of the 3 envelopes/);
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

  it("a dealer whose envelopes are authentic but whose shares are of no one polynomial: each holder finds its share off the commitments and rejects it", async () => {
    const { ledger, keys, sharing } = await throughShares();
    const cheat = sharing[0]!.state;
    // Participant 0 re-seals holder 2's envelope with shares of another polynomial (the same secrets): it opens.
    const redealt = [dealShares(1n, [2], 3, (n) => new Uint8Array(n).fill(7)), dealShares(2n, [2], 3, (n) => new Uint8Array(n).fill(9))];
    const key = agreedKey({ config, purpose: "shareEncryption", secretKey: cheat.encryptionSecretKey, publicKey: cheat.roster.get(2)!.encryptionPublicKey, between: [0, 2] });
    const envelope = sealShares({ config, key, from: 0, to: 2 }, { selfMaskShare: redealt[0]!.shares.get(2)!, maskKeyShare: redealt[1]!.shares.get(2)! });
    const message = { ...sharing[0]!.message, envelopes: sharing[0]!.message.envelopes.map((e) => (e.to === 2 ? { to: 2, envelope } : e)) };
    post(ledger.shares, [message]);
    const routed = routeShares(keys.state, [message, ...sharing.slice(1).map(({ message }) => message)], ledger);
    const masked = [1, 2, 3].map((u) => maskInput(sharing[u]!.state, routed.forwarded.find((m) => m.to === u)!, inputs[u]!, ledger));
    assert.deepEqual(masked.map(({ rejected }) => rejected), [[], [0], []]);
    assert.equal(masked[1]!.state.held.has(0), false, "holder 2 keeps no share of 0's secrets");
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
    assert.deepEqual(recoveries.map((r) => [r.selfMaskShares.length, r.maskKeyShares.map((s) => s.of), r.maskSeeds.map((s) => s.of)]), [[0, [3], [3]], [0, [3], [3]], [0, [3], [3]]]);
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
    const unshared = { ...ledger, shares: new Map([...ledger.shares].filter(([id]) => id !== 3)) };
    refused(() => recoveryShares(masked[0]!.state, unshared, 3), "SECAGG_MESSAGE_INVALID", /not a neighbour that shared its keys/);
  });

  it("a dealer that garbles envelopes for more than m − t neighbours: each recipient's complaint is checked by anyone, and once the dealer is withdrawn its neighbours' seeds unmask the others' sum exactly", async () => {
    const { ledger, keys, sharing } = await throughShares();
    // n = 4, k = 4, t = 3: participant 0 garbles its envelopes to 1 and 2, leaving 2 valid shares of its secrets.
    const garbled = { ...sharing[0]!.message, envelopes: sharing[0]!.message.envelopes.map((e) => (e.to === 3 ? e : { to: e.to, envelope: filled(ENVELOPE_BYTES, e.to) })) };
    post(ledger.shares, [garbled]);
    const states = sharing.map(({ state }, u) => (u === 0 ? { ...state, sharesDigest: ledgerDigest(garbled) } : state));
    const routed = routeShares(keys.state, [garbled, ...sharing.slice(1).map(({ message }) => message)], ledger);
    const masked = states.map((state, u) => maskInput(state, routed.forwarded.find((message) => message.to === u)!, inputs[u]!, ledger));
    assert.deepEqual(masked.map(({ rejected }) => rejected), [[], [0], [0], []]);
    post(ledger.inputs, masked.map(({ message }) => message));
    const collected = collectMaskedInputs(routed.state, masked.map(({ message }) => message), ledger);
    const replies = masked.map(({ state }) => revealShares(state, ledger));
    assert.deepEqual(replies.map((reply) => reply.complaints.map(({ of }) => of)), [[], [0], [0], []]);
    for (const reply of replies) checkUnmaskShares(collected, reply.from, reply);
    await refusedAsync(() => unmaskSum(collected, replies), "SECAGG_TOO_FEW_SHARES", /only 2 shares of participant 0's self-mask seed/);

    // A false complaint (3's envelope from 0 is sound) and one whose point is not the agreed one strike the answer.
    const three = masked[3]!.state;
    const falsely = { ...replies[3]!, selfMaskShares: replies[3]!.selfMaskShares.filter(({ of }) => of !== 0), complaints: [{ of: 0, ...proveSharedPoint({ config, prover: 3, other: 0, purpose: "shareEncryption" }, three.encryptionSecretKey, possessionPoint(three.roster.get(0)!.encryptionKeyProof)) }] };
    refused(() => checkUnmaskShares(collected, 3, falsely), "SECAGG_MESSAGE_INVALID", /3's complaint about 0 is false/);
    const forged = structuredClone(replies[1]!);
    forged.complaints[0]!.point = ed25519.Point.BASE.multiply(7n).toBytes();
    refused(() => checkUnmaskShares(collected, 1, forged), "SECAGG_MESSAGE_INVALID", /no valid proof/);
    refused(() => checkUnmaskShares(collected, 3, { ...falsely, selfMaskShares: replies[3]!.selfMaskShares }), "SECAGG_MESSAGE_INVALID", /sends a share of it/);

    // 0 withdrawn (on the chain: a committee upholds a complaint): 1 and 2 hold no share of its mask key, 3 holds one;
    // every neighbour's seed towards 0 removes the masks instead.
    const withdrawn = new Set([0]);
    const recoveries = masked.slice(1).map(({ state }) => recoveryShares(state, ledger, 0));
    assert.deepEqual(recoveries.map((r) => [r.maskKeyShares.length, r.maskSeeds.map(({ of }) => of)]), [[0, [0]], [0, [0]], [1, [0]]]);
    const counted = { ...ledger, inputs: new Map([...ledger.inputs].filter(([id]) => !withdrawn.has(id))) };
    const without = collectMaskedInputs(routed.state, masked.slice(1).map(({ message }) => message), counted);
    const answers = withoutWithdrawn(withdrawn, replies, recoveries);
    const unmasked = await unmaskSum(without, answers);
    assert.deepEqual([unmasked.sum, unmasked.survivors, unmasked.dropped], [plainSum(inputs, [1, 2, 3]), [1, 2, 3], [0]]);
    assert.deepEqual([[...unmasked.reveal.maskKeyScalars.keys()], [...unmasked.reveal.pairSeeds.keys()]], [[], [0]], "0's key is not rebuilt: its neighbours' seeds are used");
    const transcript = {
      config, ledger: counted, publicKeys: [...keys.state.keys.values()].map((key) => publicKeysMessage(config, key)),
      encryptedShares: [garbled, ...sharing.slice(1).map(({ message }) => message)], maskedInputs: masked.slice(1).map(({ message }) => message), reveal: unmasked.reveal,
    };
    assert.deepEqual(recomputeSum(transcript).sum, unmasked.sum, "anyone recomputes it from the transcript and the seeds' proofs");
    // Without 3's seed, and with 3's one share only, 0's masks cannot be removed.
    await refusedAsync(() => unmaskSum(without, withoutWithdrawn(withdrawn, replies, recoveries.slice(0, 2))), "SECAGG_TOO_FEW_SHARES", /participant 0's mask key/);
    const badSeed = structuredClone(recoveries[2]!);
    badSeed.maskSeeds[0]!.proof[70]! ^= 1;
    refused(() => checkUnmaskShares(without, 3, badSeed), "SECAGG_MESSAGE_INVALID", /pairwiseMask point shared with 0 comes with no valid proof/);
    const pairSeeds = new Map([[0, new Map([...unmasked.reveal.pairSeeds.get(0)!].filter(([v]) => v !== 2))]]);
    refused(() => recomputeSum({ ...transcript, reveal: { ...unmasked.reveal, pairSeeds } }), "SECAGG_RECONSTRUCTION_MISMATCH", /pairwise seed with 2/);
  });

  it("the server cannot leave out a masked input on the ledger, swap one, or sum one from outside U2", async () => {
    const { ledger, routed, masked, sharing, keys } = await throughInputs();
    const messages = masked.map(({ message }) => message);
    refused(() => collectMaskedInputs(routed.state, messages.slice(1), ledger), "SECAGG_MESSAGE_INVALID", /participant 0, posted on the ledger, is missing/);
    refused(() => collectMaskedInputs(routed.state, [{ ...messages[0]!, words: messages[1]!.words }, ...messages.slice(1)], ledger), "SECAGG_MESSAGE_INVALID", /not the one whose digest/);
    refused(() => collectMaskedInputs(routed.state, [messages[0]!, ...messages], ledger), "SECAGG_MESSAGE_INVALID", /twice/);
    // Participant 3's shares never reached the ledger: its input does not count, and a message from it is refused.
    const { shares, ...rest } = ledger;
    const withoutThree = { ...rest, shares: new Map([...shares].filter(([id]) => id !== 3)) };
    const routedWithoutThree = routeShares(keys.state, sharing.slice(0, 3).map(({ message }) => message), withoutThree);
    refused(() => collectMaskedInputs(routedWithoutThree.state, messages, withoutThree), "SECAGG_MESSAGE_INVALID", /participant 3/);
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
    const { ledger, keys, sharing, masked, collected } = await throughInputs([3]);
    const replies = masked.slice(0, 3).map(({ state }) => revealShares(state, ledger));
    const honest = await unmaskSum(collected, replies);
    const transcript = {
      config, ledger, publicKeys: [...keys.state.keys.values()].map((key) => publicKeysMessage(config, key)),
      encryptedShares: sharing.map(({ message }) => message), maskedInputs: masked.slice(0, 3).map(({ message }) => message), reveal: honest.reveal,
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
  });

  it("stages run in order only", async () => {
    const { ledger, advertised, sharing, keys } = await throughShares();
    const routed = routeShares(keys.state, sharing.map(({ message }) => message), ledger);
    refused(() => maskInput(advertised[0]!.state as never, routed.forwarded[0]!, inputs[0]!, ledger), "SECAGG_STAGE_INVALID");
    refused(() => routeShares(routed.state as never, [], ledger), "SECAGG_STAGE_INVALID");
  });
});
