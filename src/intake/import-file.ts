// Streaming readers for import files (LQ 6.1: CSV / JSON bulk imports). Rows come out one at a time,
// so a 100 000-row file is held in memory one record at a time, never whole.
import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { CsvError, parse } from 'csv-parse';
import { ImportFileError } from './errors.js';
import type { RawRow } from './import-rows.js';

/**
 * Reads a .csv or .json import file as raw rows. CSV rows are numbered by the line they start on
 * (the header is row 1, blank lines count, as in an editor); JSON rows by position in the array (1-based).
 * Throws ImportFileError for an unsupported extension (at once) or an unreadable/malformed file (while
 * iterating; rows before the fault have already been yielded, so callers sort only after the whole read).
 */
export function readImportFile(path: string, onBytes?: (n: number) => void): AsyncIterable<RawRow> {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return readCsv(path, onBytes);
  if (ext === '.json') return readJson(path, onBytes);
  throw new ImportFileError('unsupported-extension', path, `the extension ${ext === '' ? '(none)' : `"${ext}"`} is not supported`);
}

/**
 * What is checked before a byte is read: a .csv or .json extension, and a regular file (`import /dev/zero` used
 * to hash forever before the extension was looked at; a folder or a pipe is not an import file either).
 */
export function checkImportFile(path: string, label = path): void {
  const ext = extname(path).toLowerCase();
  if (ext !== '.csv' && ext !== '.json') throw new ImportFileError('unsupported-extension', label, `the extension ${ext === '' ? '(none)' : `"${ext}"`} is not supported`);
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new ImportFileError('unreadable', label, 'no such file');
  if (!st.isFile()) throw new ImportFileError('unreadable', label, st.isDirectory() ? 'it is a folder' : 'it is not a regular file');
}

/**
 * The first top-level key an object's JSON text gives twice, or null: JSON.parse silently keeps the last value,
 * where a CSV with a repeated header is refused. Scans strings and nesting; reads keys at depth 1 only.
 */
export function duplicateKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const literal = text.slice(i, j + 1);
      let k = j + 1;
      while (k < text.length && /\s/.test(text[k]!)) k++;
      if (depth === 1 && text[k] === ':') {
        const key = JSON.parse(literal) as string;
        if (seen.has(key)) return key;
        seen.add(key);
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return null;
}

function fileError(path: string, err: unknown): ImportFileError {
  if (err instanceof ImportFileError) return err;
  if (err instanceof CsvError) {
    const line = typeof err['lines'] === 'number' ? ` near line ${err['lines']}` : '';
    return new ImportFileError('malformed', path, `malformed CSV${line}: ${err.message}`, undefined, { cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  return new ImportFileError(typeof code === 'string' ? 'unreadable' : 'malformed', path, detail, undefined, { cause: err });
}

const countOf = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;

async function* readCsv(path: string, onBytes?: (n: number) => void): AsyncGenerator<RawRow> {
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true, // short rows read as empty fields; long rows are checked below
    skip_empty_lines: true,
    skip_records_with_empty_values: true, // a line of bare commas is not a row
  });
  const input = createReadStream(path);
  if (onBytes) input.on('data', (chunk) => onBytes(chunk.length));
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let headers: string[] | undefined;
  // csv-parse counts a CRLF inside a quoted field as two lines; this undoes that for later rows.
  let overcount = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      const crlf = record.reduce((n, v) => n + countOf(v, /\r\n/g), 0);
      const breaks = record.reduce((n, v) => n + countOf(v, /\r\n|\r|\n/g), 0);
      const end = info.lines - overcount - crlf;
      overcount += crlf;
      const rowNumber = end - breaks; // the line the record starts on
      if (headers === undefined) {
        headers = record.map((h, i) => (h.trim() === '' ? `column ${i + 1}` : h.trim()));
        const dup = headers.find((h, i) => headers?.indexOf(h) !== i);
        if (dup !== undefined) throw new ImportFileError('malformed', path, `the header row names the column "${dup}" twice`, rowNumber);
        continue;
      }
      if (record.length > headers.length && record.slice(headers.length).some((v) => v.trim() !== '')) {
        throw new ImportFileError(
          'malformed',
          path,
          `row ${rowNumber} has ${record.length} fields but the header has ${headers.length} (an unquoted comma?)`,
          rowNumber,
        );
      }
      const raw: Record<string, string> = {};
      headers.forEach((h, i) => {
        raw[h] = record[i] ?? '';
      });
      yield { rowNumber, raw };
    }
  } catch (err) {
    throw fileError(path, err);
  } finally {
    input.destroy();
  }
  if (headers === undefined) throw new ImportFileError('malformed', path, 'it is empty: expected a header row');
}

function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * JSON is scanned element by element: the scanner tracks strings and nesting, hands each complete
 * top-level element to JSON.parse, and keeps only the element being read. Decision: streaming rather
 * than reading the file whole, since the scanner is small (docs/intake.md).
 */
async function* readJson(path: string, onBytes?: (n: number) => void): AsyncGenerator<RawRow> {
  const input = createReadStream(path, { encoding: 'utf8' });
  if (onBytes) input.on('data', (chunk) => onBytes(Buffer.byteLength(chunk as string)));
  type State = 'start' | 'first' | 'after' | 'next' | 'done';
  let state: State = 'start';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let pending = '';
  let line = 1;
  let elementLine = 1;
  let index = 0;
  const malformed = (detail: string, row?: number) =>
    new ImportFileError('malformed', path, `malformed JSON on line ${line}: ${detail}`, row);
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i];
        if (c === '\n') line++;
        if (depth > 0) {
          if (inString) {
            if (escaped) escaped = false;
            else if (c === '\\') escaped = true;
            else if (c === '"') inString = false;
          } else if (c === '"') inString = true;
          else if (c === '{' || c === '[') depth++;
          else if (c === '}' || c === ']') {
            depth--;
            if (depth === 0) {
              const text = pending + chunk.slice(start, i + 1);
              pending = '';
              index++;
              let value: unknown;
              try {
                value = JSON.parse(text);
              } catch (err) {
                throw malformed(`element ${index} (from line ${elementLine}) is not valid JSON: ${(err as Error).message}`, index);
              }
              const twice = duplicateKey(text);
              if (twice !== null) throw malformed(`element ${index} (from line ${elementLine}) gives the field "${twice}" twice; keep one`, index);
              const raw: Record<string, string> = {};
              for (const [k, v] of Object.entries(value as Record<string, unknown>)) raw[k] = toText(v);
              yield { rowNumber: index, raw };
              state = 'after';
            }
          }
          continue;
        }
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || (c === '\uFEFF' && state === 'start' && line === 1)) continue;
        if (state === 'start') {
          if (c !== '[') throw malformed(`expected the file to start with "[" (an array of objects); got ${JSON.stringify(c)}`);
          state = 'first';
        } else if (state === 'after') {
          if (c === ',') state = 'next';
          else if (c === ']') state = 'done';
          else throw malformed(`expected "," or "]" after element ${index}; got ${JSON.stringify(c)}`);
        } else if ((state === 'first' || state === 'next') && c === '{') {
          depth = 1;
          start = i;
          elementLine = line;
        } else if (state === 'first' && c === ']') {
          state = 'done';
        } else if (state === 'done') {
          throw malformed(`unexpected ${JSON.stringify(c)} after the closing "]"`);
        } else if (c === ']') {
          throw malformed(`a trailing "," before "]" after element ${index}`);
        } else {
          throw malformed(`element ${index + 1} is not an object; every element must be {"Name": ..., "Domain": ..., ...}`, index + 1);
        }
      }
      if (depth > 0) pending += chunk.slice(start);
    }
  } catch (err) {
    throw fileError(path, err);
  } finally {
    input.destroy();
  }
  if (state !== 'done') {
    throw malformed(
      state === 'start'
        ? 'the file is empty; expected an array of objects'
        : depth > 0
          ? `the file ends inside element ${index + 1}`
          : 'the file ends before the closing "]"',
    );
  }
}
