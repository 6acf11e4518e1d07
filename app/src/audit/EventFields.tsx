import { useMemo } from "react";
import { isAddress } from "viem";
import { Link } from "wouter";
import { isTokenField } from "../../../keepers/src/audit/auditTrail.ts";
import { useAppConfig } from "../config/appContext.ts";
import { AccountLink, Time, Tokens } from "../ui/format.tsx";

const TIME_FIELDS = new Set(["biddingDeadline", "executionDeadline", "challengeDeadline", "verdictDeadline", "readyAt", "releasableAt", "endsAt", "deadline"]);

function FieldValue({ name, value, contracts }: { name: string; value: unknown; contracts: Map<string, string> }) {
  if (value === null || value === undefined) return <>–</>;
  if (Array.isArray(value)) return <>{value.map((item, i) => <span key={i}>{i > 0 && ", "}<FieldValue name={name} value={item} contracts={contracts} /></span>)}</>;
  const contract = typeof value === "string" ? contracts.get(value.toLowerCase()) : undefined;
  if (contract !== undefined) return <span title={String(value)}>{contract}</span>;
  if (typeof value === "string" && isTokenField(name) && /^\d+$/.test(value)) return <Tokens value={value} />;
  if (typeof value === "string" && TIME_FIELDS.has(name) && /^\d+$/.test(value)) return <Time seconds={value} />;
  if (typeof value === "string" && isAddress(value, { strict: false })) return <AccountLink address={value} />;
  if (name === "job" && typeof value === "string") return <Link href={`/jobs/${value}`}>job {value}</Link>;
  if (name === "dataset" && typeof value === "string") return <Link href={`/datasets/${value}`}>dataset {value}</Link>;
  if (name === "metric" && typeof value === "number") return <>{(value / 100).toFixed(2)} %</>;
  if (typeof value === "string" && value.startsWith("0x") && value.length > 20) return <code title={value}>{`${value.slice(0, 10)}…${value.slice(-6)}`}</code>;
  return <>{String(value)}</>;
}

/**
 * An audit entry's fields, each as a reader wants it: token amounts in VTT, deadlines as dates,
 * the protocol's contracts by name, accounts, jobs and datasets as links, long hashes shortened
 * (in full on hover).
 */
export function EventFields({ fields }: { fields: Record<string, unknown> }) {
  const { addresses } = useAppConfig();
  const contracts = useMemo(() => new Map(Object.entries(addresses).map(([contract, address]) => [address.toLowerCase(), contract])), [addresses]);
  const entries = Object.entries(fields);
  if (entries.length === 0) return null;
  return (
    <dl className="event-fields">
      {entries.map(([name, value]) => (
        <div key={name}><dt>{name}</dt><dd><FieldValue name={name} value={value} contracts={contracts} /></dd></div>
      ))}
    </dl>
  );
}
