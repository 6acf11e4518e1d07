import { VeritrainError } from "../errors.ts";
import type { QueryBounds } from "./queryBounds.ts";

/** What one executing query may still spend: its time and the entities of its answer. */
export type QueryBudget = {
  readonly bounds: QueryBounds;
  /** Throws once the time is up; cheap enough per entity scanned (the clock is read every 64 calls). */
  tick(): void;
  /** Counts `entities` into the answer; throws once the answer holds more than `maxEntities` or the time is up. */
  charge(entities: number): void;
  /** The bound the query broke (every later call throws it again, so execution unwinds at once). */
  readonly exceeded: VeritrainError | undefined;
};

/** Parameters of {@link createQueryBudget}. */
export type CreateQueryBudgetParameters = {
  bounds: QueryBounds;
  /** Milliseconds from any origin. @default performance.now */
  now?: () => number;
};

const TICKS_PER_CLOCK_READ = 64;

/**
 * The budget of one query execution. Resolvers run synchronously against the in-memory store,
 * so the event loop is held for the whole execution: the time-out is enforced by the resolvers
 * themselves, which tick the budget per entity they scan and charge it per entity they return,
 * so a query ends at most one scanned entity after its time is up.
 *
 * @example
 * const budget = createQueryBudget({ bounds: DEFAULT_QUERY_BOUNDS });
 * budget.charge(found.length); // in a collection resolver
 */
export function createQueryBudget({ bounds, now = () => performance.now() }: CreateQueryBudgetParameters): QueryBudget {
  const deadline = now() + bounds.timeoutMs;
  let entities = 0;
  let ticks = 0;
  let exceeded: VeritrainError | undefined;
  const fail = (error: VeritrainError): never => {
    exceeded ??= error;
    throw exceeded;
  };
  const checkClock = () => {
    if (exceeded) throw exceeded;
    if (now() > deadline) {
      fail(
        new VeritrainError(
          `Query timed out after ${bounds.timeoutMs} ms (the indexer's --query-timeout): narrow it with a smaller \`first\`, fewer nested collections, or a \`where\` filter on an id, a reference or an enum field`,
          { code: "INDEXER_QUERY_TIMEOUT", details: { timeoutMs: bounds.timeoutMs } },
        ),
      );
    }
  };
  return {
    bounds,
    tick() {
      if (exceeded) throw exceeded;
      if (++ticks % TICKS_PER_CLOCK_READ === 0) checkClock();
    },
    charge(count) {
      checkClock();
      entities += count;
      if (entities > bounds.maxEntities) {
        fail(
          new VeritrainError(
            `the result has more than ${bounds.maxEntities} entities, the allowed limit (the indexer's --max-result-entities): narrow it with a smaller \`first\` (page with \`skip\` or \`where: { id_gt: … }\`), fewer nested collections, or a \`where\` filter`,
            { code: "INDEXER_RESULT_TOO_BIG", details: { maxEntities: bounds.maxEntities } },
          ),
        );
      }
    },
    get exceeded() {
      return exceeded;
    },
  };
}
