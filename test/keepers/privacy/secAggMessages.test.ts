import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { x25519 } from "@noble/curves/ed25519.js";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { collectMaskedInputs, collectPublicKeys, routeShares, unmaskSum } from "../../../keepers/src/privacy/secAgg/aggregator.ts";
import { proveKeyPossession } from "../../../keepers/src/privacy/secAgg/keyPossession.ts";
import { decodeSecAggMessage, encodeSecAggMessage } from "../../../keepers/src/privacy/secAgg/messageCodec.ts";
import type { SecAggMessage } from "../../../keepers/src/privacy/secAgg/messages.ts";
import { advertiseKeys, maskInput, revealShares, shareKeys } from "../../../keepers/src/privacy/secAgg/participant.ts";
import { secAggConfig } from "../../../keepers/src/privacy/secAgg/secAggConfig.ts";
import { ENVELOPE_BYTES, SHARE_BYTES } from "../../../keepers/src/privacy/secAgg/shareEnvelope.ts";
import { plainSum } from "./secAggHarness.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const filled = (length: number, byte: number) => new Uint8Array(length).fill(byte);
const refused = (call: () => unknown, code: string, rule?: RegExp) =>
  assert.throws(call, (e: unknown) => e instanceof VeritrainError && e.code === code && (rule === undefined || rule.test(e.message)));
const refusedAsync = (call: () => Promise<unknown>, code: string) => assert.rejects(call, (e: unknown) => e instanceof VeritrainError && e.code === code);

/** n = 4 with the complete graph (k = 4, t = 3), 8-word inputs 0…7, 100…107, … */
const config = secAggConfig({ roundSeed: filled(32, 0xab), participants: 4, neighbourhood: 4, vectorLength: 8 });
const inputs = Array.from({ length: 4 }, (_, u) => Uint32Array.from({ length: 8 }, (_, i) => 100 * u + i));

async function throughShares() {
  const advertised = [0, 1, 2, 3].map((id) => advertiseKeys({ config, id }));
  const keys = collectPublicKeys(config, advertised.map(({ message }) => message));
  const sharing = await Promise.all(keys.rosters.map((roster) => shareKeys(advertised[roster.to]!.state, roster)));
  return { advertised, keys, sharing };
}

async function throughInputs() {
  const { advertised, keys, sharing } = await throughShares();
  const routed = routeShares(keys.state, sharing.map(({ message }) => message));
  const masked = routed.forwarded.map((forwarded) => maskInput(sharing[forwarded.to]!.state, forwarded, inputs[forwarded.to]!));
  return { advertised, keys, sharing, routed, masked };
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
    { kind: "encryptedShares", roundSeed, from: 2, selfMaskCommitment: filled(32, 7), envelopes: [{ to: 3, envelope: filled(ENVELOPE_BYTES, 8) }] },
    { kind: "forwardedShares", roundSeed, to: 3, envelopes: [{ from: 2, envelope: filled(ENVELOPE_BYTES, 9) }, { from: 0, envelope: filled(ENVELOPE_BYTES, 10) }] },
    { kind: "maskedInput", roundSeed, from: 1, words: Uint32Array.of(0, 1, 0xffffffff) },
    { kind: "unmaskRequest", roundSeed, to: 0, survivors: [0, 2], dropped: [1] },
    { kind: "unmaskShares", roundSeed, from: 0, selfMaskShares: [{ of: 0, share: filled(SHARE_BYTES, 11) }], maskKeyShares: [{ of: 1, share: filled(SHARE_BYTES, 12) }] },
  ];
  /** 38-byte header + body, counted by hand from the layout in docs/secure-aggregation.md. */
  const sizes = [38 + 256, 38 + 4 + 2 * 260, 38 + 32 + 4 + 110, 38 + 4 + 2 * 110, 38 + 4 + 12, 38 + 8 + 12, 38 + 8 + 2 * 37];

  it("writes the header and a publicKeys body byte for byte", () => {
    assert.equal(
      hex(encodeSecAggMessage(messages[0]!)),
      "02" + "01" + "5a".repeat(32) + "02010000" + "01".repeat(32) + "02".repeat(32) + "0d".repeat(96) + "0e".repeat(96),
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
    refused(() => decodeSecAggMessage(Uint8Array.of(...bytes, 0)), "SECAGG_MESSAGE_INVALID", /trailing/);
    refused(() => decodeSecAggMessage(Uint8Array.of(1, ...bytes.subarray(1))), "SECAGG_MESSAGE_INVALID", /version 1 is not 2/);
    refused(() => decodeSecAggMessage(Uint8Array.of(2, 8, ...bytes.subarray(2))), "SECAGG_MESSAGE_INVALID", /kind/);
    const huge = Uint8Array.from(bytes);
    new DataView(huge.buffer).setUint32(38, 0xffffffff, true);
    refused(() => decodeSecAggMessage(huge), "SECAGG_MESSAGE_INVALID", /count/);
    refused(() => encodeSecAggMessage({ ...messages[0]!, maskPublicKey: filled(31, 1) } as SecAggMessage), "SECAGG_MESSAGE_INVALID");
  });
});

describe("tampering and misbehaviour", () => {
  it("the AEAD exposes a participant that seals a share for someone else and addresses it to v", async () => {
    const { keys, sharing } = await throughShares();
    const cheat = sharing[0]!.message;
    const forOne = cheat.envelopes.find((e) => e.to === 1)!.envelope;
    const forTwo = cheat.envelopes.find((e) => e.to === 2)!.envelope;
    const swapped = { ...cheat, envelopes: cheat.envelopes.map((e) => ({ to: e.to, envelope: e.to === 1 ? forTwo : e.to === 2 ? forOne : e.envelope })) };
    const routed = routeShares(keys.state, [swapped, ...sharing.slice(1).map(({ message }) => message)]);
    const forwarded = routed.forwarded.find((message) => message.to === 1)!;
    assert.throws(() => maskInput(sharing[1]!.state, forwarded, inputs[1]!), (e: unknown) => e instanceof VeritrainError && e.code === "SECAGG_SHARE_REJECTED" && e.details.from === 0);
  });

  it("a participant refuses an envelope altered in transit or re-labelled with another sender", async () => {
    const { keys, sharing } = await throughShares();
    const routed = routeShares(keys.state, sharing.map(({ message }) => message));
    const forwarded = routed.forwarded.find((message) => message.to === 2)!;
    const altered = structuredClone(forwarded);
    altered.envelopes[0]!.envelope[50]! ^= 0x80;
    refused(() => maskInput(sharing[2]!.state, altered, inputs[2]!), "SECAGG_SHARE_REJECTED");
    const relabelled = structuredClone(forwarded);
    [relabelled.envelopes[0]!.from, relabelled.envelopes[1]!.from] = [relabelled.envelopes[1]!.from, relabelled.envelopes[0]!.from];
    refused(() => maskInput(sharing[2]!.state, relabelled, inputs[2]!), "SECAGG_SHARE_REJECTED");
  });

  it("the server detects an altered Shamir share: the rebuilt seed misses its commitment", async () => {
    const { routed, masked } = await throughInputs();
    const collected = collectMaskedInputs(routed.state, masked.map(({ message }) => message));
    const replies = collected.requests.map((request) => revealShares(masked[request.to]!.state, request));
    assert.deepEqual((await unmaskSum(collected.state, replies)).sum, plainSum(inputs, [0, 1, 2, 3]));
    const altered = structuredClone(replies);
    altered[1]!.selfMaskShares[0]!.share[5]! ^= 1;
    await refusedAsync(() => unmaskSum(collected.state, altered), "SECAGG_RECONSTRUCTION_MISMATCH");
  });

  it("the server detects an altered share of a dropped participant's mask key: it misses pk^mask", async () => {
    const { routed, masked } = await throughInputs();
    const collected = collectMaskedInputs(routed.state, masked.filter((_, u) => u !== 3).map(({ message }) => message));
    const replies = collected.requests.map((request) => revealShares(masked[request.to]!.state, request));
    assert.deepEqual((await unmaskSum(collected.state, replies)).sum, plainSum(inputs, [0, 1, 2]));
    const altered = structuredClone(replies);
    altered[0]!.maskKeyShares[0]!.share[0]! ^= 1;
    await refusedAsync(() => unmaskSum(collected.state, altered), "SECAGG_RECONSTRUCTION_MISMATCH");
  });

  it("a participant refuses an unmask request that would reveal both secrets of one neighbour, or drops itself", async () => {
    const { routed, masked } = await throughInputs();
    const collected = collectMaskedInputs(routed.state, masked.map(({ message }) => message));
    const request = collected.requests[0]!;
    refused(() => revealShares(masked[0]!.state, { ...request, dropped: [1] }), "SECAGG_MESSAGE_INVALID", /dropped/);
    refused(() => revealShares(masked[0]!.state, { ...request, survivors: [1, 2, 3], dropped: [0] }), "SECAGG_MESSAGE_INVALID");
    refused(() => revealShares(masked[0]!.state, { ...request, survivors: [0, 1] }), "SECAGG_TOO_FEW_PARTICIPANTS");
  });

  it("the server refuses messages of another round, a repeated sender, a wrong-length vector, an input from outside U2", async () => {
    const { routed, masked, sharing, keys } = await throughInputs();
    const messages = masked.map(({ message }) => message);
    refused(() => collectMaskedInputs(routed.state, [{ ...messages[0]!, roundSeed: filled(32, 1) }]), "SECAGG_MESSAGE_INVALID", /another round/);
    refused(() => collectMaskedInputs(routed.state, [messages[0]!, messages[0]!]), "SECAGG_MESSAGE_INVALID", /twice/);
    refused(() => collectMaskedInputs(routed.state, [{ ...messages[0]!, words: new Uint32Array(7) }]), "SECAGG_MESSAGE_INVALID", /words/);
    const withoutThree = routeShares(keys.state, sharing.slice(0, 3).map(({ message }) => message));
    refused(() => collectMaskedInputs(withoutThree.state, messages), "SECAGG_MESSAGE_INVALID", /participant 3/);
  });

  it("a participant refuses a roster that alters its own keys, repeats a key or is too short", async () => {
    const advertised = [0, 1, 2, 3].map((id) => advertiseKeys({ config, id }));
    const { rosters } = collectPublicKeys(config, advertised.map(({ message }) => message));
    const roster = rosters[0]!;
    const substituted = { ...roster, keys: roster.keys.map((key) => (key.id === 0 ? { ...key, encryptionPublicKey: advertised[1]!.state.keys.encryptionPublicKey } : key)) };
    await refusedAsync(() => shareKeys(advertised[0]!.state, substituted), "SECAGG_MESSAGE_INVALID");
    const repeated = { ...roster, keys: roster.keys.map((key) => (key.id === 2 ? { ...key, maskPublicKey: roster.keys[1]!.maskPublicKey } : key)) };
    await refusedAsync(() => shareKeys(advertised[0]!.state, repeated), "SECAGG_MESSAGE_INVALID");
    await refusedAsync(() => shareKeys(advertised[0]!.state, { ...roster, keys: roster.keys.slice(0, 2) }), "SECAGG_TOO_FEW_PARTICIPANTS");
  });

  it("the server refuses a key advertised without a valid possession proof; a participant, a roster entry whose proof is not its own", async () => {
    const advertised = [0, 1, 2, 3].map((id) => advertiseKeys({ config, id }));
    const messages = advertised.map(({ message }) => message);
    // Participant 3 copies participant 1's mask key and its proof: the proof names participant 1.
    const copied = messages.map((message) => (message.from === 3 ? { ...message, maskPublicKey: messages[1]!.maskPublicKey, maskKeyProof: messages[1]!.maskKeyProof } : message));
    assert.throws(() => collectPublicKeys(config, copied), (e: unknown) => e instanceof VeritrainError && e.code === "SECAGG_KEY_INVALID" && e.details.id === 3 && e.details.purpose === "pairwiseMask");
    const { rosters } = collectPublicKeys(config, messages);
    const roster = rosters[0]!;
    // A server that hands participant 0, as participant 2's, a key of its own with a proof it made for participant 1.
    const secretKey = filled(32, 0x77);
    const publicKey = x25519.getPublicKey(secretKey);
    const proofForOne = proveKeyPossession({ config, id: 1, purpose: "shareEncryption" }, secretKey, publicKey);
    const swapped = { ...roster, keys: roster.keys.map((key) => (key.id === 2 ? { ...key, encryptionPublicKey: publicKey, encryptionKeyProof: proofForOne } : key)) };
    await assert.rejects(shareKeys(advertised[0]!.state, swapped), (e: unknown) => e instanceof VeritrainError && e.code === "SECAGG_KEY_INVALID" && e.details.id === 2);
  });

  it("stages run in order only", async () => {
    const { advertised, sharing, keys } = await throughShares();
    const routed = routeShares(keys.state, sharing.map(({ message }) => message));
    refused(() => maskInput(advertised[0]!.state as never, routed.forwarded[0]!, inputs[0]!), "SECAGG_STAGE_INVALID");
    refused(() => routeShares(routed.state as never, []), "SECAGG_STAGE_INVALID");
  });
});
