import { AccountLink, Tokens } from "../ui/format.tsx";

/** The fields of a dispute that say where its bond went (the subgraph's Dispute). */
export type BondFields = { bond: string; bondRecipient: string | null; bondToTreasury: string | null };

/**
 * Where a dispute's bond went: held while the dispute is open; back to the challenger (it was right, or nothing was
 * judged); or lost, split as a slash is: the accused's share to it, the rest to the treasury (Disputes' BondForfeited).
 *
 * @example
 * <BondFate dispute={{ bond: "100", bondRecipient: "0xab…", bondToTreasury: "50" }} />  // 50 VTT to 0xab…, 50 VTT to the treasury (lost)
 */
export function BondFate({ dispute: d }: { dispute: BondFields }) {
  if (d.bondRecipient === null) return <><Tokens value={d.bond} /> (held)</>;
  if (d.bondToTreasury === null) return <><Tokens value={d.bond} /> back to <AccountLink address={d.bondRecipient} /></>;
  return <><Tokens value={BigInt(d.bond) - BigInt(d.bondToTreasury)} /> to <AccountLink address={d.bondRecipient} />, <Tokens value={d.bondToTreasury} /> to the treasury (lost)</>;
}
