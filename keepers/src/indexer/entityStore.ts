import type { Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import type { EntityData, MappingStore } from "./mappingHost.ts";
import type { SqlBackend } from "./sqlBackend.ts";
import type { EntityDescriptor, FieldDescriptor, SubgraphSchema } from "./subgraphSchema.ts";

/** A block the store has indexed. */
export type BlockPointer = Readonly<{ number: number; hash: Hex; parentHash: Hex; timestamp: number }>;

/** One version of an entity: valid from block `from` (inclusive) to `to` (exclusive; open while undefined). */
type Version = { from: number; to?: number; data: EntityData };

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
  /** Every entity of type `entity` as of block `at`. */
  all(entity: string, at?: number): EntityData[];
  /**
   * Indexes block `block`: `write` runs the block's handlers against a view of the store that
   * sees its own writes; then every change is checked against the schema and committed in one
   * transaction. If `write` or a check throws, nothing is stored.
   */
  writeBlock(block: BlockPointer, write: (store: MappingStore) => void | Promise<void>): Promise<void>;
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

/**
 * Opens the entity store: loads the persisted versions (if a backend is given) into memory,
 * where queries run; every block's changes are written through to the backend first.
 *
 * @example
 * const store = await openEntityStore({ schema, backend: await openPgliteBackend(dir), deployment });
 * await store.writeBlock(block, (s) => mappings.handle(trigger, s));
 */
export async function openEntityStore({ schema, backend, deployment }: OpenEntityStoreParameters): Promise<EntityStore> {
  const versions = new Map<string, Map<string, Version[]>>([...schema.entities.keys()].map((name) => [name, new Map()]));
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
      const byId = versions.get(row.entity);
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

  const descriptor = (entity: string) => {
    const found = schema.entities.get(entity);
    if (!found) throw new VeritrainError(`unknown entity type ${entity}`, { code: "MAPPING_FAILED" });
    return found;
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
    const last = versions.get(entity)!.get(id)?.at(-1);
    return last && last.to === undefined ? last : undefined;
  };

  return {
    head,
    block: (number) => blocks.find((block) => block.number === number),
    blockByHash: (hash) => blocks.find((block) => block.hash === hash.toLowerCase()),
    recentBlocks: () => blocks.slice().reverse(),
    get(entity, id, block = Number.MAX_SAFE_INTEGER) {
      descriptor(entity);
      return at(versions.get(entity)!.get(id), block)?.data ?? null;
    },
    all(entity, block = Number.MAX_SAFE_INTEGER) {
      descriptor(entity);
      const found: EntityData[] = [];
      for (const list of versions.get(entity)!.values()) {
        const version = at(list, block);
        if (version) found.push(version.data);
      }
      return found;
    },

    async writeBlock(block, write) {
      const previous = head();
      if (previous && block.number <= previous.number) {
        throw new VeritrainError(`block ${block.number} is not after the head ${previous.number}`, { code: "INDEXER_BLOCK_ORDER" });
      }
      const changes = new Map<string, Map<string, EntityData>>();
      await write({
        get(entity, id) {
          descriptor(entity);
          return changes.get(entity)?.get(id) ?? latest(entity, id)?.data ?? null;
        },
        set(entity, id, data) {
          const type = descriptor(entity);
          checkEntity(schema, type, id, data);
          if (type.immutable && latest(entity, id)) throw invalidEntity(entity, id, "is immutable; it was already stored");
          let byId = changes.get(entity);
          if (!byId) changes.set(entity, (byId = new Map()));
          byId.set(id, data);
        },
      });
      const rows = [...changes].flatMap(([entity, byId]) => [...byId].map(([id, data]) => ({ entity, id, data })));
      const pointer = { ...block, hash: block.hash.toLowerCase() as Hex, parentHash: block.parentHash.toLowerCase() as Hex };
      if (backend) {
        await backend.transaction(async (query) => {
          if (rows.length > 0) {
            const keys = JSON.stringify(rows.map(({ entity, id }) => ({ entity, id })));
            await query(
              `UPDATE entity_versions v SET block_to = $1 FROM jsonb_to_recordset($2::jsonb) AS c(entity text, id text)
               WHERE v.entity = c.entity AND v.id = c.id AND v.block_to IS NULL`,
              [block.number, keys],
            );
            await query(
              `INSERT INTO entity_versions (entity, id, block_from, data)
               SELECT entity, id, $1, data FROM jsonb_to_recordset($2::jsonb) AS c(entity text, id text, data jsonb)`,
              [block.number, JSON.stringify(rows)],
            );
          }
          await query("INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES ($1, $2, $3, $4)", [
            block.number,
            pointer.hash,
            pointer.parentHash,
            block.timestamp,
          ]);
        });
      }
      for (const { entity, id, data } of rows) {
        const byId = versions.get(entity)!;
        let list = byId.get(id);
        if (!list) byId.set(id, (list = []));
        const open = list.at(-1);
        if (open && open.to === undefined) open.to = block.number;
        list.push({ from: block.number, data });
      }
      blocks.push(pointer);
    },

    async revertTo(number) {
      if (backend) {
        await backend.transaction(async (query) => {
          await query("DELETE FROM entity_versions WHERE block_from > $1", [number]);
          await query("UPDATE entity_versions SET block_to = NULL WHERE block_to > $1", [number]);
          await query("DELETE FROM blocks WHERE number > $1", [number]);
        });
      }
      for (const byId of versions.values()) {
        for (const [id, list] of byId) {
          while (list.length > 0 && list.at(-1)!.from > number) list.pop();
          const last = list.at(-1);
          if (last && last.to !== undefined && last.to > number) delete last.to;
          if (list.length === 0) byId.delete(id);
        }
      }
      blocks = blocks.filter((block) => block.number <= number);
    },

    close: async () => backend?.close(),
  };
}
