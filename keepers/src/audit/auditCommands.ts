import type { Command } from "commander";
import { declareKeyUse } from "../cli/commandContext.ts";
import { fetchAuditTrail, formatAuditTrail, type AuditSubject } from "./auditTrail.ts";

/** The local runner's endpoint (`veritrain indexer` with its default port). */
export const DEFAULT_SUBGRAPH_URL = "http://127.0.0.1:8000/subgraphs/name/veritrain";

/**
 * Registers `audit dataset|job|provider` on `program`: each prints a subject's current state and
 * full history from a subgraph (the local runner or any deployed subgraph URL), or JSON with the global --json.
 *
 * @example
 * registerAuditCommands(program);
 */
export function registerAuditCommands(program: Command): void {
  const audit = program
    .command("audit")
    .description("reconstruct a dataset's, a job's or a provider's history from the subgraph")
    .option("--url <url>", `subgraph GraphQL URL [env VERITRAIN_SUBGRAPH_URL; default ${DEFAULT_SUBGRAPH_URL}]`);
  const run = (kind: AuditSubject["kind"]) => async (id: string, _o: unknown, command: Command) => {
    const options = command.optsWithGlobals<{ url?: string; json?: boolean }>();
    const url = options.url ?? process.env.VERITRAIN_SUBGRAPH_URL ?? DEFAULT_SUBGRAPH_URL;
    const trail = await fetchAuditTrail({ url, subject: { kind, id } });
    console.log(options.json ? JSON.stringify(trail, null, 2) : formatAuditTrail(trail));
  };
  declareKeyUse(audit.command("dataset <datasetId>"), "reads").description("registration, placements, acceptances, faults, audit rounds and proofs, settlement").action(run("dataset"));
  declareKeyUse(audit.command("job <jobId>"), "reads").description("order, bids, assignment, result, challenges, committee, verdicts, payout").action(run("job"));
  declareKeyUse(audit.command("provider <address>"), "reads").description("stake movements, slashes, columns held, proofs, bids, results, payouts").action(run("provider"));
}
