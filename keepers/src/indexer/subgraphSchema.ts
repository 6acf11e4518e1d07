import { Kind, parse, type FieldDefinitionNode, type TypeNode } from "graphql";
import { VeritrainError } from "../errors.ts";

/** The scalar types of a subgraph schema. */
export type ScalarName = "ID" | "String" | "Bytes" | "BigInt" | "BigDecimal" | "Int" | "Int8" | "Boolean" | "Timestamp";

/** One field of an entity type. */
export type FieldDescriptor = Readonly<{
  name: string;
  /** The scalar the field stores: an enum stores a String, a reference stores the referenced entity's id type. */
  scalar: ScalarName;
  /** The named type as written: a scalar, an enum or an entity. */
  typeName: string;
  list: boolean;
  required: boolean;
  /** The referenced entity type, for a reference or a derived field. */
  entity?: string;
  /** The enum, for an enum field. */
  enumName?: string;
  /** The field of `entity` pointing back here (`@derivedFrom(field:)`); such a field is not stored. */
  derivedFrom?: string;
}>;

/** One `@entity` type. */
export type EntityDescriptor = Readonly<{
  name: string;
  immutable: boolean;
  /** `Bytes` or `String` (an `ID!`). */
  idScalar: "Bytes" | "String";
  /** Every field, derived ones included, in schema order. */
  fields: readonly FieldDescriptor[];
  /** The collection field's name, e.g. `storageProviders`. */
  collectionName: string;
  /** The single-entity field's name, e.g. `storageProvider`. */
  singleName: string;
  description?: string;
}>;

/** A parsed subgraph schema. */
export type SubgraphSchema = Readonly<{
  source: string;
  entities: ReadonlyMap<string, EntityDescriptor>;
  enums: ReadonlyMap<string, readonly string[]>;
}>;

const SCALARS = new Set(["ID", "String", "Bytes", "BigInt", "BigDecimal", "Int", "Int8", "Boolean", "Timestamp"]);

function invalid(message: string): VeritrainError {
  return new VeritrainError(`subgraph schema: ${message}`, { code: "SUBGRAPH_SCHEMA_INVALID" });
}

/**
 * graph-node's plural of an entity name (the `inflector` crate's English rules for the endings
 * that occur in entity names), with a lower-case first letter.
 */
export function collectionName(entity: string): string {
  const single = entity[0]!.toLowerCase() + entity.slice(1);
  if (/[^aeiou]y$/.test(single)) return `${single.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(single)) return `${single}es`;
  return `${single}s`;
}

function unwrap(type: TypeNode): { name: string; list: boolean; required: boolean } {
  const required = type.kind === Kind.NON_NULL_TYPE;
  const inner = type.kind === Kind.NON_NULL_TYPE ? type.type : type;
  if (inner.kind === Kind.LIST_TYPE) {
    const element = inner.type.kind === Kind.NON_NULL_TYPE ? inner.type.type : inner.type;
    if (element.kind !== Kind.NAMED_TYPE) throw invalid("nested lists are not supported");
    return { name: element.name.value, list: true, required };
  }
  return { name: (inner as { name: { value: string } }).name.value, list: false, required };
}

function argument(node: FieldDefinitionNode, directive: string, name: string): string | undefined {
  const found = node.directives?.find((d) => d.name.value === directive)?.arguments?.find((a) => a.name.value === name);
  return found?.value.kind === Kind.STRING ? found.value.value : undefined;
}

/**
 * Reads a subgraph's schema.graphql into entity and enum descriptors.
 *
 * @example
 * const schema = parseSubgraphSchema(readFileSync("subgraph/schema.graphql", "utf8"));
 * schema.entities.get("Dataset")?.fields;
 */
export function parseSubgraphSchema(source: string): SubgraphSchema {
  const document = parse(source);
  const enums = new Map<string, string[]>();
  const entityNodes = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION) enums.set(definition.name.value, (definition.values ?? []).map((v) => v.name.value));
    else if (definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.directives?.some((d) => d.name.value === "entity")) entityNodes.push(definition);
    else throw invalid(`unsupported definition ${"name" in definition ? definition.name?.value : definition.kind}`);
  }
  const idScalars = new Map<string, "Bytes" | "String">();
  for (const node of entityNodes) {
    const id = node.fields?.find((f) => f.name.value === "id");
    const type = id && unwrap(id.type);
    if (!type || !type.required || type.list || !["ID", "String", "Bytes"].includes(type.name)) throw invalid(`${node.name.value}.id must be ID!, String! or Bytes!`);
    idScalars.set(node.name.value, type.name === "Bytes" ? "Bytes" : "String");
  }
  const entities = new Map<string, EntityDescriptor>();
  for (const node of entityNodes) {
    const name = node.name.value;
    const immutableArgument = node.directives!.find((d) => d.name.value === "entity")!.arguments?.find((a) => a.name.value === "immutable");
    const fields = (node.fields ?? []).map((field): FieldDescriptor => {
      const { name: typeName, list, required } = unwrap(field.type);
      const derivedFrom = argument(field, "derivedFrom", "field");
      if (SCALARS.has(typeName)) return { name: field.name.value, scalar: (typeName === "ID" ? "String" : typeName) as ScalarName, typeName, list, required };
      if (enums.has(typeName)) return { name: field.name.value, scalar: "String", typeName, list, required, enumName: typeName };
      const target = idScalars.get(typeName);
      if (!target) throw invalid(`${name}.${field.name.value} has unknown type ${typeName}`);
      return { name: field.name.value, scalar: target, typeName, list, required, entity: typeName, ...(derivedFrom ? { derivedFrom } : {}) };
    });
    entities.set(name, {
      name,
      immutable: immutableArgument?.value.kind === Kind.BOOLEAN && immutableArgument.value.value,
      idScalar: idScalars.get(name)!,
      fields,
      collectionName: collectionName(name),
      singleName: name[0]!.toLowerCase() + name.slice(1),
      ...(node.description ? { description: node.description.value } : {}),
    });
  }
  return { source, entities, enums };
}
