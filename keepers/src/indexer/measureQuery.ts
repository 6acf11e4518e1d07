import {
  Kind,
  getNamedType,
  getNullableType,
  getOperationAST,
  isListType,
  isObjectType,
  valueFromAST,
  GraphQLInt,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";

/** Parameters of {@link measureQuery}. */
export type MeasureQueryParameters = {
  schema: GraphQLSchema;
  /** A parsed and validated document. */
  document: DocumentNode;
  operationName?: string;
  /** The request's variables (a `first: $n` counts with its value). */
  variables?: Readonly<Record<string, unknown>>;
  /** Depth past which measuring stops: the answer is then `maxDepth + 1`. */
  maxDepth: number;
};

/** What {@link measureQuery} returns. */
export type MeasureQueryReturnType = {
  /** Nested selection sets, the operation's own included (at most `maxDepth + 1`). */
  depth: number;
  /** The entities the query can potentially return (graph-node's complexity); 0 once too deep. */
  complexity: number;
};

type Measure = MeasureQueryReturnType;

/** The `first` of a collection when the query gives none (graph-node's default). */
const DEFAULT_FIRST = 100;

/**
 * The depth and complexity of the operation `operationName` of `document`, as graph-node
 * computes them before executing a query: depth counts nested selection sets (a fragment spread
 * or inline fragment opens one, as in graph-node); complexity sums, over the selection, each list
 * field's `first + first × (complexity of its selection)` (`first` defaulting to 100) and each
 * other object field's selection; scalar fields and introspection (`__schema`, `__type`) count 0.
 * A fragment is measured once however often it is spread.
 *
 * @example
 * const { depth, complexity } = measureQuery({ schema, document: parse("{ jobs { bids { id } } }"), maxDepth: 255 });
 * // depth 3, complexity 100 + 100 × 100 = 10,100
 */
export function measureQuery({ schema, document, operationName, variables = {}, maxDepth }: MeasureQueryParameters): MeasureQueryReturnType {
  const operation = getOperationAST(document, operationName);
  const root = schema.getQueryType();
  if (!operation || !root) return { depth: 0, complexity: 0 };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const measuredFragments = new Map<string, Measure>();

  /** The selection set's own level plus its deepest child's, and its complexity; stops past maxDepth. */
  const measure = (type: GraphQLNamedType, selectionSet: SelectionSetNode, level: number): Measure => {
    if (level > maxDepth) return { depth: 1, complexity: 0 };
    let depth = 0;
    let complexity = 0;
    for (const selection of selectionSet.selections) {
      let inner: Measure | undefined;
      if (selection.kind === Kind.FIELD) {
        const field = isObjectType(type) ? type.getFields()[selection.name.value] : undefined;
        if (!field || !selection.selectionSet) continue;
        inner = measure(getNamedType(field.type), selection.selectionSet, level + 1);
        if (isListType(getNullableType(field.type))) {
          const given = selection.arguments?.find((argument) => argument.name.value === "first");
          const value = given ? valueFromAST(given.value, GraphQLInt, variables as Record<string, unknown>) : undefined;
          const first = Math.max(0, typeof value === "number" ? value : DEFAULT_FIRST);
          inner = { depth: inner.depth, complexity: first + first * inner.complexity };
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        inner = measure(on ?? type, selection.selectionSet, level + 1);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment) continue;
        // A fragment's own measure does not depend on where it is spread: its depth adds to the spread's level.
        let measured = measuredFragments.get(name);
        if (!measured) {
          measured = measure(schema.getType(fragment.typeCondition.name.value) ?? type, fragment.selectionSet, 1);
          measuredFragments.set(name, measured);
        }
        inner = measured;
      }
      depth = Math.max(depth, inner.depth);
      complexity += inner.complexity;
    }
    return { depth: depth + 1, complexity };
  };

  const { depth, complexity } = measure(root, operation.selectionSet, 1);
  return depth > maxDepth ? { depth: maxDepth + 1, complexity: 0 } : { depth, complexity };
}
