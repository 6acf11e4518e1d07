import type { ReactNode } from "react";

/**
 * A query's loading and error states, or its content: every data view says which it is.
 *
 * @example
 * <QueryState query={jobs}>{(data) => <JobTable jobs={data.jobs} />}</QueryState>
 */
export function QueryState<T>({ query, children }: { query: { data?: T; error: Error | null; isPending: boolean }; children: (data: T) => ReactNode }) {
  if (query.error) return <p role="alert" className="error">Could not load: {query.error.message.split("\n")[0]}</p>;
  if (query.isPending || query.data === undefined) return <p className="loading" aria-busy="true">Loading…</p>;
  return <>{children(query.data)}</>;
}
