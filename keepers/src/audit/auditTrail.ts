import { ClientError, GraphQLClient } from "graphql-request";
import { formatEther, isAddress } from "viem";
import { VeritrainError } from "../errors.ts";

/** What an audit is about. */
export type AuditSubject = { kind: "dataset" | "job"; id: string } | { kind: "provider"; id: string };

/** One history entry: an event log as the subgraph recorded it. */
export type AuditEntry = {
  blockNumber: number;
  blockTimestamp: number;
  transactionHash: string;
  /** The history entity type, e.g. `Bid`, `Placement`, `Slash`. */
  event: string;
  /** The entry's other fields (references as their id). */
  fields: Record<string, unknown>;
};

/** A subject's current state and full history, oldest first. */
export type AuditTrail = { subject: AuditSubject; state: Record<string, unknown>; history: AuditEntry[] };

/** Parameters of {@link fetchAuditTrail}. */
export type FetchAuditTrailParameters = {
  /** A subgraph GraphQL endpoint: the local runner's or a deployed subgraph's. */
  url: string;
  subject: AuditSubject;
  /** Bound on the request. @default 30000 */
  timeoutMs?: number;
};

const STAMP = "blockNumber blockTimestamp transactionHash";

/** History collections to read: entity type → its collection, selection and the filter naming the subject. */
type Source = { event: string; collection: string; fields: string; where: string };

function sources(subject: AuditSubject): Source[] {
  const s = (event: string, collection: string, fields: string, where: string): Source => ({ event, collection, fields, where });
  const id = JSON.stringify(subject.id);
  switch (subject.kind) {
    case "dataset":
      return [
        s("DatasetRegistration", "datasetRegistrations", "owner payment", `{ dataset: ${id} }`),
        s("PlacementRequest", "placementRequests", "column { index } requestId", `{ dataset: ${id} }`),
        s("Placement", "placements", "column { index } provider seed", `{ dataset: ${id} }`),
        s("DatasetActivation", "datasetActivations", "endsAt", `{ dataset: ${id} }`),
        s("ColumnAcceptance", "columnAcceptances", "column { index } provider", `{ dataset: ${id} }`),
        s("ColumnFault", "columnFaults", "column { index } provider slashed", `{ dataset: ${id} }`),
        s("DatasetBinding", "datasetBindings", "version { id }", `{ dataset: ${id} }`),
        s("RoundRequest", "roundRequests", "round { number } requestId", `{ dataset: ${id} }`),
        s("RoundOpening", "roundOpenings", "round { number } seed deadline audited", `{ dataset: ${id} }`),
        s("Proof", "proofs", "round { number } column { index } provider outcome", `{ dataset: ${id} }`),
        s("RoundClosure", "roundClosures", "round { number } proved", `{ dataset: ${id} }`),
        s("DatasetSettlement", "datasetSettlements", "perColumn refund", `{ dataset: ${id} }`),
      ];
    case "job":
      return [
        s("JobPost", "jobPosts", "consumer reward biddingDeadline", `{ job: ${id} }`),
        s("Bid", "bids", "provider price", `{ job: ${id} }`),
        s("AuctionSettlement", "auctionSettlements", "provider price executionDeadline", `{ job: ${id} }`),
        s("JobCancellation", "jobCancellations", "refund", `{ job: ${id} }`),
        s("Result", "results", "provider resultDigest traceRoot metric challengeDeadline", `{ job: ${id} }`),
        s("ExecutionExpiry", "executionExpiries", "provider slashed biddingDeadline", `{ job: ${id} }`),
        s("Challenge", "challenges", "dispute { id } challenger checkpointIndex claimedHash bond verdictDeadline", `{ job: ${id} }`),
        s("JobDispute", "jobDisputes", "windowRemaining", `{ job: ${id} }`),
        s("CommitteeRequest", "committeeRequests", "dispute { id } requestId", `{ dispute_: { job: ${id} } }`),
        s("CommitteeRequestFailure", "committeeRequestFailures", "dispute { id }", `{ dispute_: { job: ${id} } }`),
        s("UnfinishedCommitteeDraw", "unfinishedCommitteeDraws", "dispute { id } seed", `{ dispute_: { job: ${id} } }`),
        s("CommitteeDrawContinuation", "committeeDrawContinuations", "dispute { id } nextStep picked", `{ dispute_: { job: ${id} } }`),
        s("CommitteeDraw", "committeeDraws", "dispute { id } seed members", `{ dispute_: { job: ${id} } }`),
        s("Verdict", "verdicts", "dispute { id } providerWrong bondRecipient signerBitmap", `{ dispute_: { job: ${id} } }`),
        s("DisputeExpiry", "disputeExpiries", "dispute { id }", `{ dispute_: { job: ${id} } }`),
        s("NoCommitteeExpiry", "noCommitteeExpiries", "dispute { id }", `{ dispute_: { job: ${id} } }`),
        s("JobResumption", "jobResumptions", "challengeDeadline", `{ job: ${id} }`),
        s("JobFailure", "jobFailures", "slashed refund", `{ job: ${id} }`),
        s("JobFinalization", "jobFinalizations", "provider payment refund", `{ job: ${id} }`),
      ];
    case "provider":
      return [
        s("StakeDeposit", "stakeDeposits", "amount", `{ account: ${id} }`),
        s("StakeLock", "stakeLocks", "module amount", `{ account: ${id} }`),
        s("StakeUnlock", "stakeUnlocks", "module amount", `{ account: ${id} }`),
        s("Slash", "slashes", "module beneficiary amount toBeneficiary toTreasury", `{ account: ${id} }`),
        s("UnbondingStart", "unbondingStarts", "amount readyAt", `{ account: ${id} }`),
        s("Withdrawal", "withdrawals", "amount", `{ account: ${id} }`),
        s("ProviderJoin", "providerJoins", "stake endpoint", `{ provider: ${id} }`),
        s("ProviderExit", "providerExits", "", `{ provider: ${id} }`),
        s("ProviderRelease", "providerReleases", "stake", `{ provider: ${id} }`),
        s("Placement", "placements", "dataset { id } column { index } seed", `{ provider: ${id} }`),
        s("ColumnAcceptance", "columnAcceptances", "dataset { id } column { index }", `{ provider: ${id} }`),
        s("ColumnFault", "columnFaults", "dataset { id } column { index } slashed", `{ provider: ${id} }`),
        s("Proof", "proofs", "dataset { id } round { number } column { index } outcome", `{ provider: ${id} }`),
        s("Bid", "bids", "job { id } price", `{ provider: ${id} }`),
        s("AuctionSettlement", "auctionSettlements", "job { id } price executionDeadline", `{ provider: ${id} }`),
        s("Result", "results", "job { id } resultDigest traceRoot metric", `{ provider: ${id} }`),
        s("ExecutionExpiry", "executionExpiries", "job { id } slashed", `{ provider: ${id} }`),
        s("JobFinalization", "jobFinalizations", "job { id } payment", `{ provider: ${id} }`),
        s("Challenge", "challenges", "job { id } dispute { id } checkpointIndex bond", `{ challenger: ${id} }`),
        s("ValidatorJoin", "validatorJoins", "stake", `{ validator: ${id} }`),
        s("ValidatorExit", "validatorExits", "releasableAt", `{ validator: ${id} }`),
        s("ValidatorRelease", "validatorReleases", "stake", `{ validator: ${id} }`),
      ];
  }
}

/** The subject's current-state selection. */
function stateQuery(subject: AuditSubject): string {
  const id = JSON.stringify(subject.id);
  switch (subject.kind) {
    case "dataset":
      return `dataset(id: ${id}) { id owner status k n shardSize stripeCount byteLength payment term endsAt perColumn refund manifestDigest datasetRoot
        verifierVersion { id } columns(orderBy: index) { index holder accepted faulty root } jobs(orderBy: postedAtBlock) { id status }
        rounds(orderBy: number) { number status audited proved } }`;
    case "job":
      return `job(id: ${id}) { id status consumer dataset { id } specDigest reward minStake deadline provider price resultDigest traceRoot metric payment refund slashed
        disputes { id status challenger checkpointIndex providerWrong committee } }`;
    case "provider":
      return `account(id: ${id}) { available locked unbonding unbondingReadyAt slashed }
        storageProvider(id: ${id}) { endpoint stake active released }
        validator(id: ${id}) { stake active joinedAt leftAt releasableAt released }
        columns(where: { holder: ${id} }, orderBy: id, first: 1000) { id accepted faulty dataset { id status } }
        jobs(where: { provider: ${id} }, orderBy: postedAtBlock, first: 1000) { id status price payment }`;
  }
}

/**
 * The one GraphQL query of `subject`'s audit trail: its current state, then every history
 * collection that names it (`h0`, `h1`, … in {@link sources} order).
 *
 * @example
 * const query = auditQuery({ kind: "job", id: "1" });
 */
export function auditQuery(subject: AuditSubject): string {
  return `{
    ${stateQuery(subject)}
    ${sources(subject).map((source, i) => `h${i}: ${source.collection}(first: 1000, orderBy: blockNumber, where: ${source.where}) { ${STAMP} ${source.fields} }`).join("\n    ")}
  }`;
}

/**
 * `subject` checked and in the subgraph's form (a lowercase address, a decimal id without leading
 * zeros); throws `AUDIT_INVALID_ARGUMENT` otherwise.
 *
 * @example
 * auditSubject({ kind: "provider", id: "0xAbC…" }); // { kind: "provider", id: "0xabc…" }
 */
export function auditSubject(subject: AuditSubject): AuditSubject {
  if (subject.kind === "provider") {
    if (!isAddress(subject.id, { strict: false })) throw new VeritrainError(`${subject.id} is not an address`, { code: "AUDIT_INVALID_ARGUMENT", details: { id: subject.id } });
    return { kind: "provider", id: subject.id.toLowerCase() };
  }
  if (!/^\d+$/.test(subject.id)) throw new VeritrainError(`${subject.kind} id must be a decimal number, got ${subject.id}`, { code: "AUDIT_INVALID_ARGUMENT", details: { id: subject.id } });
  return { kind: subject.kind, id: BigInt(subject.id).toString() };
}

/** A nested reference `{ id }` / `{ index }` / `{ number }` as its single value. */
function flatten(value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const values = Object.values(value);
    return values.length === 1 ? values[0] : value;
  }
  return value;
}

/**
 * Reads a dataset's, a job's or an account's (provider, validator, staker) current state and full
 * event history from a subgraph with one GraphQL query.
 *
 * @example
 * const trail = await fetchAuditTrail({ url: "http://127.0.0.1:8000/subgraphs/name/veritrain", subject: { kind: "job", id: "1" } });
 */
export async function fetchAuditTrail({ url, subject: raw, timeoutMs = 30_000 }: FetchAuditTrailParameters): Promise<AuditTrail> {
  const subject = auditSubject(raw);
  const document = auditQuery(subject);
  const client = new GraphQLClient(url, { signal: AbortSignal.timeout(timeoutMs) });
  let data: Record<string, unknown>;
  try {
    data = await client.request<Record<string, unknown>>(document);
  } catch (cause) {
    const message = cause instanceof ClientError ? (cause.response.errors?.map((error) => error.message).join("; ") ?? cause.message) : (cause as Error).message;
    throw new VeritrainError(`subgraph query failed at ${url}: ${message}`, { code: "AUDIT_QUERY_FAILED", cause });
  }
  return auditTrailFrom(subject, data);
}

/**
 * The audit trail in the answer `data` to {@link auditQuery}(`subject`): the current state, and
 * every history entry, oldest first, references flattened to their id. Throws `AUDIT_NOT_FOUND`
 * when the subgraph has no such dataset or job.
 *
 * @example
 * const trail = auditTrailFrom(subject, await request(url, auditQuery(subject)));
 */
export function auditTrailFrom(subject: AuditSubject, data: Record<string, unknown>): AuditTrail {
  const state: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (!/^h\d+$/.test(key)) state[key] = value;
  if (subject.kind !== "provider" && state[subject.kind] === null) {
    throw new VeritrainError(`no ${subject.kind} ${subject.id} in the subgraph`, { code: "AUDIT_NOT_FOUND", details: { ...subject } });
  }
  const history = sources(subject)
    .flatMap((source, i) =>
      (data[`h${i}`] as Record<string, unknown>[]).map(({ blockNumber, blockTimestamp, transactionHash, ...fields }) => ({
        blockNumber: Number(blockNumber),
        blockTimestamp: Number(blockTimestamp),
        transactionHash: String(transactionHash),
        event: source.event,
        fields: Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, flatten(value)])),
      })),
    )
    .sort((a, b) => a.blockNumber - b.blockNumber);
  return { subject, state, history };
}

const MONEY = new Set(["payment", "reward", "price", "refund", "slashed", "bond", "amount", "stake", "toBeneficiary", "toTreasury", "perColumn", "available", "locked", "unbonding", "minStake"]);

/**
 * Whether a state or history field named `key` is a token amount (wei of the protocol's token).
 *
 * @example
 * isTokenField("price"); // true
 */
export function isTokenField(key: string): boolean {
  return MONEY.has(key);
}

function show(key: string, value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (isTokenField(key) && typeof value === "string" && /^\d+$/.test(value)) return `${formatEther(BigInt(value))} VTT`;
  if (Array.isArray(value)) return value.length > 4 && typeof value[0] === "string" ? `[${value.length} entries]` : `[${value.map((v) => show(key, flatten(v))).join(", ")}]`;
  if (typeof value === "object") return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${show(k, v)}`).join(", ")} }`;
  return String(value);
}

/**
 * The audit trail as readable text: the current state, then one line per event, oldest first,
 * with its block, time and transaction (token amounts in VTT, the symbol of the protocol's test token).
 */
export function formatAuditTrail({ subject, state, history }: AuditTrail): string {
  const lines = [`${subject.kind} ${subject.id}`, ""];
  for (const [name, value] of Object.entries(state)) {
    if (value === null) {
      lines.push(`${name}: none`);
    } else if (Array.isArray(value)) {
      lines.push(`${name} (${value.length}):`, ...value.map((item) => `  ${show(name, item)}`));
    } else {
      lines.push(`${name}:`);
      for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
        if (Array.isArray(field) && field.length > 0 && typeof field[0] === "object") lines.push(`  ${key} (${field.length}):`, ...field.map((item) => `    ${show(key, item)}`));
        else lines.push(`  ${key}: ${show(key, field)}`);
      }
    }
  }
  lines.push("", `history (${history.length} events):`);
  for (const entry of history) {
    const time = new Date(entry.blockTimestamp * 1000).toISOString().replace(".000Z", "Z");
    const details = Object.entries(entry.fields).map(([key, value]) => `${key}=${show(key, value)}`).join(" ");
    lines.push(`  #${entry.blockNumber} ${time} ${entry.event.padEnd(19)} ${details}  tx ${entry.transactionHash.slice(0, 10)}…`);
  }
  return lines.join("\n");
}
