import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { isAddressEqual, isHex, recoverTypedDataAddress, type Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { DisputeStatus } from "../jobs/jobOnChain.ts";
import { createRoleHealth, type RoleHealth } from "../runtime/roleHealth.ts";
import { HttpError, serveHttp } from "../runtime/serveHttp.ts";
import { verdictTypedData } from "./verdictTypedData.ts";

/** Parameters of {@link startVerdictRelay}. */
export type VerdictRelayParameters = {
  /** Sends `settle` (any funded account; it gains nothing but gas costs). */
  chain: ProtocolConnection;
  /** TCP port on 127.0.0.1 (0: any free port). */
  port: number;
  /** Answered at `GET /healthz` (the relay follows no events: it is `ok` once listening). @default a new "relay" health */
  health?: RoleHealth;
  log: Logger;
};

/** A running relay. */
export type VerdictRelay = { url: string; close(): Promise<void> };

/** A signed verdict as members post it: `POST /verdicts` with this JSON body. */
export type VerdictSubmission = { disputeId: string; providerWrong: boolean; signature: Hex };

/** The relay's answer: how many members signed this verdict, and whether the dispute is settled. */
export type VerdictReceipt = { disputeId: string; providerWrong: boolean; signatures: number; threshold: number; settled: boolean };

const MAX_BODY_BYTES = 4096;

/**
 * The signature relay of validator committees: an HTTP server on 127.0.0.1 taking members'
 * EIP-712 verdict signatures (`POST /verdicts`, {@link VerdictSubmission}). Each signature is
 * recovered and must come from a member of the dispute's drawn committee; once `threshold`
 * members signed the same verdict it calls `Disputes.settle` with the signer bitmap and the
 * signatures in position order. Idempotent: a repeated signature counts once, and a dispute no
 * longer open is reported settled without a transaction. Requests for one dispute are handled
 * one at a time. `GET /healthz` answers the relay's health report.
 *
 * @example
 * const relay = await startVerdictRelay({ chain, port: 8547, log });
 * // validators: POST `${relay.url}/verdicts`
 * await relay.close();
 */
export async function startVerdictRelay({ chain, port, health = createRoleHealth("relay"), log }: VerdictRelayParameters): Promise<VerdictRelay> {
  const { Disputes, ValidatorCommittee } = chain.contracts;
  const chainId = await chain.publicClient.getChainId();
  const { threshold } = await ValidatorCommittee.read.config();
  /** disputeId → verdict → committee position → signature. */
  const signed = new Map<bigint, Map<boolean, Map<number, Hex>>>();
  const queues = new Map<bigint, Promise<unknown>>();

  const accept = async ({ disputeId, providerWrong, signature }: { disputeId: bigint; providerWrong: boolean; signature: Hex }): Promise<VerdictReceipt> => {
    const receipt = (signatures: number, settled: boolean): VerdictReceipt => ({ disputeId: disputeId.toString(), providerWrong, signatures, threshold, settled });
    const dispute = await Disputes.read.getDispute([disputeId]);
    if (dispute.status === DisputeStatus.None) throw new HttpError(404, `dispute ${disputeId} does not exist`, "DISPUTE_UNKNOWN");
    if (dispute.status !== DisputeStatus.Open) return receipt(0, true);
    const signer = await recoverTypedDataAddress({ ...verdictTypedData({ chainId, disputes: Disputes.address, disputeId, providerWrong }), signature }).catch(() => {
      throw new HttpError(400, "signature is not a valid 65-byte ECDSA signature", "SIGNATURE_INVALID");
    });
    const committee = await ValidatorCommittee.read.committeeOf([disputeId]);
    if (committee.length === 0) throw new HttpError(409, `dispute ${disputeId}'s committee is not drawn yet`, "COMMITTEE_NOT_DRAWN");
    const position = committee.findIndex((member) => isAddressEqual(member, signer));
    if (position < 0) throw new HttpError(403, `${signer} signed, but is not on dispute ${disputeId}'s committee`, "NOT_COMMITTEE_MEMBER");
    const byVerdict = signed.get(disputeId) ?? new Map<boolean, Map<number, Hex>>();
    signed.set(disputeId, byVerdict);
    const signatures = byVerdict.get(providerWrong) ?? new Map<number, Hex>();
    byVerdict.set(providerWrong, signatures);
    signatures.set(position, signature);
    log.info({ disputeId: disputeId.toString(), providerWrong, signer, position, signatures: signatures.size, threshold }, "verdict signature accepted");
    if (signatures.size < threshold) return receipt(signatures.size, false);
    const positions = [...signatures.keys()].sort((a, b) => a - b);
    const bitmap = positions.reduce((bits, p) => bits | (1n << BigInt(p)), 0n);
    try {
      await chain.send(() => Disputes.write.settle([disputeId, providerWrong, bitmap, positions.map((p) => signatures.get(p)!)]));
    } catch (error) {
      // Another relay may have settled it first; anything else is a real failure.
      if ((await Disputes.read.getDispute([disputeId])).status === DisputeStatus.Open) throw error;
    }
    signed.delete(disputeId);
    log.info({ disputeId: disputeId.toString(), providerWrong, signers: positions.length }, "dispute settled");
    return receipt(positions.length, true);
  };

  const postVerdict = async (request: IncomingMessage) => {
    const submission = parseSubmission(await readBody(request));
    const previous = queues.get(submission.disputeId) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => accept(submission));
    queues.set(submission.disputeId, current);
    return { status: 200, body: await current };
  };

  const server = await serveHttp({ port, health, log, routes: { "POST /verdicts": postVerdict } });
  health.update({ phase: "following" });
  log.info({ url: server.url }, "verdict relay listening");
  return { url: server.url, close: () => server.close() };
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of request) {
    body += chunk;
    if (body.length > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`, "BODY_TOO_LARGE");
  }
  return body;
}

function parseSubmission(body: string): { disputeId: bigint; providerWrong: boolean; signature: Hex } {
  let value: Partial<VerdictSubmission>;
  try {
    value = JSON.parse(body);
  } catch {
    throw new HttpError(400, "body is not JSON", "VERDICT_INVALID");
  }
  if (typeof value?.disputeId !== "string" || !/^[1-9][0-9]{0,76}$/.test(value.disputeId)) {
    throw new HttpError(400, "disputeId must be a positive decimal string", "VERDICT_INVALID");
  }
  if (typeof value.providerWrong !== "boolean") throw new HttpError(400, "providerWrong must be a boolean", "VERDICT_INVALID");
  if (typeof value.signature !== "string" || !isHex(value.signature) || value.signature.length !== 132) {
    throw new HttpError(400, "signature must be 0x-prefixed 65-byte hex", "VERDICT_INVALID");
  }
  return { disputeId: BigInt(value.disputeId), providerWrong: value.providerWrong, signature: value.signature };
}
