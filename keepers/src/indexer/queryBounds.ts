/**
 * The bounds every GraphQL query of the indexer runs under, after graph-node's
 * `GRAPH_GRAPHQL_*` settings. Depth and complexity are checked before execution; `first` and
 * `skip` when a collection resolves; time and result entities while the query runs.
 */
export type QueryBounds = Readonly<{
  /** Most nested selection sets, the operation's own included (`GRAPH_GRAPHQL_MAX_DEPTH`). @default 255 */
  maxDepth: number;
  /**
   * Most entities a query can potentially return: graph-node's complexity, each list field
   * counting `first + first × (its selection's complexity)`, summed (`GRAPH_GRAPHQL_MAX_COMPLEXITY`).
   * @default 10,000,000
   */
  maxComplexity: number;
  /** Largest `first` of a collection (`GRAPH_GRAPHQL_MAX_FIRST`). @default 1000 */
  maxFirst: number;
  /** Largest `skip` of a collection (`GRAPH_GRAPHQL_MAX_SKIP`). @default 5000 */
  maxSkip: number;
  /** Wall-clock time a query may run (`GRAPH_GRAPHQL_QUERY_TIMEOUT`). @default 10,000 */
  timeoutMs: number;
  /** Most entities one answer may hold, nested ones included (graph-node bounds the result's bytes). @default 100,000 */
  maxEntities: number;
}>;

/** The bounds of `veritrain indexer` unless its flags say otherwise. */
export const DEFAULT_QUERY_BOUNDS: QueryBounds = Object.freeze({
  maxDepth: 255,
  maxComplexity: 10_000_000,
  maxFirst: 1000,
  maxSkip: 5000,
  timeoutMs: 10_000,
  maxEntities: 100_000,
});

