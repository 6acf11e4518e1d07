import type { Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import type { EntityData, MappingStore } from "./mappingHost.ts";
import type { SqlBackend } from "./sqlBackend.ts";
import type { EntityDescriptor, FieldDescriptor, SubgraphSchema } from "./subgraphSchema.ts";

/** A block the store has indexed. */
export type BlockPointer = Readonly<{ number: number; hash: Hex; parentHash: Hex; timestamp: number }>;

/** One version of an entity: valid from block `from` (inclusive) to `to` (exclusive; open while undefined). */
type Version = { from: number; to?: number; data: EntityData };

/** One block to index: its pointer and the handlers to run on it. */
export type BlockWrite = Readonly<{ block: BlockPointer; write: (store: MappingStore) => void | Promise<void> }>;

/** Versioned entities (block ranges, as graph-node keeps them) for time travel and reorg reverts. */
export type EntityStore = {
  /** The last indexed block, if any. */
  head(): BlockPointer | undefined;
  /** The indexed block `number`, if the store recorded it. */
  block(number: number): BlockPointer | undefined;
  /** The recorded block with hash `hash`. */
  blockByHash(hash: string): BlockPointer | undefined;
  /** Recorded blocks, newest first. */
  recentBlocks(): readonly BlockPointer[];
  /** Entity `id` of type `entity` as of block `at` (default: the head). */
  get(entity: string, id: string, at?: number): EntityData | null;
  /**
   * The block of the latest change of entity `id` of type `entity` as of block `at` (the start
   * of the version valid at `at`; graph-node's `lower(block_range)`), or undefined if it does not
   * exist at `at`.
   */
  changedAt(entity: string, id: string, at?: number): number | undefined;
  /** Every entity of type `entity` as of block `at`. */
  all(entity: string, at?: number): EntityData[];
  /**
   * The entities of type `entity` whose stored field `field` (not a list) is exactly `value` as
   * of block `at`, in no particular order. Served by an index on the field, built on first use
   * from every stored version and kept current by writes and reverts.
   */
  find(entity: string, field: string, value: string, at?: number): EntityData[];
  /**
   * Indexes `blocks` (ascending, after the head) in order: each block's `write` runs its
   * handlers against a view that sees the earlier blocks' writes and its own, every change is
   * checked against the schema, and the blocks are committed in one transaction. If a block's
   * `write` or a check throws, the blocks before it are committed, nothing of it or after it
   * is, and the error is rethrown.
   */
  writeBlocks(blocks: readonly BlockWrite[]): Promise<void>;
  /** Undoes every block after `number` (a reorg): their versions go, the ones they closed reopen. */
  revertTo(number: number): Promise<void>;
  close(): Promise<void>;
};

/** Parameters of {@link openEntityStore}. */
export type OpenEntityStoreParameters = {
  schema: SubgraphSchema;
  /** Where versions are persisted; without one the store lives in memory only (harness tests). */
  backend?: SqlBackend;
  /**
   * What the store indexes (contracts, start block, schema): a persisted store made for a
   * different deployment is refused instead of being mixed with it.
   */
  deployment?: string;
};

const DDL = [
  `CREATE TABLE IF NOT EXISTS entity_versions (
     entity text NOT NULL, id text NOT NULL, block_from bigint NOT NULL, block_to bigint, data jsonb NOT NULL,
     PRIMARY KEY (entity, id, block_from))`,
  "CREATE INDEX IF NOT EXISTS entity_versions_open ON entity_versions (entity, id) WHERE block_to IS NULL",
  "CREATE TABLE IF NOT EXISTS blocks (number bigint PRIMARY KEY, hash text NOT NULL, parent_hash text NOT NULL, timestamp bigint NOT NULL)",
  "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)",
];

function invalidEntity(entity: string, id: string, rule: string): VeritrainError {
  return new VeritrainError(`entity ${entity}[${id}]: ${rule}`, { code: "MAPPING_FAILED", details: { entity, id } });
}

function checkScalar(field: FieldDescriptor, value: unknown): boolean {
  switch (field.scalar) {
    case "String":
      return typeof value === "string";
    case "Bytes":
      return typeof value === "string" && /^0x([0-9a-f]{2})*$/.test(value);
    case "BigInt":
    case "Int8":
    case "Timestamp":
      return typeof value === "string" && /^-?\d+$/.test(value);
    case "BigDecimal":
      return typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value);
    case "Int":
      return Number.isInteger(value);
    case "Boolean":
      return typeof value === "boolean";
    default:
      return false;
  }
}

/** The checks graph-node makes on `store.set`: known, stored fields of the right type; required ones present. */
function checkEntity(schema: SubgraphSchema, descriptor: EntityDescriptor, id: string, data: EntityData): void {
  const fields = new Map(descriptor.fields.map((field) => [field.name, field]));
  for (const [name, value] of Object.entries(data)) {
    const field = fields.get(name);
    if (!field) throw invalidEntity(descriptor.name, id, `unknown field ${name}`);
    if (field.derivedFrom) throw invalidEntity(descriptor.name, id, `derived field ${name} cannot be set`);
    const values = field.list ? (Array.isArray(value) ? value : [undefined]) : [value];
    for (const item of values) {
      if (!checkScalar(field, item)) throw invalidEntity(descriptor.name, id, `field ${name} is not a ${field.typeName}: ${JSON.stringify(value)}`);
      if (field.enumName && !schema.enums.get(field.enumName)!.includes(item as string)) {
        throw invalidEntity(descriptor.name, id, `field ${name} is not a ${field.enumName}: ${JSON.stringify(item)}`);
      }
    }
  }
  for (const field of descriptor.fields) {
    if (field.required && !field.derivedFrom && data[field.name] === undefined) throw invalidEntity(descriptor.name, id, `missing value for non-nullable field ${field.name}`);
  }
  if (data.id !== id) throw invalidEntity(descriptor.name, id, `id field ${JSON.stringify(data.id)} differs from the key`);
}

/** Changes by entity type, then id. */
type Changes = Map<string, Map<string, EntityData>>;

/** The versions of one entity type, and the indexes built on its fields (field → value → ids). */
type Table = { versions: Map<string, Version[]>; indexes: Map<string, Map<string, Set<string>>> };

/** Adds `id` under `value` (string values only: the ones an index can be asked for). */
function addToIndex(index: Map<string, Set<string>>, value: unknown, id: string): void {
  if (typeof value !== "string") return;
  let ids = index.get(value);
  if (!ids) index.set(value, (ids = new Set()));
  ids.add(id);
}

/**
 * Writes blocks' changes and pointers in one transaction: each written id closes its stored open
 * version at its first write in the batch, and each of its versions written in the batch ends
 * where its next one starts.
 */
async function persist(backend: SqlBackend, written: readonly { pointer: BlockPointer; changes: Changes }[]): Promise<void> {
  type Row = { entity: string; id: string; block_from: number; block_to: number | null; data: EntityData };
  const rows: Row[] = [];
  const closing: { entity: string; id: string; block_to: number }[] = [];
  const newest = new Map<string, Row>();
  for (const { pointer, changes } of written) {
    for (const [entity, byId] of changes) {
      for (const [id, data] of byId) {
        const key = JSON.stringify([entity, id]);
        const previous = newest.get(key);
        if (previous) previous.block_to = pointer.number;
        else closing.push({ entity, id, block_to: pointer.number });
        const row = { entity, id, block_from: pointer.number, block_to: null, data };
        rows.push(row);
        newest.set(key, row);
      }
    }
  }
  const blocks = written.map(({ pointer }) => ({ number: pointer.number, hash: pointer.hash, parent_hash: pointer.parentHash, timestamp: pointer.timestamp }));
  await backend.transaction(async (query) => {
    if (rows.length > 0) {
      await query(
        `UPDATE entity_versions v SET block_to = c.block_to FROM jsonb_to_recordset($1::jsonb) AS c(entity text, id text, block_to bigint)
         WHERE v.entity = c.entity AND v.id = c.id AND v.block_to IS NULL`,
        [JSON.stringify(closing)],
      );
      await query(
        `INSERT INTO entity_versions (entity, id, block_from, block_to, data)
         SELECT entity, id, block_from, block_to, data FROM jsonb_to_recordset($1::jsonb) AS c(entity text, id text, block_from bigint, block_to bigint, data jsonb)`,
        [JSON.stringify(rows)],
      );
    }
    await query(
      `INSERT INTO blocks (number, hash, parent_hash, timestamp)
       SELECT number, hash, parent_hash, timestamp FROM jsonb_to_recordset($1::jsonb) AS b(number bigint, hash text, parent_hash text, timestamp bigint)`,
      [JSON.stringify(blocks)],
    );
  });
}

/**
 * Opens the entity store: loads the persisted versions (if a backend is given) into memory,
 * where queries run; every batch of blocks is written through to the backend first.
 *
 * @example
 * const store = await openEntityStore({ schema, backend: await openPgliteBackend(dir), deployment });
 * await store.writeBlocks([{ block, write: (s) => mappings.handle(trigger, s) }]);
 */
export async function openEntityStore({ schema, backend, deployment }: OpenEntityStoreParameters): Promise<EntityStore> {
  const tables = new Map<string, Table>([...schema.entities.keys()].map((name) => [name, { versions: new Map(), indexes: new Map() }]));
  let blocks: BlockPointer[] = []; // ascending
  if (backend) {
    for (const statement of DDL) await backend.query(statement);
    const [stored] = await backend.query<{ value: string }>("SELECT value FROM meta WHERE key = 'deployment'");
    if (deployment !== undefined) {
      if (stored && stored.value !== deployment) {
        throw new VeritrainError("the indexer's data directory holds another deployment's entities: use a new data directory", {
          code: "INDEXER_STORE_MISMATCH",
          details: { stored: stored.value, wanted: deployment },
        });
      }
      if (!stored) await backend.query("INSERT INTO meta (key, value) VALUES ('deployment', $1)", [deployment]);
    }
    const rows = await backend.query<{ entity: string; id: string; block_from: string; block_to: string | null; data: EntityData }>(
      "SELECT entity, id, block_from, block_to, data FROM entity_versions ORDER BY entity, id, block_from",
    );
    for (const row of rows) {
      const byId = tables.get(row.entity)?.versions;
      if (!byId) continue;
      let list = byId.get(row.id);
      if (!list) byId.set(row.id, (list = []));
      list.push({ from: Number(row.block_from), ...(row.block_to === null ? {} : { to: Number(row.block_to) }), data: row.data });
    }
    blocks = (await backend.query<{ number: string; hash: Hex; parent_hash: Hex; timestamp: string }>("SELECT * FROM blocks ORDER BY number")).map((row) => ({
      number: Number(row.number),
      hash: row.hash,
      parentHash: row.parent_hash,
      timestamp: Number(row.timestamp),
    }));
  }
  const byNumber = new Map(blocks.map((block) => [block.number, block]));
  const byHash = new Map(blocks.map((block) => [block.hash, block]));

  const descriptor = (entity: string) => {
    const found = schema.entities.get(entity);
    if (!found) throw new VeritrainError(`unknown entity type ${entity}`, { code: "MAPPING_FAILED" });
    return found;
  };
  const table = (entity: string) => {
    descriptor(entity);
    return tables.get(entity)!;
  };
  const head = () => blocks.at(-1);
  const at = (list: Version[] | undefined, block: number) => {
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const version = list[i]!;
      if (version.from <= block && (version.to === undefined || version.to > block)) return version;
      if (version.to !== undefined && version.to <= block) return undefined;
    }
    return undefined;
  };
  const latest = (entity: string, id: string) => {
    const last = tables.get(entity)!.versions.get(id)?.at(-1);
    return last && last.to === undefined ? last : undefined;
  };
  /** The index on `entity.field`, built from every stored version on first use. */
  const indexOn = (entity: string, field: string) => {
    const { versions, indexes } = table(entity);
    const stored = descriptor(entity).fields.find((f) => f.name === field);
    if (!stored || stored.derivedFrom || stored.list || stored.scalar === "Int" || stored.scalar === "Boolean") {
      throw new VeritrainError(`${entity}.${field} is not a stored field with string values`, { code: "INDEXER_FIELD_NOT_INDEXABLE", details: { entity, field } });
    }
    let index = indexes.get(field);
    if (!index) {
      index = new Map();
      for (const [id, list] of versions) for (const version of list) addToIndex(index, version.data[field], id);
      indexes.set(field, index);
    }
    return index;
  };

  return {
    head,
    block: (number) => byNumber.get(number),
    blockByHash: (hash) => byHash.get(hash.toLowerCase() as Hex),
    recentBlocks: () => blocks.slice().reverse(),
    get(entity, id, block = Number.MAX_SAFE_INTEGER) {
      return at(table(entity).versions.get(id), block)?.data ?? null;
    },
    changedAt(entity, id, block = Number.MAX_SAFE_INTEGER) {
      return at(table(entity).versions.get(id), block)?.from;
    },
    all(entity, block = Number.MAX_SAFE_INTEGER) {
      const found: EntityData[] = [];
      for (const list of table(entity).versions.values()) {
        const version = at(list, block);
        if (version) found.push(version.data);
      }
      return found;
    },
    find(entity, field, value, block = Number.MAX_SAFE_INTEGER) {
      const index = indexOn(entity, field);
      const { versions } = table(entity);
      const found: EntityData[] = [];
      for (const id of index.get(value) ?? []) {
        const version = at(versions.get(id), block);
        if (version && version.data[field] === value) found.push(version.data);
      }
      return found;
    },

    async writeBlocks(batch) {
      let previous = head()?.number;
      for (const { block } of batch) {
        if (previous !== undefined && block.number <= previous) {
          throw new VeritrainError(`block ${block.number} is not after ${previous}`, { code: "INDEXER_BLOCK_ORDER", details: { block: block.number, previous } });
        }
        previous = block.number;
      }
      // The newest data each id got in this batch's earlier blocks, seen by the later ones.
      const pending: Changes = new Map();
      const current = (entity: string, id: string) => pending.get(entity)?.get(id) ?? latest(entity, id)?.data;
      const written: { pointer: BlockPointer; changes: Changes }[] = [];
      let failure: { error: unknown } | undefined;
      for (const { block, write } of batch) {
        const changes: Changes = new Map();
        try {
          await write({
            get(entity, id) {
              descriptor(entity);
              return changes.get(entity)?.get(id) ?? current(entity, id) ?? null;
            },
            set(entity, id, data) {
              const type = descriptor(entity);
              checkEntity(schema, type, id, data);
              if (type.immutable && current(entity, id)) throw invalidEntity(entity, id, "is immutable; it was already stored");
              let byId = changes.get(entity);
              if (!byId) changes.set(entity, (byId = new Map()));
              byId.set(id, data);
            },
          });
        } catch (error) {
          failure = { error };
          break;
        }
        for (const [entity, byId] of changes) {
          let merged = pending.get(entity);
          if (!merged) pending.set(entity, (merged = new Map()));
          for (const [id, data] of byId) merged.set(id, data);
        }
        written.push({ pointer: { ...block, hash: block.hash.toLowerCase() as Hex, parentHash: block.parentHash.toLowerCase() as Hex }, changes });
      }
      if (written.length > 0) {
        if (backend) await persist(backend, written);
        for (const { pointer, changes } of written) {
          for (const [entity, byId] of changes) {
            const { versions, indexes } = tables.get(entity)!;
            for (const [id, data] of byId) {
              let list = versions.get(id);
              if (!list) versions.set(id, (list = []));
              const open = list.at(-1);
              if (open && open.to === undefined) open.to = pointer.number;
              list.push({ from: pointer.number, data });
              for (const [field, index] of indexes) addToIndex(index, data[field], id);
            }
          }
          blocks.push(pointer);
          byNumber.set(pointer.number, pointer);
          byHash.set(pointer.hash, pointer);
        }
      }
      if (failure) throw failure.error;
    },

    async revertTo(number) {
      if (backend) {
        await backend.transaction(async (query) => {
          await query("DELETE FROM entity_versions WHERE block_from > $1", [number]);
          await query("UPDATE entity_versions SET block_to = NULL WHERE block_to > $1", [number]);
          await query("DELETE FROM blocks WHERE number > $1", [number]);
        });
      }
      for (const { versions, indexes } of tables.values()) {
        for (const [id, list] of versions) {
          const undone: Version[] = [];
          while (list.length > 0 && list.at(-1)!.from > number) undone.push(list.pop()!);
          const last = list.at(-1);
          if (last && last.to !== undefined && last.to > number) delete last.to;
          if (list.length === 0) versions.delete(id);
          // An index keeps an id under a value while any remaining version has it.
          for (const [field, index] of indexes) {
            for (const value of new Set(undone.map(({ data }) => data[field]))) {
              if (typeof value !== "string" || list.some((version) => version.data[field] === value)) continue;
              const ids = index.get(value)!;
              ids.delete(id);
              if (ids.size === 0) index.delete(value);
            }
          }
        }
      }
      for (const block of blocks.filter((block) => block.number > number)) {
        byNumber.delete(block.number);
        byHash.delete(block.hash);
      }
      blocks = blocks.filter((block) => block.number <= number);
    },

    close: async () => backend?.close(),
  };
}
