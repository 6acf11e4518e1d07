import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bytesToHex, decodeEventLog, hexToBytes, toEventSelector, type Block, type Hex, type Log, type Transaction } from "viem";
import { VeritrainError } from "../errors.ts";
import { SUBGRAPH_CONTRACTS, type AbiEvent, type SubgraphContractName } from "./subgraphContracts.ts";
import type { EntityDescriptor, FieldDescriptor, SubgraphSchema } from "./subgraphSchema.ts";

/**
 * An entity as the runner stores it: field name → JSON value (BigInt, BigDecimal and Int8 as
 * decimal strings, Bytes as 0x-hex, references as the referenced id). Derived and null fields
 * are absent.
 */
export type EntityData = Record<string, unknown>;

/** What a mapping reads and writes through `store.get` / `store.set`. */
export type MappingStore = {
  get(entity: string, id: string): EntityData | null;
  set(entity: string, id: string, data: EntityData): void;
};

/** One event log to feed to its handler, with its block and transaction (viem shapes). */
export type LogTrigger = {
  contract: SubgraphContractName;
  log: Log<bigint, number, false>;
  block: Block<bigint, false>;
  transaction?: Transaction<bigint, number, false>;
};

/** The built subgraph's mappings, ready to run. */
export type Mappings = {
  /** topic0 → event ABI, by contract. */
  events: ReadonlyMap<SubgraphContractName, ReadonlyMap<Hex, AbiEvent>>;
  /** Runs the handler of `trigger`'s event; throws a VeritrainError (MAPPING_FAILED) when the mapping aborts. */
  handle(trigger: LogTrigger, store: MappingStore): void;
};

/** Parameters of {@link loadMappings}. */
export type LoadMappingsParameters = {
  /** `graph build`'s output folder (default subgraph/build). */
  buildDir?: string;
  /** Where the ABIs are (default subgraph/abis). */
  abiDir?: string;
  schema: SubgraphSchema;
};

const root = new URL("../../../", import.meta.url).pathname;

/** The slice of the WebAssembly global used here; the project's `lib` (es2023, no DOM) does not declare it. */
type WasmModule = object;
type WebAssemblyRuntime = {
  Module: { new (bytes: Uint8Array): WasmModule; imports(module: WasmModule): { module: string; name: string }[] };
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
};
const WebAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyRuntime }).WebAssembly;

// graph-ts TypeId discriminants (global/global.ts): the host asks `id_of_type` for the runtime id.
const TypeId = {
  String: 0,
  ArrayBuffer: 1,
  Uint8Array: 6,
  ArrayEthereumValue: 15,
  ArrayStoreValue: 16,
  ArrayEventParam: 19,
  ArrayTypedMapEntryStringStoreValue: 21,
  EventParam: 23,
  EthereumTransaction: 24,
  EthereumBlock: 25,
  EthereumValue: 30,
  StoreValue: 31,
  EthereumEvent: 33,
  TypedMapEntryStringStoreValue: 34,
  TypedMapStringStoreValue: 36,
} as const;

// ethereum.ValueKind and the store's ValueKind (graph-ts chain/ethereum.ts, common/value.ts).
const EthereumKind = { ADDRESS: 0, FIXED_BYTES: 1, BYTES: 2, INT: 3, UINT: 4, BOOL: 5, STRING: 6, FIXED_ARRAY: 7, ARRAY: 8, TUPLE: 9 } as const;
const StoreKind = { STRING: 0, INT: 1, BIGDECIMAL: 2, BOOL: 3, ARRAY: 4, NULL: 5, BYTES: 6, BIGINT: 7, INT8: 8, TIMESTAMP: 9 } as const;

/** Minimal two's-complement little-endian bytes of `value` (graph-node's BigInt encoding). */
export function bigIntToBytes(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  for (;;) {
    const byte = Number(rest & 0xffn);
    bytes.push(byte);
    rest >>= 8n;
    if ((rest === 0n && (byte & 0x80) === 0) || (rest === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(bytes);
}

/** Inverse of {@link bigIntToBytes}. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes.length > 0 && (bytes[bytes.length - 1]! & 0x80) !== 0) value -= 1n << BigInt(8 * bytes.length);
  return value;
}

type Exports = {
  memory: { buffer: ArrayBuffer };
  __new(size: number, id: number): number;
  __pin(ptr: number): number;
  __unpin(ptr: number): void;
  id_of_type(typeId: number): number;
  _start?: () => void;
  [handler: string]: unknown;
};

/**
 * The AssemblyScript heap of one mapping instance: reads the objects the mapping hands over and
 * allocates the ones the host hands in (pinned until {@link AscHeap.release}, so the incremental
 * collector cannot free them while the host is still linking them).
 */
class AscHeap {
  readonly #exports: Exports;
  readonly #ids = new Map<number, number>();
  readonly #pinned: number[] = [];

  constructor(exports: Exports) {
    this.#exports = exports;
  }

  get #view() {
    return new DataView(this.#exports.memory.buffer);
  }

  #id(typeId: number): number {
    let id = this.#ids.get(typeId);
    if (id === undefined) this.#ids.set(typeId, (id = this.#exports.id_of_type(typeId)));
    return id;
  }

  #new(size: number, typeId: number): number {
    const ptr = this.#exports.__new(size, this.#id(typeId));
    this.#exports.__pin(ptr);
    this.#pinned.push(ptr);
    return ptr;
  }

  release(): void {
    for (const ptr of this.#pinned.splice(0)) this.#exports.__unpin(ptr);
  }

  u32(ptr: number): number {
    return this.#view.getUint32(ptr, true);
  }

  readString(ptr: number): string {
    const length = this.u32(ptr - 4);
    return Buffer.from(this.#exports.memory.buffer, ptr, length).toString("utf16le");
  }

  readBytes(ptr: number): Uint8Array {
    const view = this.#view;
    const start = view.getUint32(ptr + 4, true);
    const length = view.getUint32(ptr + 8, true);
    return new Uint8Array(this.#exports.memory.buffer.slice(start, start + length));
  }

  readArray(ptr: number): number[] {
    const view = this.#view;
    const start = view.getUint32(ptr + 4, true);
    const length = view.getUint32(ptr + 12, true);
    return Array.from({ length }, (_, i) => view.getUint32(start + 4 * i, true));
  }

  /** A store or ethereum Value: `{ kind: i32; data: u64 }`. */
  readValue(ptr: number): { kind: number; data: bigint } {
    const view = this.#view;
    return { kind: view.getInt32(ptr, true), data: view.getBigUint64(ptr + 8, true) };
  }

  writeString(value: string): number {
    const bytes = Buffer.from(value, "utf16le");
    const ptr = this.#new(bytes.length, TypeId.String);
    new Uint8Array(this.#exports.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  writeBytes(bytes: Uint8Array): number {
    const buffer = this.#new(bytes.length, TypeId.ArrayBuffer);
    new Uint8Array(this.#exports.memory.buffer, buffer, bytes.length).set(bytes);
    return this.writeStruct(TypeId.Uint8Array, [buffer, buffer, bytes.length]);
  }

  writeBigInt(value: bigint): number {
    return this.writeBytes(bigIntToBytes(value));
  }

  /** An object whose fields are all 32-bit (pointers, i32). */
  writeStruct(typeId: number, fields: number[]): number {
    const ptr = this.#new(4 * fields.length, typeId);
    const view = this.#view;
    fields.forEach((field, i) => view.setUint32(ptr + 4 * i, field, true));
    return ptr;
  }

  writeArray(typeId: number, elements: number[]): number {
    const buffer = this.#new(4 * elements.length, TypeId.ArrayBuffer);
    const view = this.#view;
    elements.forEach((element, i) => view.setUint32(buffer + 4 * i, element, true));
    return this.writeStruct(typeId, [buffer, buffer, 4 * elements.length, elements.length]);
  }

  writeValue(typeId: number, kind: number, data: bigint): number {
    const ptr = this.#new(16, typeId);
    const view = this.#view;
    view.setInt32(ptr, kind, true);
    view.setBigUint64(ptr + 8, data, true);
    return ptr;
  }
}

// ---------------------------------------------------------------- event parameters

type AbiParameter = AbiEvent["inputs"][number];

function writeEthereumValue(heap: AscHeap, parameter: AbiParameter, value: unknown): number {
  const type = parameter.type;
  const make = (kind: number, data: number | bigint) => heap.writeValue(TypeId.EthereumValue, kind, BigInt(data));
  const list = /^(.*)\[(\d*)\]$/.exec(type);
  if (list) {
    const element = { ...parameter, type: list[1]! } as AbiParameter;
    const items = (value as unknown[]).map((item) => writeEthereumValue(heap, element, item));
    return make(list[2] === "" ? EthereumKind.ARRAY : EthereumKind.FIXED_ARRAY, heap.writeArray(TypeId.ArrayEthereumValue, items));
  }
  if (type === "tuple") {
    const components = (parameter as { components: readonly AbiParameter[] }).components;
    const record = value as Record<string, unknown> & unknown[];
    const items = components.map((component, i) => writeEthereumValue(heap, component, component.name ? record[component.name as keyof typeof record] : record[i]));
    return make(EthereumKind.TUPLE, heap.writeArray(TypeId.ArrayEthereumValue, items));
  }
  if (type === "address") return make(EthereumKind.ADDRESS, heap.writeBytes(hexToBytes(value as Hex)));
  if (type === "bool") return make(EthereumKind.BOOL, value ? 1 : 0);
  if (type === "string") return make(EthereumKind.STRING, heap.writeString(value as string));
  if (type === "bytes") return make(EthereumKind.BYTES, heap.writeBytes(hexToBytes(value as Hex)));
  if (type.startsWith("bytes")) return make(EthereumKind.FIXED_BYTES, heap.writeBytes(hexToBytes(value as Hex)));
  if (type.startsWith("uint")) return make(EthereumKind.UINT, heap.writeBigInt(BigInt(value as bigint)));
  if (type.startsWith("int")) return make(EthereumKind.INT, heap.writeBigInt(BigInt(value as bigint)));
  throw new VeritrainError(`event parameter type ${type} is not supported`, { code: "MAPPING_UNSUPPORTED", details: { type } });
}

function isDynamic(type: string): boolean {
  return type === "string" || type === "bytes" || type.endsWith("]") || type === "tuple";
}

function writeEvent(heap: AscHeap, { log, block, transaction }: LogTrigger, event: AbiEvent): number {
  const decoded = decodeEventLog({ abi: [event], data: log.data, topics: log.topics as [Hex, ...Hex[]], strict: true });
  const args = decoded.args as unknown as Record<string, unknown>;
  const parameters = event.inputs.map((input, i) => {
    // An indexed dynamic parameter is only its keccak hash in the topics (graph-node passes the hash).
    const indexedHash = input.indexed && isDynamic(input.type);
    const value = indexedHash
      ? heap.writeValue(TypeId.EthereumValue, EthereumKind.FIXED_BYTES, BigInt(heap.writeBytes(hexToBytes(log.topics[1 + event.inputs.slice(0, i).filter((x) => x.indexed).length]!))))
      : writeEthereumValue(heap, input, args[input.name ?? String(i)]);
    return heap.writeStruct(TypeId.EventParam, [heap.writeString(input.name ?? ""), value]);
  });
  const bytes = (hex: Hex | null | undefined) => heap.writeBytes(hexToBytes(hex ?? "0x"));
  const big = (value: bigint | number | null | undefined) => heap.writeBigInt(BigInt(value ?? 0));
  const blockPtr = heap.writeStruct(TypeId.EthereumBlock, [
    bytes(block.hash),
    bytes(block.parentHash),
    bytes(block.sha3Uncles),
    bytes(block.miner),
    bytes(block.stateRoot),
    bytes(block.transactionsRoot),
    bytes(block.receiptsRoot),
    big(block.number),
    big(block.gasUsed),
    big(block.gasLimit),
    big(block.timestamp),
    big(block.difficulty),
    big(block.totalDifficulty),
    big(block.size),
    block.baseFeePerGas === null || block.baseFeePerGas === undefined ? 0 : big(block.baseFeePerGas),
  ]);
  const transactionPtr = heap.writeStruct(TypeId.EthereumTransaction, [
    bytes(log.transactionHash),
    big(log.transactionIndex),
    bytes(transaction?.from ?? "0x0000000000000000000000000000000000000000"),
    transaction?.to ? bytes(transaction.to) : 0,
    big(transaction?.value),
    big(transaction?.gas),
    big(transaction?.gasPrice),
    bytes(transaction?.input),
    big(transaction?.nonce),
  ]);
  return heap.writeStruct(TypeId.EthereumEvent, [
    bytes(log.address),
    big(log.logIndex),
    big(log.logIndex),
    0,
    blockPtr,
    transactionPtr,
    heap.writeArray(TypeId.ArrayEventParam, parameters),
    0,
  ]);
}

// ---------------------------------------------------------------- entities

function readStoreValue(heap: AscHeap, ptr: number): unknown {
  const { kind, data } = heap.readValue(ptr);
  const pointer = Number(data & 0xffffffffn);
  switch (kind) {
    case StoreKind.STRING:
      return heap.readString(pointer);
    case StoreKind.INT:
      return Number(BigInt.asIntN(32, data));
    case StoreKind.BIGDECIMAL:
      return bigDecimalToString(heap, pointer);
    case StoreKind.BOOL:
      return data !== 0n;
    case StoreKind.ARRAY:
      return heap.readArray(pointer).map((element) => readStoreValue(heap, element));
    case StoreKind.NULL:
      return null;
    case StoreKind.BYTES:
      return bytesToHex(heap.readBytes(pointer));
    case StoreKind.BIGINT:
      return bytesToBigInt(heap.readBytes(pointer)).toString();
    case StoreKind.INT8:
    case StoreKind.TIMESTAMP:
      return BigInt.asIntN(64, data).toString();
    default:
      throw new VeritrainError(`unknown store value kind ${kind}`, { code: "MAPPING_FAILED" });
  }
}

function bigDecimalToString(heap: AscHeap, ptr: number): string {
  const digits = bytesToBigInt(heap.readBytes(heap.u32(ptr)));
  const exp = Number(bytesToBigInt(heap.readBytes(heap.u32(ptr + 4))));
  if (exp >= 0) return (digits * 10n ** BigInt(exp)).toString();
  const sign = digits < 0n ? "-" : "";
  const magnitude = (digits < 0n ? -digits : digits).toString().padStart(-exp + 1, "0");
  const point = magnitude.length + exp;
  return `${sign}${magnitude.slice(0, point)}.${magnitude.slice(point)}`.replace(/\.?0+$/, "");
}

function writeStoreValue(heap: AscHeap, field: FieldDescriptor, value: unknown, inList = false): number {
  const make = (kind: number, data: number | bigint) => heap.writeValue(TypeId.StoreValue, kind, BigInt(data));
  if (value === null || value === undefined) return make(StoreKind.NULL, 0);
  if (field.list && !inList) {
    return make(StoreKind.ARRAY, heap.writeArray(TypeId.ArrayStoreValue, (value as unknown[]).map((item) => writeStoreValue(heap, field, item, true))));
  }
  switch (field.scalar) {
    case "String":
      return make(StoreKind.STRING, heap.writeString(value as string));
    case "Bytes":
      return make(StoreKind.BYTES, heap.writeBytes(hexToBytes(value as Hex)));
    case "BigInt":
      return make(StoreKind.BIGINT, heap.writeBigInt(BigInt(value as string)));
    case "Int":
      return make(StoreKind.INT, BigInt.asUintN(64, BigInt(value as number)));
    case "Int8":
      return make(StoreKind.INT8, BigInt.asUintN(64, BigInt(value as string)));
    case "Timestamp":
      return make(StoreKind.TIMESTAMP, BigInt.asUintN(64, BigInt(value as string)));
    case "Boolean":
      return make(StoreKind.BOOL, value ? 1 : 0);
    default:
      throw new VeritrainError(`store.get of a ${field.scalar} field is not supported`, { code: "MAPPING_UNSUPPORTED" });
  }
}

function readEntity(heap: AscHeap, ptr: number): EntityData {
  const data: EntityData = {};
  for (const entry of heap.readArray(heap.u32(ptr))) {
    const value = readStoreValue(heap, heap.u32(entry + 4));
    if (value !== null) data[heap.readString(heap.u32(entry))] = value;
  }
  return data;
}

function writeEntity(heap: AscHeap, entity: EntityDescriptor, data: EntityData): number {
  const entries = entity.fields
    .filter((field) => data[field.name] !== undefined && data[field.name] !== null)
    .map((field) => heap.writeStruct(TypeId.TypedMapEntryStringStoreValue, [heap.writeString(field.name), writeStoreValue(heap, field, data[field.name])]));
  return heap.writeStruct(TypeId.TypedMapStringStoreValue, [heap.writeArray(TypeId.ArrayTypedMapEntryStringStoreValue, entries)]);
}

// ---------------------------------------------------------------- host

/** The graph-node host functions these mappings import, bound to one instance's heap. */
function hostImports(heapOf: () => AscHeap, schema: SubgraphSchema, store: () => MappingStore) {
  const bigInt = (ptr: number) => bytesToBigInt(heapOf().readBytes(ptr));
  const binary = (op: (a: bigint, b: bigint) => bigint) => (a: number, b: number) => heapOf().writeBigInt(op(bigInt(a), bigInt(b)));
  const entityType = (name: string) => {
    const entity = schema.entities.get(name);
    if (!entity) throw new VeritrainError(`mapping used unknown entity type ${name}`, { code: "MAPPING_FAILED" });
    return entity;
  };
  return {
    env: {
      abort(message: number, file: number, line: number, column: number) {
        const heap = heapOf();
        const text = message ? heap.readString(message) : "abort";
        throw new VeritrainError(`mapping aborted: ${text} (${file ? heap.readString(file) : "?"}:${line}:${column})`, { code: "MAPPING_FAILED" });
      },
    },
    conversion: {
      "typeConversion.bytesToHex": (ptr: number) => heapOf().writeString(bytesToHex(heapOf().readBytes(ptr))),
      "typeConversion.bigIntToString": (ptr: number) => heapOf().writeString(bigInt(ptr).toString()),
    },
    numbers: {
      "bigInt.plus": binary((a, b) => a + b),
      "bigInt.minus": binary((a, b) => a - b),
      "bigDecimal.toString": (ptr: number) => heapOf().writeString(bigDecimalToString(heapOf(), ptr)),
    },
    index: {
      "store.get": (entityPtr: number, idPtr: number) => {
        const heap = heapOf();
        const name = heap.readString(entityPtr);
        const data = store().get(name, heap.readString(idPtr));
        return data === null ? 0 : writeEntity(heap, entityType(name), data);
      },
      "store.set": (entityPtr: number, idPtr: number, dataPtr: number) => {
        const heap = heapOf();
        const name = heap.readString(entityPtr);
        entityType(name);
        store().set(name, heap.readString(idPtr), readEntity(heap, dataPtr));
      },
    },
  };
}

/**
 * Loads the built subgraph (`graph build` output) and returns a runner of its mappings that
 * implements the graph-node host functions the mappings import: each trigger runs in a fresh
 * WebAssembly instance (as in graph-node), with its event built in the instance's
 * AssemblyScript heap from a real log, its block and its transaction.
 *
 * @example
 * const mappings = loadMappings({ schema });
 * mappings.handle({ contract: "JobRegistry", log, block, transaction }, store);
 */
export function loadMappings({ buildDir = join(root, "subgraph/build"), abiDir = join(root, "subgraph/abis"), schema }: LoadMappingsParameters): Mappings {
  const modules = new Map<SubgraphContractName, WasmModule>();
  const events = new Map<SubgraphContractName, Map<Hex, AbiEvent>>();
  for (const contract of SUBGRAPH_CONTRACTS) {
    try {
      modules.set(contract, new WebAssembly.Module(readFileSync(join(buildDir, contract, `${contract}.wasm`))));
      const abi = JSON.parse(readFileSync(join(abiDir, `${contract}.json`), "utf8")) as AbiEvent[];
      events.set(contract, new Map(abi.map((event) => [toEventSelector(event), event])));
    } catch (cause) {
      throw new VeritrainError(`subgraph not built for ${contract}: run \`npm run subgraph:build\``, { code: "SUBGRAPH_NOT_BUILT", cause });
    }
  }
  let heap: AscHeap | undefined;
  let current: MappingStore | undefined;
  const imports = hostImports(() => heap!, schema, () => current!);
  for (const [contract, module] of modules) {
    for (const wanted of WebAssembly.Module.imports(module)) {
      const provided = (imports as Record<string, Record<string, unknown>>)[wanted.module]?.[wanted.name];
      if (!provided) {
        throw new VeritrainError(`the ${contract} mapping imports host function ${wanted.module}.${wanted.name}, which the runner does not provide`, {
          code: "MAPPING_UNSUPPORTED",
        });
      }
    }
  }
  return {
    events,
    handle(trigger, store) {
      const event = events.get(trigger.contract)?.get(trigger.log.topics[0]!);
      if (!event) return;
      const instance = new WebAssembly.Instance(modules.get(trigger.contract)!, imports);
      const exports = instance.exports as unknown as Exports;
      exports._start?.();
      heap = new AscHeap(exports);
      current = store;
      try {
        (exports[`handle${event.name}`] as (ptr: number) => void)(writeEvent(heap, trigger, event));
      } catch (error) {
        if (error instanceof VeritrainError) throw error;
        throw new VeritrainError(`mapping handle${event.name} failed: ${(error as Error).message}`, { code: "MAPPING_FAILED", cause: error });
      } finally {
        heap.release();
        heap = undefined;
        current = undefined;
      }
    },
  };
}
