// Complexity: what a request costs and the per-minute budget it is charged against.
//
// The cost model (deterministic: it reads only the document and its variables, never the data):
//   cost(field)  = WRITE_COST (mutation root fields only)
//                + fanOut(field) × (unitCost(field's type) + cost(its selection set))
//   unitCost     = 10 for an Item (each item read is a row fetch), 1 for anything else
//   fanOut       = how many elements a list field is assumed to return, from its arguments:
//                  boards / items: ids.length, else limit (default 25);
//                  items_page / next_items_page / items_page_by_column_values: limit (default 25);
//                  columns / column_values: ids.length, else 10; updates: limit (default 25);
//                  any other list: 10; a non-list field: 1
//   `complexity` and `__typename` cost nothing, so asking for the budget does not spend it.
// monday's real numbers differ (its docs give only the budgets), but the shape is the same: nested list
// reads multiply, and writes are expensive.
//
// The budget follows monday's rate-limits doc: a per-minute window that starts with the first charged
// request and resets 60 seconds later; a request that does not fit is refused whole.
import {
  type DocumentNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode, Kind, getArgumentValues, getNamedType, getNullableType,
  isInterfaceType, isListType, isObjectType,
} from 'graphql';

export const WRITE_COST = 10_000;
export const ITEM_UNIT_COST = 10;
export const ASSUMED_LIST_SIZE = 10;
export const DEFAULT_COMPLEXITY_BUDGET = 10_000_000; // personal token, paid plan (rate-limits doc)
const WINDOW_MS = 60_000;

type Args = Record<string, unknown>;

function lengthOr(value: unknown, fallback: number): number {
  return Array.isArray(value) ? value.length : fallback;
}

function numberArg(args: Args, name: string, fallback: number): number {
  const value = args[name];
  return typeof value === 'number' ? value : fallback;
}

function fanOut(parent: string, field: string, args: Args, isList: boolean): number {
  switch (`${parent}.${field}`) {
    case 'Query.boards':
    case 'Query.items':
      return lengthOr(args['ids'], numberArg(args, 'limit', 25));
    case 'Query.items_page_by_column_values':
    case 'Query.next_items_page':
    case 'Board.items_page':
    case 'Group.items_page':
      return numberArg(args, 'limit', 25);
    case 'ItemsResponse.items':
      return 1; // the page already multiplied by its limit
    case 'Board.columns':
    case 'Item.column_values':
      return lengthOr(args['ids'], ASSUMED_LIST_SIZE);
    case 'Item.updates':
      return numberArg(args, 'limit', 25);
    default:
      return isList ? ASSUMED_LIST_SIZE : 1;
  }
}

interface Walk {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Args;
}

function selectionCost(walk: Walk, selectionSet: SelectionSetNode, parent: GraphQLNamedType, isRoot: 'query' | 'mutation' | false): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name === '__typename' || (name === 'complexity' && isRoot)) continue;
      if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
      const def: GraphQLField<unknown, unknown> | undefined = parent.getFields()[name];
      if (!def) continue;
      const args = getArgumentValues(def, selection, walk.variables) as Args;
      const type = getNamedType(def.type);
      const children = selection.selectionSet ? selectionCost(walk, selection.selectionSet, type, false) : 0;
      const unit = type.name === 'Item' ? ITEM_UNIT_COST : 1;
      const base = isRoot === 'mutation' ? WRITE_COST : 0;
      total += base + fanOut(parent.name, name, args, isListType(getNullableType(def.type))) * (unit + children);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent;
      if (type) total += selectionCost(walk, selection.selectionSet, type, isRoot);
    } else {
      const fragment = walk.fragments.get(selection.name.value);
      const type = fragment && walk.schema.getType(fragment.typeCondition.name.value);
      if (fragment && type) total += selectionCost(walk, fragment.selectionSet, type, isRoot);
    }
  }
  return total;
}

/** The cost of one operation of a validated document, with its variables already coerced. */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Args): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return 0;
  return selectionCost({ schema, fragments, variables }, operation.selectionSet, root, operation.operation === 'mutation' ? 'mutation' : 'query');
}

export interface ComplexityReading {
  readonly before: number;
  readonly after: number;
  readonly query: number;
  readonly reset_in_x_seconds: number;
}

export type Charge = { readonly ok: true; readonly reading: ComplexityReading } | { readonly ok: false; readonly retryInSeconds: number };

export class ComplexityBudget {
  private windowStart: number | undefined;
  private used = 0;

  constructor(readonly limit: number, private readonly clock: () => number) {}

  private roll(now: number): void {
    if (this.windowStart !== undefined && now >= this.windowStart + WINDOW_MS) {
      this.windowStart = undefined;
      this.used = 0;
    }
  }

  remaining(): number {
    this.roll(this.clock());
    return this.limit - this.used;
  }

  resetInSeconds(): number {
    const now = this.clock();
    this.roll(now);
    if (this.windowStart === undefined) return WINDOW_MS / 1000;
    return Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - now) / 1000));
  }

  charge(cost: number): Charge {
    const now = this.clock();
    this.roll(now);
    const before = this.limit - this.used;
    if (cost > before) return { ok: false, retryInSeconds: this.resetInSeconds() };
    this.windowStart ??= now;
    this.used += cost;
    return { ok: true, reading: { before, after: before - cost, query: cost, reset_in_x_seconds: this.resetInSeconds() } };
  }
}
