import { useMemo } from "react";
import { auditQuery, auditSubject, auditTrailFrom, type AuditSubject, type AuditTrail } from "../../../keepers/src/audit/auditTrail.ts";
import { useSubgraph } from "../subgraph/useSubgraph.ts";

/**
 * A subject's audit trail, live: the same single query and reading as `veritrain audit`
 * (keepers/src/audit/auditTrail.ts), through the app's subgraph primitive. An invalid subject or
 * one the subgraph does not know is the result's error.
 *
 * @example
 * const trail = useAuditTrail({ kind: "job", id: "1" });
 * <QueryState query={trail}>{(t) => …}</QueryState>
 */
export function useAuditTrail(raw: AuditSubject): { data?: AuditTrail; error: Error | null; isPending: boolean } {
  const checked = useMemo(() => {
    try {
      return { subject: auditSubject(raw) };
    } catch (error) {
      return { error: error as Error };
    }
  }, [raw.kind, raw.id]);
  const query = useSubgraph<Record<string, unknown>>(checked.subject ? auditQuery(checked.subject) : "", {}, { live: true, enabled: checked.subject !== undefined });
  return useMemo(() => {
    if (checked.error) return { error: checked.error, isPending: false };
    if (query.error) return { error: query.error, isPending: false };
    if (query.data === undefined) return { error: null, isPending: true };
    try {
      return { data: auditTrailFrom(checked.subject!, query.data), error: null, isPending: false };
    } catch (error) {
      return { error: error as Error, isPending: false };
    }
  }, [checked, query.data, query.error]);
}
