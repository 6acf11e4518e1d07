import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { PREFLIGHT_HEADERS } from "../runtime/serveHttp.ts";
import type { AddressInfo } from "node:net";
import { GraphQLError, execute, parse, validate, type DocumentNode, type GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import { VeritrainError } from "../errors.ts";
import type { QueryContext } from "./graphqlSchema.ts";
import { measureQuery } from "./measureQuery.ts";
import { DEFAULT_QUERY_BOUNDS, type QueryBounds } from "./queryBounds.ts";
import { createQueryBudget } from "./queryBudget.ts";

/** Parameters of {@link startGraphQLServer}. */
export type StartGraphQLServerParameters = {
  schema: GraphQLSchema;
  /** The context of each query, read when the query arrives. */
  context: () => QueryContext;
  /** TCP port on 127.0.0.1 (0: any free port). */
  port: number;
  /** Subgraph name in the URL path (`/subgraphs/name/<name>`). */
  name?: string;
  /** The bounds of every query. @default DEFAULT_QUERY_BOUNDS */
  bounds?: QueryBounds;
  log?: Logger;
};

/** A running GraphQL server. */
export type GraphQLServer = { url: string; close(): Promise<void> };

const MAX_BODY = 1 << 20;

/** Queries whose parsed and validated form is kept, per schema: the most recently used ones, up to a size. */
const CACHED_DOCUMENTS = 256;
const MAX_CACHED_QUERY = 64 << 10;

/** A query's parsed and validated document, or its parse / validation errors. */
type Checked = { document: DocumentNode } | { errors: { message: string }[] };
const checkedQueries = new WeakMap<GraphQLSchema, Map<string, Checked>>();

function parseAndValidate(schema: GraphQLSchema, query: string): Checked {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { errors: [{ message: (error as GraphQLError).message }] };
  }
  const invalid = validate(schema, document);
  return invalid.length > 0 ? { errors: invalid.map((error) => ({ message: error.message })) } : { document };
}

/**
 * Parses and validates `query` against `schema`, reusing the outcome for a query text seen
 * recently (both depend on the text and the schema only; variables are checked per request).
 */
function checkQuery(schema: GraphQLSchema, query: string): Checked {
  let cache = checkedQueries.get(schema);
  if (!cache) checkedQueries.set(schema, (cache = new Map()));
  const cached = cache.get(query);
  if (cached) {
    cache.delete(query);
    cache.set(query, cached);
    return cached;
  }
  const checked = parseAndValidate(schema, query);
  if (query.length <= MAX_CACHED_QUERY) {
    cache.set(query, checked);
    if (cache.size > CACHED_DOCUMENTS) cache.delete(cache.keys().next().value!);
  }
  return checked;
}

function send(response: ServerResponse, status: number, body: unknown) {
  // Public, read-only data: any web page may query it, as graph-node allows (the web app among them).
  response.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The depth or complexity bound `document` breaks before it runs, if any (graph-node's error texts). */
function costError(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> | undefined, bounds: QueryBounds): VeritrainError | undefined {
  const { maxDepth, maxComplexity } = bounds;
  const { depth, complexity } = measureQuery({ schema, document, operationName, variables, maxDepth });
  if (depth > maxDepth) {
    return new VeritrainError(`query has a depth that exceeds the limit of \`${maxDepth}\` (the indexer's --max-query-depth): nest fewer selections`, {
      code: "INDEXER_QUERY_TOO_DEEP",
      details: { maxDepth },
    });
  }
  if (complexity > maxComplexity) {
    return new VeritrainError(
      `query potentially returns \`${complexity}\` entities or more and thereby exceeds the limit of \`${maxComplexity}\` entities (the indexer's --max-complexity). Possible solutions are reducing the depth of the query, querying fewer relationships or using \`first\` to return smaller collections`,
      { code: "INDEXER_QUERY_TOO_COMPLEX", details: { complexity, maxComplexity } },
    );
  }
  return undefined;
}

/** Options of {@link runGraphQL}. */
export type RunGraphQLOptions = {
  /** @default DEFAULT_QUERY_BOUNDS */
  bounds?: QueryBounds;
  /** Where a query refused by a bound is logged. */
  log?: Logger;
};

/**
 * Runs one GraphQL request under `bounds`: a query too deep or too complex is refused before it
 * runs, one that runs out of time or entities is stopped; either answers with the bound's error
 * only. Every failure becomes GraphQL `errors` (never a thrown error).
 *
 * @example
 * const { data, errors } = runGraphQL(schema, { store, deployment }, { query: "{ jobs { id } }" });
 */
export function runGraphQL(schema: GraphQLSchema, context: QueryContext, body: unknown, { bounds = DEFAULT_QUERY_BOUNDS, log }: RunGraphQLOptions = {}): { data?: unknown; errors?: readonly { message: string }[] } {
  const { query, variables, operationName } = (body ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
  if (typeof query !== "string") return { errors: [{ message: "the request has no `query` string" }] };
  if (variables !== undefined && variables !== null && (typeof variables !== "object" || Array.isArray(variables))) {
    return { errors: [{ message: "`variables` must be an object" }] };
  }
  const checked = checkQuery(schema, query);
  if ("errors" in checked) return { errors: checked.errors };
  const variableValues = (variables ?? undefined) as Record<string, unknown> | undefined;
  const operation = typeof operationName === "string" ? operationName : undefined;
  const refuse = (error: VeritrainError) => {
    log?.warn({ code: error.code, ...error.details }, "query refused");
    return { errors: [{ message: error.message }] };
  };
  const tooCostly = costError(schema, checked.document, operation, variableValues, bounds);
  if (tooCostly) return refuse(tooCostly);
  const budget = createQueryBudget({ bounds });
  const result = execute({ schema, document: checked.document, contextValue: { ...context, budget }, variableValues, operationName: operation }) as {
    data?: unknown;
    errors?: readonly GraphQLError[];
  };
  if (budget.exceeded) return refuse(budget.exceeded);
  return { ...(result.data !== undefined ? { data: result.data } : {}), ...(result.errors ? { errors: result.errors.map((error) => ({ message: error.message, ...(error.path ? { path: error.path } : {}) })) } : {}) };
}

/**
 * Serves the subgraph's GraphQL API over HTTP on 127.0.0.1, at `/subgraphs/name/<name>` (The
 * Graph's path) and `/graphql`: POST `{ query, variables, operationName }`, answer
 * `{ data, errors }` with status 200 as graph-node does, a query stopped by one of `bounds`
 * included; `/healthz` answers `ok`.
 *
 * @example
 * const server = await startGraphQLServer({ schema, context: () => ({ store, deployment }), port: 8000 });
 */
export async function startGraphQLServer({ schema, context, port, name = "veritrain", bounds, log }: StartGraphQLServerParameters): Promise<GraphQLServer> {
  const paths = new Set([`/subgraphs/name/${name}`, "/graphql"]);
  const server = createServer(async (request, response) => {
    const path = (request.url ?? "/").split("?")[0]!;
    if (path === "/healthz") return void response.end("ok");
    if (request.method === "OPTIONS") return void response.writeHead(204, PREFLIGHT_HEADERS).end();
    if (!paths.has(path)) return send(response, 404, { errors: [{ message: `no subgraph at ${path}; POST to /subgraphs/name/${name}` }] });
    if (request.method !== "POST") return send(response, 405, { errors: [{ message: "send queries with POST" }] });
    const text = await readBody(request);
    if (text === undefined) return send(response, 413, { errors: [{ message: `request body over ${MAX_BODY} bytes` }] });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return send(response, 400, { errors: [{ message: "the request body is not JSON" }] });
    }
    try {
      send(response, 200, runGraphQL(schema, context(), body, { bounds, log }));
    } catch (error) {
      log?.error({ err: error }, "query failed");
      send(response, 500, { errors: [{ message: "internal error" }] });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/subgraphs/name/${name}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
