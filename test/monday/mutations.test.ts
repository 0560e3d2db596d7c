// The one builder of batched mutations (src/monday/mutations.ts): aliased fields with their own variables,
// $board declared only when a field needs it, and documents that validate against monday's schema.
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { findSchemaFile } from '../../src/monday/emulator/index.js';
import { appliedOf, batchMutation } from '../../src/monday/mutations.js';

const schema = buildSchema(readFileSync(findSchemaFile(), 'utf8'));
const valid = (query: string) => validate(schema, parse(query)).map((e) => e.message);

describe('batched mutations', () => {
  it('creates items, each with its name and values', () => {
    const doc = batchMutation('Create', 'c', '42', [{ kind: 'createItem', name: 'Acme', values: { text: 'acme.com' } }, { kind: 'createItem', name: 'Globex', values: {} }]);
    expect(doc.query).toBe('mutation Create($board: ID!, $n0: String!, $v0: JSON, $n1: String!, $v1: JSON) { complexity { before after query reset_in_x_seconds } c0: create_item(board_id: $board, item_name: $n0, column_values: $v0) { id } c1: create_item(board_id: $board, item_name: $n1, column_values: $v1) { id } }');
    expect(doc.variables).toEqual({ board: '42', n0: 'Acme', v0: '{"text":"acme.com"}', n1: 'Globex', v1: '{}' });
    expect(doc.ops).toBe(2);
    expect(valid(doc.query)).toEqual([]);
  });

  it('mixes column writes and updates; comments alone need no board', () => {
    const mixed = batchMutation('Push', 'm', '42', [{ kind: 'changeColumns', itemId: '7', values: { name: 'Acme' } }, { kind: 'createUpdate', itemId: '7', body: 'hello' }]);
    expect(mixed.query).toBe('mutation Push($board: ID!, $i0: ID!, $v0: JSON!, $i1: ID!, $b1: String!) { complexity { before after query reset_in_x_seconds } m0: change_multiple_column_values(board_id: $board, item_id: $i0, column_values: $v0) { id } m1: create_update(item_id: $i1, body: $b1) { id } }');
    expect(mixed.variables).toEqual({ board: '42', i0: '7', v0: '{"name":"Acme"}', i1: '7', b1: 'hello' });
    const comments = batchMutation('Push', 'm', '42', [{ kind: 'createUpdate', itemId: '7', body: 'hello' }]);
    expect(comments.query).toBe('mutation Push($i0: ID!, $b0: String!) { complexity { before after query reset_in_x_seconds } m0: create_update(item_id: $i0, body: $b0) { id } }');
    expect(comments.variables).toEqual({ i0: '7', b0: 'hello' });
    for (const d of [mixed, comments]) expect(valid(d.query)).toEqual([]);
  });

  it('reads the answer per alias: applied with its id, or the error at that alias', () => {
    const err = { message: 'Item not found in board', path: ['m1'], extensions: { code: 'ResourceNotFoundException' } };
    expect(appliedOf({ kind: 'done', data: { m0: { id: '9' }, m1: null }, errors: [err], complexity: null }, 'm', 2)).toEqual([
      { applied: true, id: '9', error: undefined },
      { applied: false, id: null, error: err },
    ]);
  });
});
