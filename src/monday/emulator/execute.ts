// One GraphQL request, from its JSON body to monday's answer: parse, validate against the real schema,
// cost, charge the budget, execute. No sockets here; the server decides how (and whether) to answer.
import {
  type DocumentNode, type ExecutionResult, type GraphQLSchema,
  GraphQLError, execute, getOperationAST, getVariableValues, parse, validate,
} from 'graphql';
import { type ComplexityBudget, operationCost } from './complexity.js';
import { type ErrorEntry, type HttpRefusal, badRequest, codesOf, complexityExhausted, jsonParseError } from './errors.js';
import { mutationRoot, queryRoot } from './resolvers.js';
import type { Store } from './store.js';
import type { Webhooks } from './webhooks.js';

export interface GraphQLRequestBody {
  readonly query: string;
  readonly variables: Record<string, unknown>;
  readonly operationName: string | null;
}

export type Outcome =
  | { readonly kind: 'refusal'; readonly refusal: HttpRefusal; readonly cost: number | null }
  | { readonly kind: 'answer'; readonly body: Record<string, unknown>; readonly codes: string[]; readonly cost: number | null };

export interface ExecutionEnv {
  readonly schema: GraphQLSchema;
  readonly store: Store;
  readonly budget: ComplexityBudget;
  readonly webhooks: Webhooks;
}

export function readBody(raw: string): { ok: true; body: GraphQLRequestBody } | { ok: false; refusal: HttpRefusal } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return { ok: false, refusal: jsonParseError((e as Error).message) };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, refusal: badRequest('No query string was present') };
  const { query, variables, operationName } = json as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '') return { ok: false, refusal: badRequest('No query string was present') };
  // since 2025-04 variables must be a JSON object, not a JSON-encoded string (migration guide)
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return { ok: false, refusal: badRequest('Variables must be sent as a JSON object') };
  }
  return {
    ok: true,
    body: {
      query,
      variables: (variables ?? {}) as Record<string, unknown>,
      operationName: typeof operationName === 'string' ? operationName : null,
    },
  };
}

// monday answers a document it cannot parse or validate with HTTP 200 and an errors array (error-handling doc,
// "Parse error on..."). The GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED codes follow the common GraphQL
// server convention; monday does not document them.
function documentErrors(errors: readonly GraphQLError[], code: string): Outcome {
  const entries: ErrorEntry[] = errors.map((e) => {
    const { message, locations } = e.toJSON();
    return locations ? { message, locations, extensions: { code } } : { message, extensions: { code } };
  });
  return { kind: 'answer', body: { errors: entries }, codes: entries.map(() => code), cost: null };
}

function serialise(result: ExecutionResult): Outcome & { kind: 'answer' } {
  const errors = result.errors?.map((e) => e.toJSON());
  const body: Record<string, unknown> = { data: result.data ?? null };
  if (errors && errors.length > 0) body['errors'] = errors;
  return { kind: 'answer', body, codes: codesOf(errors ?? []), cost: null };
}

export async function run(env: ExecutionEnv, request: GraphQLRequestBody, opts: { readonly exhausted: boolean }): Promise<Outcome> {
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (e) {
    return documentErrors([e as GraphQLError], 'GRAPHQL_PARSE_FAILED');
  }
  const invalid = validate(env.schema, document);
  if (invalid.length > 0) return documentErrors(invalid, 'GRAPHQL_VALIDATION_FAILED');
  const operation = getOperationAST(document, request.operationName);
  if (!operation) {
    return documentErrors([new GraphQLError('Must provide a valid operationName when the document holds several operations')], 'GRAPHQL_VALIDATION_FAILED');
  }
  const coerced = getVariableValues(env.schema, operation.variableDefinitions ?? [], request.variables);
  if (coerced.errors) return documentErrors(coerced.errors, 'GRAPHQL_VALIDATION_FAILED');

  const cost = operationCost(env.schema, document, operation, coerced.coerced);
  if (opts.exhausted) return { kind: 'refusal', refusal: complexityExhausted(env.budget.resetInSeconds()), cost };
  const charge = env.budget.charge(cost);
  if (!charge.ok) return { kind: 'refusal', refusal: complexityExhausted(charge.retryInSeconds), cost };

  const result = await execute({
    schema: env.schema,
    document,
    operationName: request.operationName,
    variableValues: request.variables,
    rootValue: operation.operation === 'mutation' ? mutationRoot(env.store, env.webhooks) : queryRoot(env.store, env.webhooks),
    contextValue: { complexity: charge.reading },
    typeResolver: (value) => (value as { __typename?: string }).__typename,
  });
  return { ...serialise(result), cost };
}
