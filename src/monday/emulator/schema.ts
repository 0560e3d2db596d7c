// monday's real schema, from the fixture copy (test/fixtures/monday/SOURCE.md says where it came from).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GraphQLSchema, buildSchema } from 'graphql';

const FIXTURE = join('test', 'fixtures', 'monday', 'schema.graphql');

/** Walk up from this module to the project root, so the same lookup works from src/ and from dist/src/. */
export function findSchemaFile(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, FIXTURE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`monday schema not found: no ${FIXTURE} above ${from}; pass schemaPath to startEmulator`);
  }
}

const built = new Map<string, GraphQLSchema>();

/** Built once per file per process: the SDL is 385 KB and every emulator in a test run shares it. */
export function loadMondaySchema(path: string = findSchemaFile()): GraphQLSchema {
  let schema = built.get(path);
  if (!schema) {
    schema = buildSchema(readFileSync(path, 'utf8'));
    built.set(path, schema);
  }
  return schema;
}
