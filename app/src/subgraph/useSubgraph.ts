import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import { request } from "graphql-request";
import { useAppConfig } from "../config/appContext.ts";

/** How often a live view asks the subgraph again: the indexer lags the chain by ~0.1 s. */
export const LIVE_MS = 1000;

/**
 * A query to the subgraph (The Graph's GraphQL), cached by react-query under its text and
 * variables, asked again every second while `live`.
 *
 * @example
 * const { data } = useSubgraph<{ jobs: Job[] }>(`{ jobs(first: 20) { id status } }`, {}, { live: true });
 */
export function useSubgraph<T>(query: string, variables: Record<string, unknown> = {}, { live = false, enabled = true }: { live?: boolean; enabled?: boolean } = {}): UseQueryResult<T> {
  const { subgraphUrl } = useAppConfig();
  return useQuery({
    queryKey: ["subgraph", query, variables],
    queryFn: () => request<T>(subgraphUrl, query, variables),
    refetchInterval: live ? LIVE_MS : false,
    enabled,
  });
}
