// The one builder of batched monday mutations: several operations in one document, each under its own alias
// (c0, c1… or m0, m1…) with its own variables, so one request carries many items and one answer says, per
// alias, what was applied and what failed.
import { COMPLEXITY, type GqlDocument } from './session.js';
import { errorsByAlias, type GqlError, type Outcome } from './transport.js';

export type Mutation =
  | { kind: 'createItem'; name: string; values: Record<string, unknown> }
  | { kind: 'changeColumns'; itemId: string; values: Record<string, unknown> }
  | { kind: 'createUpdate'; itemId: string; body: string };

/** One operation: its variables (name → GraphQL type, value) and its field, given its index k. */
function field(m: Mutation, k: number): { vars: [string, string, unknown][]; text: string } {
  switch (m.kind) {
    case 'createItem': return {
      // column_values is nullable on create_item, required on change_multiple_column_values (monday's schema).
      vars: [[`n${k}`, 'String!', m.name], [`v${k}`, 'JSON', JSON.stringify(m.values)]],
      text: `create_item(board_id: $board, item_name: $n${k}, column_values: $v${k}) { id }`,
    };
    case 'changeColumns': return {
      vars: [[`i${k}`, 'ID!', m.itemId], [`v${k}`, 'JSON!', JSON.stringify(m.values)]],
      text: `change_multiple_column_values(board_id: $board, item_id: $i${k}, column_values: $v${k}) { id }`,
    };
    case 'createUpdate': return {
      vars: [[`i${k}`, 'ID!', m.itemId], [`b${k}`, 'String!', m.body]],
      text: `create_update(item_id: $i${k}, body: $b${k}) { id }`,
    };
  }
}

/** A batched mutation named `name`, its operations aliased `${alias}${k}`; $board is declared when one of them needs it. */
export function batchMutation(name: string, alias: string, board: string, ops: readonly Mutation[]): GqlDocument {
  const usesBoard = ops.some((m) => m.kind !== 'createUpdate');
  const variables: Record<string, unknown> = usesBoard ? { board } : {};
  const decl = usesBoard ? ['$board: ID!'] : [];
  const fields = ops.map((m, k) => {
    const f = field(m, k);
    for (const [v, type, value] of f.vars) { variables[v] = value; decl.push(`$${v}: ${type}`); }
    return `${alias}${k}: ${f.text}`;
  });
  return { query: `mutation ${name}(${decl.join(', ')}) { ${COMPLEXITY} ${fields.join(' ')} }`, variables, ops: ops.length };
}

/** What monday answered for each operation of a batch: whether it was applied (and the id), or the error at its alias. */
export type Applied = { applied: boolean; id: string | null; error: GqlError | undefined };

export function appliedOf(out: Extract<Outcome, { kind: 'done' }>, alias: string, count: number): Applied[] {
  const errors = errorsByAlias(out.errors);
  return Array.from({ length: count }, (_, k) => {
    const answer = out.data[`${alias}${k}`] as { id?: string } | null | undefined;
    return { applied: Boolean(answer), id: answer?.id ?? null, error: errors.get(`${alias}${k}`) };
  });
}
