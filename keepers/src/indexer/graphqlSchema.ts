import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLError,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  type GraphQLInputType,
  type GraphQLOutputType,
} from "graphql";
import type { EntityStore } from "./entityStore.ts";
import type { EntityData } from "./mappingHost.ts";
import type { QueryBudget } from "./queryBudget.ts";
import type { EntityDescriptor, FieldDescriptor, ScalarName, SubgraphSchema } from "./subgraphSchema.ts";

/** What every resolver of a query sees. */
export type QueryContext = {
  store: EntityStore;
  /** Names what is indexed (`_meta.deployment`). */
  deployment: string;
  /** Whether indexing is stuck on a failing handler (`_meta.hasIndexingErrors`). */
  hasIndexingErrors?: boolean;
};

/** What resolvers see while a query executes: its context and the budget it runs under. */
export type ExecutionContext = QueryContext & { budget: QueryBudget };

/** An entity as resolved: its data plus the block the query reads at. */
type Resolved = EntityData & { __block: number };

function stringScalar(name: string, pattern: RegExp, description: string) {
  const check = (value: unknown) => {
    if (typeof value !== "string" || !pattern.test(value)) throw new GraphQLError(`${name} cannot represent ${JSON.stringify(value)}`);
    return name === "Bytes" ? value.toLowerCase() : value;
  };
  return new GraphQLScalarType({
    name,
    description,
    serialize: (value) => value,
    parseValue: check,
    parseLiteral: (ast) => {
      if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT) throw new GraphQLError(`${name} cannot represent a ${ast.kind}`);
      return check(ast.value);
    },
  });
}

const SCALARS: Record<ScalarName, GraphQLScalarType> = {
  ID: GraphQLID,
  String: GraphQLString,
  Int: GraphQLInt,
  Boolean: GraphQLBoolean,
  Bytes: stringScalar("Bytes", /^0x([0-9a-fA-F]{2})*$/, "Bytes as 0x-prefixed hex"),
  BigInt: stringScalar("BigInt", /^-?\d+$/, "Arbitrary-size integer as a decimal string"),
  BigDecimal: stringScalar("BigDecimal", /^-?\d+(\.\d+)?$/, "Arbitrary-precision decimal as a string"),
  Int8: stringScalar("Int8", /^-?\d+$/, "64-bit integer"),
  Timestamp: stringScalar("Timestamp", /^-?\d+$/, "Microseconds since the epoch"),
};

const NUMERIC = new Set<ScalarName>(["BigInt", "BigDecimal", "Int", "Int8", "Timestamp"]);

type SortKey = bigint | number | string | undefined;

/** A stored value of `scalar` as a key ordered by `<` (numbers as BigInt or Number); null becomes undefined. */
function sortKey(scalar: ScalarName, value: unknown): SortKey {
  if (value === undefined || value === null) return undefined;
  if (scalar === "BigDecimal" || scalar === "Boolean") return Number(value);
  if (NUMERIC.has(scalar)) return BigInt(value as string | number);
  return String(value);
}

/** Total order of two sort keys (undefined last). */
function compareKeys(x: SortKey, y: SortKey): number {
  if (x === y) return 0;
  if (x === undefined) return 1;
  if (y === undefined) return -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Total order of two stored values of `scalar` (null last). */
function compare(scalar: ScalarName, a: unknown, b: unknown): number {
  return compareKeys(sortKey(scalar, a), sortKey(scalar, b));
}

/**
 * Whether `field: value` is exact equality of stored strings (String, ID, Bytes, enums and
 * references; Bytes arrive lower-cased), so the store's index on the field can answer it.
 */
const indexable = (field: FieldDescriptor) => !field.list && !field.derivedFrom && (field.scalar === "String" || field.scalar === "Bytes");

/** `entities` without repeated ids. */
const distinct = (entities: EntityData[]) => [...new Map(entities.map((e) => [e.id, e])).values()];

type Predicate = (entity: EntityData, block: number) => boolean;

/** The where-suffixes graph-node generates for a field of `field`'s kind. */
function suffixesOf(field: FieldDescriptor): string[] {
  if (field.list) return ["", "_not", "_contains", "_contains_nocase", "_not_contains", "_not_contains_nocase"];
  if (field.scalar === "Boolean") return ["", "_not", "_in", "_not_in"];
  if (field.enumName) return ["", "_not", "_in", "_not_in"];
  const base = ["", "_not", "_gt", "_lt", "_gte", "_lte", "_in", "_not_in"];
  if (field.scalar === "Bytes") return [...base, "_contains", "_not_contains"];
  if (field.scalar === "String" && field.typeName !== "ID") {
    const text = ["contains", "starts_with", "ends_with"].flatMap((op) => [`_${op}`, `_${op}_nocase`, `_not_${op}`, `_not_${op}_nocase`]);
    return [...base, ...text];
  }
  return base;
}

/** The predicate of one `field<suffix>: value` condition. */
function condition(field: FieldDescriptor, suffix: string, expected: unknown): (value: unknown) => boolean {
  const cmp = (a: unknown, b: unknown) => compare(field.scalar, a, b);
  const nocase = suffix.endsWith("_nocase");
  const norm = (value: unknown) => (nocase ? String(value).toLowerCase() : String(value));
  const op = suffix.replace(/_nocase$/, "");
  const negate = op.startsWith("_not_") && op !== "_not_in";
  const positive = negate ? `_${op.slice("_not_".length)}` : op;
  const test = ((): ((value: unknown) => boolean) => {
    if (field.list) {
      const list = (value: unknown) => (Array.isArray(value) ? value : []);
      const wanted = (expected as unknown[]).map(norm);
      if (positive === "") return (value) => Array.isArray(value) && value.length === wanted.length && value.every((item, i) => norm(item) === wanted[i]);
      if (positive === "_not") return (value) => !(Array.isArray(value) && value.length === wanted.length && value.every((item, i) => norm(item) === wanted[i]));
      return (value) => wanted.every((item) => list(value).some((have) => norm(have) === item));
    }
    switch (positive) {
      case "":
        return (value) => value !== undefined && cmp(value, expected) === 0;
      case "_not":
        return (value) => value === undefined || cmp(value, expected) !== 0;
      case "_gt":
        return (value) => value !== undefined && cmp(value, expected) > 0;
      case "_lt":
        return (value) => value !== undefined && cmp(value, expected) < 0;
      case "_gte":
        return (value) => value !== undefined && cmp(value, expected) >= 0;
      case "_lte":
        return (value) => value !== undefined && cmp(value, expected) <= 0;
      case "_in":
        return (value) => (expected as unknown[]).some((item) => value !== undefined && cmp(value, item) === 0);
      case "_not_in":
        return (value) => !(expected as unknown[]).some((item) => value !== undefined && cmp(value, item) === 0);
      case "_contains":
        return (value) => value !== undefined && norm(value).includes(norm(field.scalar === "Bytes" ? String(expected).slice(2) : expected));
      case "_starts_with":
        return (value) => value !== undefined && norm(value).startsWith(norm(expected));
      case "_ends_with":
        return (value) => value !== undefined && norm(value).endsWith(norm(expected));
      default:
        throw new GraphQLError(`unsupported filter suffix ${suffix}`);
    }
  })();
  return negate ? (value) => !test(value) : test;
}

/**
 * The GraphQL API of a subgraph, generated from its schema with The Graph's query conventions:
 * `entity(id, block)`, `entities(first, skip, where, orderBy, orderDirection, block)` with
 * graph-node's filter suffixes, nested `field_` filters, `and`/`or`, one level of nested
 * `orderBy` (`field__sub`), reference and `@derivedFrom` fields (with the same collection
 * arguments), time travel through `block: { number | hash | number_gte }`, `_change_block:
 * { number_gte }` in every filter, and `_meta`. Resolvers read an {@link ExecutionContext}: its
 * budget bounds `first`, `skip`, the time and the entities of the answer.
 *
 * @example
 * const schema = buildSubgraphGraphQLSchema(parseSubgraphSchema(source));
 * runGraphQL(schema, { store, deployment }, { query: "{ jobs(first: 5) { id status } }" });
 */
export function buildSubgraphGraphQLSchema(subgraph: SubgraphSchema): GraphQLSchema {
  const enums = new Map([...subgraph.enums].map(([name, values]) => [name, new GraphQLEnumType({ name, values: Object.fromEntries(values.map((v) => [v, { value: v }])) })]));
  const orderDirection = new GraphQLEnumType({ name: "OrderDirection", values: { asc: { value: "asc" }, desc: { value: "desc" } } });
  const errorPolicy = new GraphQLEnumType({ name: "_SubgraphErrorPolicy_", values: { allow: { value: "allow" }, deny: { value: "deny" } } });
  const blockHeight = new GraphQLInputObjectType({
    name: "Block_height",
    fields: { hash: { type: SCALARS.Bytes }, number: { type: GraphQLInt }, number_gte: { type: GraphQLInt } },
  });
  const blockChanged = new GraphQLInputObjectType({
    name: "BlockChangedFilter",
    description: "Entities whose latest change (as of the queried block) is at block `number_gte` or later",
    fields: { number_gte: { type: new GraphQLNonNull(GraphQLInt) } },
  });
  const objects = new Map<string, GraphQLObjectType>();
  const filters = new Map<string, GraphQLInputObjectType>();
  const orderBys = new Map<string, GraphQLEnumType>();

  const scalarType = (field: FieldDescriptor): GraphQLInputType & GraphQLOutputType =>
    field.enumName ? enums.get(field.enumName)! : field.typeName === "ID" ? GraphQLID : SCALARS[field.scalar];

  for (const entity of subgraph.entities.values()) {
    filters.set(
      entity.name,
      new GraphQLInputObjectType({
        name: `${entity.name}_filter`,
        fields: (): GraphQLInputFieldConfigMap => {
          const fields: GraphQLInputFieldConfigMap = {};
          for (const field of entity.fields) {
            if (!field.derivedFrom) {
              for (const suffix of suffixesOf(field)) {
                const element = scalarType(field);
                const many = field.list || suffix === "_in" || suffix === "_not_in";
                fields[`${field.name}${suffix}`] = { type: many ? new GraphQLList(new GraphQLNonNull(element)) : element };
              }
            }
            if (field.entity) fields[`${field.name}_`] = { type: filters.get(field.entity)! };
          }
          fields._change_block = { type: blockChanged };
          fields.and = { type: new GraphQLList(filters.get(entity.name)!) };
          fields.or = { type: new GraphQLList(filters.get(entity.name)!) };
          return fields;
        },
      }),
    );
  }
  for (const entity of subgraph.entities.values()) {
    const values: Record<string, { value: string }> = {};
    for (const field of entity.fields) {
      values[field.name] = { value: field.name };
      if (field.entity && !field.list && !field.derivedFrom) {
        for (const sub of subgraph.entities.get(field.entity)!.fields) {
          if (!sub.list && !sub.entity) values[`${field.name}__${sub.name}`] = { value: `${field.name}__${sub.name}` };
        }
      }
    }
    orderBys.set(entity.name, new GraphQLEnumType({ name: `${entity.name}_orderBy`, values }));
  }

  /** The entities of `target` whose field `back` names `id` at `block`: a derived field's members. */
  const derived = (store: EntityStore, target: EntityDescriptor, back: FieldDescriptor, id: string, block: number): EntityData[] =>
    back.list ? store.all(target.name, block).filter((e) => ((e[back.name] as unknown[]) ?? []).includes(id)) : store.find(target.name, back.name, id, block);

  /** Compiles a where-object into a predicate over entities of `entity` read at a block. */
  const compileWhere = (entity: EntityDescriptor, where: Record<string, unknown> | undefined, store: () => EntityStore): Predicate => {
    if (!where) return () => true;
    const fields = new Map(entity.fields.map((field) => [field.name, field]));
    const parts: Predicate[] = [];
    for (const [key, expected] of Object.entries(where)) {
      if (expected === undefined) continue;
      if (key === "and" || key === "or") {
        const inner = (expected as Record<string, unknown>[]).map((w) => compileWhere(entity, w, store));
        parts.push(key === "and" ? (e, b) => inner.every((p) => p(e, b)) : (e, b) => inner.some((p) => p(e, b)));
        continue;
      }
      if (key === "_change_block") {
        const { number_gte } = expected as { number_gte: number };
        parts.push((e, b) => (store().changedAt(entity.name, e.id as string, b) ?? -1) >= number_gte);
        continue;
      }
      if (key.endsWith("_") && fields.get(key.slice(0, -1))?.entity) {
        const field = fields.get(key.slice(0, -1))!;
        const target = subgraph.entities.get(field.entity!)!;
        const nested = compileWhere(target, expected as Record<string, unknown>, store);
        if (field.derivedFrom) {
          const back = target.fields.find((f) => f.name === field.derivedFrom)!;
          parts.push((e, b) => derived(store(), target, back, e.id as string, b).some((candidate) => nested(candidate, b)));
        } else {
          parts.push((e, b) => {
            const ids = field.list ? ((e[field.name] as string[]) ?? []) : e[field.name] === undefined ? [] : [e[field.name] as string];
            return ids.some((id) => {
              const found = store().get(target.name, id, b);
              return found !== null && nested(found, b);
            });
          });
        }
        continue;
      }
      const name = [...fields.keys()].filter((f) => key.startsWith(f)).sort((a, b) => b.length - a.length).find((f) => suffixesOf(fields.get(f)!).includes(key.slice(f.length)));
      if (name === undefined) throw new GraphQLError(`unknown filter ${key}`);
      const field = fields.get(name)!;
      const test = condition(field, key.slice(name.length), expected);
      parts.push((e) => test(e[name]));
    }
    return (e, b) => parts.every((p) => p(e, b));
  };

  /**
   * The entities of `entity` a where-object can match, found through the store's indexes from
   * `id`, `id_in`, equality or `_in` on an indexable field, a nested filter on a reference, and
   * `and` / `or` of those; undefined when nothing narrows it (every entity is a candidate).
   * Candidates are a superset of the matches: they still go through the full predicate.
   */
  const candidatesOf = (entity: EntityDescriptor, where: Record<string, unknown> | undefined, store: EntityStore, block: number): EntityData[] | undefined => {
    if (!where) return undefined;
    const fields = new Map(entity.fields.map((field) => [field.name, field]));
    let best: EntityData[] | undefined;
    const narrow = (found: EntityData[] | undefined) => {
      if (found && (!best || found.length < best.length)) best = found;
    };
    for (const [key, expected] of Object.entries(where)) {
      if (expected === undefined || expected === null) continue;
      if (key === "and") {
        for (const inner of expected as Record<string, unknown>[]) narrow(candidatesOf(entity, inner, store, block));
        continue;
      }
      if (key === "or") {
        const branches = (expected as Record<string, unknown>[]).map((inner) => candidatesOf(entity, inner, store, block));
        if (branches.every((found) => found !== undefined)) narrow(distinct(branches.flat() as EntityData[]));
        continue;
      }
      const reference = key.endsWith("_") ? fields.get(key.slice(0, -1)) : undefined;
      if (reference?.entity) {
        if (!indexable(reference)) continue;
        const targets = candidatesOf(subgraph.entities.get(reference.entity)!, expected as Record<string, unknown>, store, block);
        if (targets) narrow(distinct(targets.flatMap((target) => store.find(entity.name, reference.name, target.id as string, block))));
        continue;
      }
      const many = !fields.has(key) && key.endsWith("_in") && !key.endsWith("_not_in");
      const field = fields.get(many ? key.slice(0, -"_in".length) : key);
      if (!field || !indexable(field)) continue;
      const values = (many ? expected : [expected]) as string[];
      narrow(
        distinct(
          field.name === "id"
            ? values.map((id) => store.get(entity.name, id, block)).filter((e): e is EntityData => e !== null)
            : values.flatMap((value) => store.find(entity.name, field.name, value, block)),
        ),
      );
    }
    return best;
  };

  /** The block a query reads at, from its `block` argument. */
  const blockOf = (context: QueryContext, block: { number?: number; hash?: string; number_gte?: number } | undefined): number => {
    const head = context.store.head();
    if (!head) throw new GraphQLError("the subgraph has not indexed any block yet");
    if (!block) return head.number;
    if (block.hash !== undefined) {
      const found = context.store.blockByHash(block.hash);
      if (!found) throw new GraphQLError(`no indexed block has hash ${block.hash}`);
      return found.number;
    }
    const wanted = block.number ?? block.number_gte;
    if (wanted === undefined) return head.number;
    if (wanted > head.number) {
      throw new GraphQLError(`the subgraph has only indexed up to block number ${head.number} and data for block number ${wanted} is therefore not yet available`);
    }
    return block.number === undefined ? head.number : wanted;
  };

  const collection = (
    entity: EntityDescriptor,
    candidates: (context: QueryContext, block: number) => EntityData[],
    args: { first?: number; skip?: number; orderBy?: string; orderDirection?: string; where?: Record<string, unknown> },
    context: ExecutionContext,
    block: number,
  ): Resolved[] => {
    const first = args.first ?? 100;
    const skip = args.skip ?? 0;
    const { budget } = context;
    const { maxFirst, maxSkip } = budget.bounds;
    if (first < 0 || first > maxFirst) throw new GraphQLError(`The \`first\` argument must be between 0 and ${maxFirst}, but is ${first}`);
    if (skip < 0 || skip > maxSkip) throw new GraphQLError(`The \`skip\` argument must be between 0 and ${maxSkip}, but is ${skip}`);
    const predicate = compileWhere(entity, args.where, () => context.store);
    const found = candidates(context, block).filter((e) => {
      budget.tick();
      return predicate(e, block);
    });
    const [fieldName, subName] = (args.orderBy ?? "id").split("__") as [string, string | undefined];
    const field = entity.fields.find((f) => f.name === fieldName)!;
    const key = subName
      ? (e: EntityData) => (e[fieldName] === undefined ? undefined : context.store.get(field.entity!, e[fieldName] as string, block)?.[subName])
      : (e: EntityData) => e[fieldName];
    const scalar = subName ? subgraph.entities.get(field.entity!)!.fields.find((f) => f.name === subName)!.scalar : field.list ? "String" : field.scalar;
    const direction = args.orderDirection === "desc" ? -1 : 1;
    const keyed = found.map((e) => ({ e, k: sortKey(scalar, key(e)), id: sortKey(entity.idScalar, e.id) }));
    keyed.sort((a, b) => direction * (compareKeys(a.k, b.k) || compareKeys(a.id, b.id)));
    const page = keyed.slice(skip, skip + first);
    budget.charge(page.length);
    return page.map(({ e }) => ({ ...e, __block: block }));
  };

  const collectionArgs = (entity: EntityDescriptor): GraphQLFieldConfigArgumentMap => ({
    skip: { type: GraphQLInt, defaultValue: 0 },
    first: { type: GraphQLInt, defaultValue: 100 },
    orderBy: { type: orderBys.get(entity.name)! },
    orderDirection: { type: orderDirection },
    where: { type: filters.get(entity.name)! },
  });

  for (const entity of subgraph.entities.values()) {
    objects.set(
      entity.name,
      new GraphQLObjectType({
        name: entity.name,
        ...(entity.description ? { description: entity.description } : {}),
        fields: (): GraphQLFieldConfigMap<Resolved, ExecutionContext> => {
          const fields: GraphQLFieldConfigMap<Resolved, ExecutionContext> = {};
          for (const field of entity.fields) {
            if (!field.entity) {
              const type = scalarType(field);
              const listed = field.list ? new GraphQLList(new GraphQLNonNull(type)) : type;
              fields[field.name] = { type: field.required ? new GraphQLNonNull(listed) : listed, resolve: (parent) => parent[field.name] ?? null };
              continue;
            }
            const target = subgraph.entities.get(field.entity)!;
            const object = objects.get(field.entity)!;
            if (field.derivedFrom || field.list) {
              const back = field.derivedFrom ? target.fields.find((f) => f.name === field.derivedFrom)! : undefined;
              fields[field.name] = {
                type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))),
                args: collectionArgs(target),
                resolve: (parent, args, context) =>
                  collection(
                    target,
                    (ctx, block) =>
                      back
                        ? derived(ctx.store, target, back, parent.id as string, block)
                        : ((parent[field.name] as string[]) ?? []).map((id) => ctx.store.get(target.name, id, block)).filter((e): e is EntityData => e !== null),
                    args,
                    context,
                    parent.__block,
                  ),
              };
            } else {
              fields[field.name] = {
                type: field.required ? new GraphQLNonNull(object) : object,
                resolve: (parent, _args, context) => {
                  const id = parent[field.name];
                  const found = id === undefined ? null : context.store.get(target.name, id as string, parent.__block);
                  if (found === null && field.required && id !== undefined) throw new GraphQLError(`${entity.name}.${field.name}: ${target.name} ${id} does not exist`);
                  if (found === null) return null;
                  context.budget.charge(1);
                  return { ...found, __block: parent.__block };
                },
              };
            }
          }
          return fields;
        },
      }),
    );
  }

  const metaBlock = new GraphQLObjectType({
    name: "_Block_",
    fields: { hash: { type: SCALARS.Bytes }, number: { type: new GraphQLNonNull(GraphQLInt) }, timestamp: { type: GraphQLInt }, parentHash: { type: SCALARS.Bytes } },
  });
  const meta = new GraphQLObjectType({
    name: "_Meta_",
    fields: {
      block: { type: new GraphQLNonNull(metaBlock) },
      deployment: { type: new GraphQLNonNull(GraphQLString) },
      hasIndexingErrors: { type: new GraphQLNonNull(GraphQLBoolean) },
    },
  });

  const query: GraphQLFieldConfigMap<unknown, ExecutionContext> = {};
  for (const entity of subgraph.entities.values()) {
    const object = objects.get(entity.name)!;
    const common = { block: { type: blockHeight }, subgraphError: { type: new GraphQLNonNull(errorPolicy), defaultValue: "deny" } };
    query[entity.singleName] = {
      type: object,
      args: { id: { type: new GraphQLNonNull(GraphQLID) }, ...common },
      resolve: (_root, args: { id: string; block?: { number?: number } }, context) => {
        const block = blockOf(context, args.block);
        const id = entity.idScalar === "Bytes" ? args.id.toLowerCase() : args.id;
        const found = context.store.get(entity.name, id, block);
        if (found === null) return null;
        context.budget.charge(1);
        return { ...found, __block: block };
      },
    };
    query[entity.collectionName] = {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))),
      args: { ...collectionArgs(entity), ...common },
      resolve: (_root, args, context) =>
        collection(entity, (ctx, block) => candidatesOf(entity, args.where, ctx.store, block) ?? ctx.store.all(entity.name, block), args, context, blockOf(context, args.block)),
    };
  }
  query._meta = {
    type: meta,
    args: { block: { type: blockHeight } },
    resolve: (_root, args: { block?: { number?: number } }, context) => {
      const number = blockOf(context, args.block);
      const recorded = context.store.block(number);
      return {
        block: { number, hash: recorded?.hash ?? null, timestamp: recorded?.timestamp ?? null, parentHash: recorded?.parentHash ?? null },
        deployment: context.deployment,
        hasIndexingErrors: context.hasIndexingErrors ?? false,
      };
    },
  };
  return new GraphQLSchema({ query: new GraphQLObjectType({ name: "Query", fields: query }) });
}
