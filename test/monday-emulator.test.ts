// The monday emulator answers the way api.monday.com does: the real SDK and raw HTTP on 127.0.0.1.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ApiClient, ClientError } from '@mondaydotcomorg/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Emulator, PROSPECTS_BOARD, PROSPECTS_BOARD_ID as BOARD, PROSPECTS_COLUMNS as COL, WRITE_COST, startEmulator,
} from '../src/monday/emulator/index.js';

// Not a real credential: a recognisable string to search the log for.
const TOKEN = 'emulator-test-token-3f9c2a71';
const START = Date.UTC(2026, 0, 15, 9, 0, 0);

interface Raw {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a GraphQL answer of any shape, read by each test as it expects
  json: any;
}

async function post(url: string, body: unknown, headers: Record<string, string> = { Authorization: TOKEN }): Promise<Raw> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function clientError(promise: Promise<unknown>): Promise<ClientError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

let now: number;
let em: Emulator;
let client: ApiClient;

beforeEach(async () => {
  now = START;
  em = await startEmulator({ clock: () => now });
  client = new ApiClient({ token: TOKEN, endpoint: em.url });
});

afterEach(async () => {
  await em.close();
});

const CREATE = `mutation ($board: ID!, $name: String!, $values: JSON) {
  create_item(board_id: $board, item_name: $name, column_values: $values) { id name }
}`;

async function createProspect(name: string, values: Record<string, unknown> = {}): Promise<string> {
  const r = await client.request<{ create_item: { id: string } }>(CREATE, { board: BOARD, name, values: JSON.stringify(values) });
  return r.create_item.id;
}

describe('every request is validated against the real monday schema', () => {
  it.each([
    ['a field monday does not have', '{ boards(ids: [18406915789]) { id nonexistent_field } }', 'Cannot query field "nonexistent_field" on type "Board"'],
    ['an argument monday does not have', '{ boards(board_id: 1) { id } }', 'Unknown argument "board_id" on field "Query.boards"'],
    ['a missing required argument', 'mutation { create_item(item_name: "x") { id } }', 'argument "board_id" of type "ID!" is required'],
    ['a selection on a scalar', '{ complexity { before { x } } }', 'must not have a selection since type "Int!" has no subfields'],
    ['a variable of the wrong type', 'query ($b: String) { boards(ids: $b) { id } }', 'Variable "$b" of type "String" used in position expecting type "[ID!]"'],
  ])('rejects %s with GRAPHQL_VALIDATION_FAILED and no data', async (_what, query, message) => {
    const r = await post(em.url, { query });
    expect(r.status).toBe(200);
    expect(r.json.data).toBeUndefined();
    expect(r.json.errors[0].message).toContain(message);
    expect(r.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.json.errors[0].locations[0]).toEqual({ line: expect.any(Number), column: expect.any(Number) });
  });

  it('reports a syntax error as GRAPHQL_PARSE_FAILED', async () => {
    const r = await post(em.url, { query: '{ boards { id }' });
    expect(r.json.errors[0]).toMatchObject({ message: expect.stringContaining('Syntax Error'), extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  });

  it('does not execute an invalid mutation', async () => {
    const error = await clientError(client.request(`mutation { create_item(board_id: ${BOARD}, item_name: "Acme", bogus: 1) { id } }`));
    expect(error.response.status).toBe(200);
    expect(error.response.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(em.state.items(BOARD)).toEqual([]);
  });

  it('refuses variables sent as a JSON string (2025-04 and later)', async () => {
    const r = await post(em.url, { query: 'query ($b: [ID!]) { boards(ids: $b) { id } }', variables: JSON.stringify({ b: [BOARD] }) });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe('BadRequest');
  });

  it('answers a malformed body with 400 JsonParseException', async () => {
    const r = await post(em.url, '{"query": ');
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions).toEqual({ code: 'JsonParseException', status_code: 400 });
  });
});

describe('the default board', () => {
  it('is Prospects with the customer columns and Ladder\'s own, typed as monday types them', async () => {
    const r = await client.request<{ boards: { id: string; name: string; columns: { id: string; title: string; type: string; settings_str: string }[] }[] }>(
      `query { boards(ids: [${BOARD}]) { id name columns { id title type settings_str } } }`);
    const board = r.boards[0]!;
    expect(board).toMatchObject({ id: BOARD, name: 'Prospects' });
    expect(board.columns.map((c) => [c.id, c.type])).toEqual([
      ['name', 'name'], [COL.domain, 'text'], [COL.hqLocation, 'text'], [COL.tier, 'status'], [COL.icpScore, 'numbers'],
      [COL.stage, 'status'], [COL.firstTouch, 'text'], [COL.sla, 'status'], [COL.priority, 'status'], [COL.sequence, 'text'], [COL.optOut, 'status'],
    ]);
    const tier = board.columns.find((c) => c.id === COL.tier)!;
    expect(JSON.parse(tier.settings_str)).toEqual({ labels: { 0: 'Tier 1', 1: 'Tier 2', 2: 'Tier 3', 3: 'Network', 4: 'Reject' } });
    const stage = JSON.parse(board.columns.find((c) => c.id === COL.stage)!.settings_str) as { labels: Record<string, string> };
    expect(Object.values(stage.labels)).toEqual([
      'PROSPECT', 'MQL', 'SQL: dossier', 'SQL: review', 'SQL: confirmed', 'BRIEFING_READY', 'ASSESSMENT_QUALIFIED', 'WON',
      'DISQUALIFIED', 'RECYCLED', 'ARCHIVED',
    ]);
  });

  it('is exported so other code can reuse the column ids', () => {
    expect(PROSPECTS_BOARD.columns.map((c) => c.id)).toEqual(Object.values(COL));
  });
});

describe('writes', () => {
  it('creates an item whose column values read back as monday JSON and display text', async () => {
    const id = await createProspect('Acme', { [COL.domain]: 'acme.com', [COL.stage]: { label: 'MQL' }, [COL.icpScore]: 87, [COL.tier]: 'Tier 1' });
    const r = await client.request<{ items: { name: string; column_values: { id: string; text: string; value: string | null; type: string }[] }[] }>(
      'query ($ids: [ID!]) { items(ids: $ids) { name column_values { id text value type } } }', { ids: [id] });
    const values = Object.fromEntries(r.items[0]!.column_values.map((c) => [c.id, c]));
    expect(values[COL.domain]).toEqual({ id: COL.domain, text: 'acme.com', value: '"acme.com"', type: 'text' });
    expect(values[COL.icpScore]).toEqual({ id: COL.icpScore, text: '87', value: '"87"', type: 'numbers' });
    expect(values[COL.stage]!.text).toBe('MQL');
    expect(JSON.parse(values[COL.stage]!.value!)).toEqual({ index: 1, post_id: null, changed_at: '2026-01-15T09:00:00Z' });
    expect(values[COL.tier]!.text).toBe('Tier 1');
    expect(values[COL.hqLocation]).toEqual({ id: COL.hqLocation, text: '', value: null, type: 'text' });
    expect(em.state.item(id)?.columns[COL.stage]).toEqual({ type: 'status', text: 'MQL', value: values[COL.stage]!.value });
  });

  it('applies every aliased mutation of one request', async () => {
    const [a, b, c] = [await createProspect('A'), await createProspect('B'), await createProspect('C')];
    const r = await client.request<Record<string, { id: string }>>(
      `mutation ($board: ID!, $a: ID!, $b: ID!, $c: ID!, $va: JSON!, $vb: JSON!) {
        first: change_multiple_column_values(board_id: $board, item_id: $a, column_values: $va) { id }
        second: change_multiple_column_values(board_id: $board, item_id: $b, column_values: $vb) { id }
        third: change_simple_column_value(board_id: $board, item_id: $c, column_id: "${COL.stage}", value: "WON") { id }
      }`,
      {
        board: BOARD, a, b, c,
        va: JSON.stringify({ [COL.stage]: { label: 'SQL: review' }, [COL.sla]: { label: 'BREACH' } }),
        vb: JSON.stringify({ [COL.priority]: { index: 1 }, [COL.firstTouch]: '2026-01-14' }),
      });
    expect(r).toEqual({ first: { id: a }, second: { id: b }, third: { id: c } });
    expect(em.state.item(a)?.columns[COL.stage]?.text).toBe('SQL: review');
    expect(em.state.item(a)?.columns[COL.sla]?.text).toBe('BREACH');
    expect(em.state.item(b)?.columns[COL.priority]?.text).toBe('high');
    expect(em.state.item(b)?.columns[COL.firstTouch]?.text).toBe('2026-01-14');
    expect(em.state.item(c)?.columns[COL.stage]?.text).toBe('WON');
  });

  it('applies the other aliases when one fails, and returns them in data next to the error', async () => {
    const [a, b] = [await createProspect('A'), await createProspect('B')];
    const r = await post(em.url, {
      query: `mutation {
        ok1: change_simple_column_value(board_id: ${BOARD}, item_id: ${a}, column_id: "${COL.sla}", value: "OK") { id }
        bad: change_simple_column_value(board_id: ${BOARD}, item_id: ${b}, column_id: "no_such_column", value: "x") { id }
        ok2: change_simple_column_value(board_id: ${BOARD}, item_id: ${b}, column_id: "${COL.sla}", value: "BREACH") { id }
      }`,
    });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ ok1: { id: a }, bad: null, ok2: { id: b } });
    expect(r.json.errors).toHaveLength(1);
    expect(r.json.errors[0]).toMatchObject({ path: ['bad'], extensions: { code: 'InvalidColumnIdException' } });
    expect(em.state.item(a)?.columns[COL.sla]?.text).toBe('OK');
    expect(em.state.item(b)?.columns[COL.sla]?.text).toBe('BREACH');

    const error = await clientError(client.request(
      `mutation { x: change_simple_column_value(board_id: ${BOARD}, item_id: ${a}, column_id: "nope", value: "1") { id } }`));
    expect(error.response.data).toEqual({ x: null });
  });

  it('fails a whole change_multiple_column_values when one of its columns is bad, leaving the item untouched', async () => {
    const id = await createProspect('Acme', { [COL.domain]: 'acme.com' });
    const error = await clientError(client.request(
      'mutation ($b: ID!, $i: ID!, $v: JSON!) { change_multiple_column_values(board_id: $b, item_id: $i, column_values: $v) { id } }',
      { b: BOARD, i: id, v: JSON.stringify({ [COL.domain]: 'acme.io', [COL.stage]: { label: 'Nonexistent' } }) }));
    expect(error.response.errors?.[0]?.extensions?.['code']).toBe('ColumnValueException');
    expect(em.state.item(id)?.columns[COL.domain]?.text).toBe('acme.com');
  });

  it('refuses a status label the column does not have', async () => {
    const id = await createProspect('Acme');
    const error = await clientError(client.request(
      'mutation ($b: ID!, $i: ID!, $v: JSON!) { change_multiple_column_values(board_id: $b, item_id: $i, column_values: $v) { id } }',
      { b: BOARD, i: id, v: JSON.stringify({ [COL.tier]: { label: 'Tier 9' } }) }));
    expect(error.response.errors?.[0]).toMatchObject({
      message: expect.stringContaining('label does not exist in column'),
      path: ['change_multiple_column_values'],
      extensions: { code: 'ColumnValueException', status_code: 200, error_data: { column_type: 'color', column_id: COL.tier } },
    });
    expect(em.state.item(id)?.columns[COL.tier]?.value).toBeNull();
    expect(em.state.board(BOARD)?.columns.find((c) => c.id === COL.tier)?.labels).not.toContain('Tier 9');
  });

  it('adds a missing status label when create_labels_if_missing is true', async () => {
    const id = await createProspect('Acme');
    await client.request(
      'mutation ($b: ID!, $i: ID!, $v: JSON!) { change_multiple_column_values(board_id: $b, item_id: $i, column_values: $v, create_labels_if_missing: true) { id } }',
      { b: BOARD, i: id, v: JSON.stringify({ [COL.tier]: { label: 'Tier 9' } }) });
    expect(em.state.item(id)?.columns[COL.tier]?.text).toBe('Tier 9');
    const r = await client.request<{ boards: { columns: { settings_str: string }[] }[] }>(
      `query { boards(ids: [${BOARD}]) { columns(ids: ["${COL.tier}"]) { settings_str } } }`);
    expect(JSON.parse(r.boards[0]!.columns[0]!.settings_str).labels['5']).toBe('Tier 9');
  });

  it.each([
    ['a label object', { label: 'high' }, 'high'],
    ['an index object', { index: 0 }, 'normal'],
    ['a plain label string', 'high', 'high'],
  ])('sets a status from %s', async (_what, value, text) => {
    const id = await createProspect('Acme');
    await client.request('mutation ($b: ID!, $i: ID!, $v: JSON!) { change_multiple_column_values(board_id: $b, item_id: $i, column_values: $v) { id } }',
      { b: BOARD, i: id, v: JSON.stringify({ [COL.priority]: value }) });
    expect(em.state.item(id)?.columns[COL.priority]?.text).toBe(text);
  });

  it('clears a column written as an empty string', async () => {
    const id = await createProspect('Acme', { [COL.stage]: { label: 'MQL' }, [COL.domain]: 'acme.com' });
    await client.operations.changeSimpleColumnValueOp({ boardId: BOARD, itemId: id, columnId: COL.stage, value: '' });
    await client.operations.changeColumnValueOp({ boardId: BOARD, itemId: id, columnId: COL.domain, value: JSON.stringify('') });
    expect(em.state.item(id)?.columns[COL.stage]).toEqual({ type: 'status', value: null, text: '' });
    expect(em.state.item(id)?.columns[COL.domain]).toEqual({ type: 'text', value: null, text: '' });
  });

  it('refuses a number column value that is not a number', async () => {
    const id = await createProspect('Acme');
    const error = await clientError(client.request(
      `mutation { change_simple_column_value(board_id: ${BOARD}, item_id: ${id}, column_id: "${COL.icpScore}", value: "high") { id } }`));
    expect(error.response.errors?.[0]?.extensions).toMatchObject({ code: 'ColumnValueException', error_data: { column_type: 'numbers' } });
  });

  it('posts an update that reads back through items { updates } and the state helper', async () => {
    const id = await createProspect('Acme');
    const r = await client.request<{ create_update: { id: string } }>(
      'mutation ($i: ID!, $body: String!) { create_update(item_id: $i, body: $body) { id } }', { i: id, body: '<p>Moved to <b>MQL</b></p>' });
    now += 60_000;
    await client.request('mutation ($i: ID!) { create_update(item_id: $i, body: "second") { id } }', { i: id });
    const read = await client.request<{ items: { updates: { id: string; body: string; text_body: string; created_at: string }[] }[] }>(
      'query ($i: [ID!]) { items(ids: $i) { updates { id body text_body created_at } } }', { i: [id] });
    expect(read.items[0]!.updates.map((u) => u.text_body)).toEqual(['second', 'Moved to MQL']);
    expect(read.items[0]!.updates[1]).toEqual({ id: r.create_update.id, body: '<p>Moved to <b>MQL</b></p>', text_body: 'Moved to MQL', created_at: '2026-01-15T09:00:00Z' });
    expect(em.state.updates(id).map((u) => u.textBody)).toEqual(['Moved to MQL', 'second']);
  });
});

describe('errors come in monday\'s 2025+ format', () => {
  const CHANGE = (item: string, board = BOARD, column: string = COL.domain) =>
    `mutation {\n  change_simple_column_value(board_id: ${board}, item_id: ${item}, column_id: "${column}", value: "x") { id }\n}`;

  it.each([
    ['an unknown column', (id: string) => CHANGE(id, BOARD, 'text_nope'), 'InvalidColumnIdException', 200, { column_id: 'text_nope' }],
    ['an unknown board', (id: string) => CHANGE(id, '999'), 'InvalidBoardIdException', 200, { board_id: '999' }],
    ['an unknown item', () => CHANGE('123'), 'ResourceNotFoundException', 404, { resource_type: 'item', item_id: '123' }],
  ])('%s: HTTP 200, errors[] with code, status_code, error_data, path and locations', async (_what, query, code, statusCode, errorData) => {
    const id = await createProspect('Acme');
    const r = await post(em.url, { query: query(id) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      data: { change_simple_column_value: null },
      errors: [{
        message: expect.any(String),
        locations: [{ line: 2, column: 3 }],
        path: ['change_simple_column_value'],
        extensions: { code, status_code: statusCode, error_data: errorData },
      }],
      account_id: 1,
      extensions: { request_id: expect.stringMatching(/^emulator-\d{8}$/) },
    });
  });

  it.each([
    ['missing', {}],
    ['empty', { Authorization: '' }],
    ['blank', { Authorization: '   ' }],
  ])('answers a %s Authorization header with 401 Unauthorized and does not execute', async (_what, headers) => {
    const r = await post(em.url, { query: `mutation { create_item(board_id: ${BOARD}, item_name: "x") { id } }` }, headers);
    expect(r.status).toBe(401);
    expect(r.json.errors[0]).toEqual({ message: 'Not Authenticated', extensions: { code: 'Unauthorized', status_code: 401 } });
    expect(em.state.items(BOARD)).toEqual([]);
  });

  it('surfaces 401 through the SDK as a ClientError with the status', async () => {
    const error = await clientError(new ApiClient({ token: '', endpoint: em.url }).request('{ me { id } }'));
    expect(error.response.status).toBe(401);
  });

  it('accepts only the configured tokens when some are given', async () => {
    const strict = await startEmulator({ tokens: [TOKEN] });
    try {
      expect((await post(strict.url, { query: '{ me { id } }' }, { Authorization: 'someone-else' })).status).toBe(401);
      expect((await post(strict.url, { query: '{ me { id } }' })).json).toMatchObject({ data: { me: { id: '1' } } });
    } finally {
      await strict.close();
    }
  });
});

describe('complexity', () => {
  const READ = `query { complexity { before after query reset_in_x_seconds } boards(ids: [${BOARD}]) { items_page(limit: 100) { items { id name column_values { id text value } } } } }`;

  it('reports before, query, after and the seconds to reset, and charges each request', async () => {
    const first = (await post(em.url, { query: READ })).json.data.complexity;
    expect(first.before).toBe(10_000_000);
    expect(first.after).toBe(first.before - first.query);
    expect(first.reset_in_x_seconds).toBe(60);
    now += 15_000;
    const second = (await post(em.url, { query: READ })).json.data.complexity;
    expect(second).toEqual({ before: first.after, query: first.query, after: first.after - first.query, reset_in_x_seconds: 45 });
  });

  it('costs the same for the same request, grows linearly with the page size, and charges writes most', async () => {
    const cost = async (query: string): Promise<number> => (await post(em.url, { query })).json.data.complexity.query;
    const page = (limit: number) => `query { complexity { query } boards(ids: [${BOARD}]) { items_page(limit: ${limit}) { items { id column_values { id text } } } } }`;
    const [c50, c100, c500] = [await cost(page(50)), await cost(page(100)), await cost(page(500))];
    expect(await cost(page(50))).toBe(c50);
    expect(c500 - c50).toBe(9 * (c100 - c50));
    const write = await cost(`mutation { complexity { query } create_item(board_id: ${BOARD}, item_name: "x") { id } }`);
    expect(write).toBeGreaterThan(WRITE_COST);
    expect(write).toBeGreaterThan(c50);
  });

  it('refuses a request that does not fit with 429 COMPLEXITY_BUDGET_EXHAUSTED until the window resets', async () => {
    await em.close();
    em = await startEmulator({ clock: () => now, complexityBudget: 25_000 });
    const create = (name: string) => post(em.url, { query: `mutation { create_item(board_id: ${BOARD}, item_name: "${name}") { id } }` });
    expect((await create('one')).status).toBe(200);
    now += 10_000;
    expect((await create('two')).status).toBe(200);
    now += 5_000;
    const refused = await create('three');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('45');
    expect(refused.json.errors).toEqual([{
      message: 'Complexity budget exhausted',
      extensions: { code: 'COMPLEXITY_BUDGET_EXHAUSTED', retry_in_seconds: 45 },
    }]);
    expect(em.state.items(BOARD).map((i) => i.name)).toEqual(['one', 'two']);
    expect(em.state.complexity()).toMatchObject({ limit: 25_000, resetInSeconds: 45 });

    now += 45_000;
    expect((await create('three')).status).toBe(200);
    expect(em.state.items(BOARD).map((i) => i.name)).toEqual(['one', 'two', 'three']);
  });

  it('reports the budget in monday\'s RateLimit headers', async () => {
    const r = await post(em.url, { query: '{ me { id } }' });
    expect(r.headers.get('ratelimit-policy')).toBe('"complexityMinute";q=10000000;w=60;qu="content-bytes"');
    expect(r.headers.get('ratelimit')).toMatch(/^"complexityMinute";r=\d+;t=60$/);
  });
});

describe('cursor pagination', () => {
  const FIRST = 'query ($b: [ID!], $limit: Int!) { boards(ids: $b) { items_page(limit: $limit) { cursor items { id } } } }';
  const NEXT = 'query ($c: String!, $limit: Int!) { next_items_page(cursor: $c, limit: $limit) { cursor items { id } } }';

  async function walk(limit: number, between?: (page: number) => void): Promise<string[]> {
    const seen: string[] = [];
    const first = await client.request<{ boards: { items_page: { cursor: string | null; items: { id: string }[] } }[] }>(FIRST, { b: [BOARD], limit });
    let page = first.boards[0]!.items_page;
    for (let n = 1; ; n++) {
      seen.push(...page.items.map((i) => i.id));
      if (!page.cursor) return seen;
      between?.(n);
      page = (await client.request<{ next_items_page: typeof page }>(NEXT, { c: page.cursor, limit })).next_items_page;
    }
  }

  it('covers every item exactly once with the largest page monday allows', async () => {
    for (let i = 0; i < 1234; i++) em.state.createItem(BOARD, `Prospect ${i}`);
    const seen = await walk(500);
    expect(seen).toHaveLength(1234);
    expect(new Set(seen).size).toBe(1234);
    expect(seen).toEqual(em.state.items(BOARD).map((i) => i.id));
  });

  it('stays stable when items are added and deleted between pages', async () => {
    for (let i = 0; i < 30; i++) em.state.createItem(BOARD, `Prospect ${i}`);
    const before = em.state.items(BOARD).map((i) => i.id);
    const deleted: string[] = [];
    const seen = await walk(10, (page) => {
      const gone = before[page * 10 - 1]!; // already returned
      em.state.deleteItem(gone);
      deleted.push(gone);
      em.state.createItem(BOARD, `Late ${page}`);
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 30)).toEqual(before);
  });

  it('ends with a null cursor on an empty board', async () => {
    expect(await walk(25)).toEqual([]);
  });

  it('refuses a limit above 500 and a cursor it did not issue', async () => {
    const big = await clientError(client.request(FIRST, { b: [BOARD], limit: 501 }));
    expect(big.response.errors?.[0]?.extensions?.['code']).toBe('InvalidArgumentException');
    const bad = await clientError(client.request(NEXT, { c: 'not-a-cursor', limit: 10 }));
    expect(bad.response.errors?.[0]?.extensions?.['code']).toBe('InvalidArgumentException');
  });

  it('finds items by column values, ANDing columns and ORing values, page by page', async () => {
    for (let i = 0; i < 12; i++) {
      em.state.createItem(BOARD, `P${i}`, { [COL.stage]: { label: i % 3 === 0 ? 'MQL' : 'PROSPECT' }, [COL.priority]: { label: i % 2 === 0 ? 'high' : 'normal' } });
    }
    const Q = `query ($c: String, $limit: Int!) {
      items_page_by_column_values(board_id: ${BOARD}, limit: $limit, cursor: $c,
        columns: [{ column_id: "${COL.stage}", column_values: ["MQL", "WON"] }, { column_id: "${COL.priority}", column_values: ["high"] }]) { cursor items { name } }
    }`;
    const first = await client.request<{ items_page_by_column_values: { cursor: string | null; items: { name: string }[] } }>(Q, { limit: 1 });
    expect(first.items_page_by_column_values.items).toEqual([{ name: 'P0' }]);
    const second = await client.request<typeof first>(Q, { limit: 5, c: first.items_page_by_column_values.cursor });
    expect(second.items_page_by_column_values).toEqual({ cursor: null, items: [{ name: 'P6' }] });
  });

  it('filters items_page with query_params rules', async () => {
    em.state.createItem(BOARD, 'Acme', { [COL.domain]: 'acme.com', [COL.icpScore]: 90 });
    em.state.createItem(BOARD, 'Beta', { [COL.domain]: 'beta.io', [COL.icpScore]: 40 });
    em.state.createItem(BOARD, 'Gamma');
    const r = await client.request<{ boards: { items_page: { items: { name: string }[] } }[] }>(
      `query { boards(ids: [${BOARD}]) { items_page(limit: 10, query_params: { operator: or, rules: [
        { column_id: "${COL.icpScore}", compare_value: [50], operator: greater_than },
        { column_id: "${COL.domain}", compare_value: [""], operator: is_empty } ] }) { items { name } } } }`);
    expect(r.boards[0]!.items_page.items.map((i) => i.name)).toEqual(['Acme', 'Gamma']);
  });
});

describe('the request log', () => {
  it('records operation, variables, status and error codes of every request', async () => {
    await createProspect('Acme');
    await post(em.url, { query: '{ boards { nope } }' });
    await post(em.url, { query: '{ me { id } }' }, {});
    expect(em.requests.map((r) => ({ status: r.status, codes: r.errorCodes, authorized: r.authorized }))).toEqual([
      { status: 200, codes: [], authorized: true },
      { status: 200, codes: ['GRAPHQL_VALIDATION_FAILED'], authorized: true },
      { status: 401, codes: ['Unauthorized'], authorized: false },
    ]);
    expect(em.requests[0]).toMatchObject({ method: 'POST', path: '/v2', apiVersion: '2026-01', query: CREATE, variables: { board: BOARD, name: 'Acme' } });
  });

  it('never holds the Authorization value, even when a client pastes it into a query or variables', async () => {
    let printed = '';
    const capture = (chunk: unknown): boolean => { printed += String(chunk); return true; };
    const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];
    await createProspect('Acme');
    await post(em.url, { query: `{ boards(ids: [1]) { name } } # ${TOKEN}`, variables: { note: `token is ${TOKEN}` } });
    await post(em.url, { query: '{ me { id } }' }, { Authorization: `Bearer ${TOKEN}` });
    await post(em.url, '{"broken', { Authorization: TOKEN });
    for (const spy of spies) spy.mockRestore();
    const log = JSON.stringify(em.requests);
    expect(log).not.toContain(TOKEN);
    expect(printed).not.toContain(TOKEN);
    expect(log).toContain('[redacted]');
    expect(em.requests).toHaveLength(4);
  });

  it('keeps the token out of everything the command-line emulator prints', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/monday/emulator/main.ts', '--port', '0'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`emulator exited early (${String(code)}): ${output}`)));
      child.stdout.on('data', () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/v2)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
    });
    const r = await post(url, { query: `{ boards(ids: [${BOARD}]) { name } }` });
    expect(r.json.data.boards).toEqual([{ name: 'Prospects' }]);
    await post(url, { query: '{ nope }' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    expect(output).toContain('SIGTERM: stopping the monday emulator');
    expect(output).not.toContain(TOKEN);
  });
});
