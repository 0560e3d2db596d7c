// The one table of monday's errors (src/monday/error-rules.ts), read as the runbook: which codes wait and
// try again, which stop the push (the board or the configuration is wrong), which park one row, which mean
// the item is gone; and that src/monday throws typed errors, leaving exit codes to src/cli.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ITEM_GONE_CODES, deadLetterOf, isBoardLevel, isTransient, ruleFor, stopReason } from '../../src/monday/error-rules.js';

describe('monday error rules', () => {
  it.each([
    ['RATE_LIMIT_EXCEEDED', 'transient'], ['COMPLEXITY_BUDGET_EXHAUSTED', 'transient'], ['ComplexityException', 'transient'],
    ['maxConcurrencyExceeded', 'transient'], ['IP_RATE_LIMIT_EXCEEDED', 'transient'], ['API_TEMPORARILY_BLOCKED', 'transient'],
    ['DAILY_LIMIT_EXCEEDED', 'transient'], ['INTERNAL_SERVER_ERROR', 'transient'],
    ['InvalidBoardIdException', 'board'], ['InvalidColumnIdException', 'board'], ['UserUnauthorizedException', 'board'],
    ['ColumnValueException', 'row'], ['ItemNameTooLongException', 'row'], ['InvalidArgumentException', 'row'], ['Unauthorized', 'row'],
    ['ResourceNotFoundException', 'itemGone'], ['InvalidItemIdException', 'itemGone'],
    ['SomethingNew', 'row'], [null, 'row'], ['constructor', 'row'],
  ])('%s is %s', (code, kind) => {
    expect(ruleFor(code).kind).toBe(kind);
    expect(isTransient(code)).toBe(kind === 'transient');
    expect(isBoardLevel(code)).toBe(kind === 'board');
  });

  it('treats only an internal error as maybe applied', () => {
    const ambiguous = ['RATE_LIMIT_EXCEEDED', 'COMPLEXITY_BUDGET_EXHAUSTED', 'INTERNAL_SERVER_ERROR', 'DAILY_LIMIT_EXCEEDED'].filter((c) => ruleFor(c).ambiguous);
    expect(ambiguous).toEqual(['INTERNAL_SERVER_ERROR']);
  });

  it('says how to fix every code that is not transient', () => {
    for (const code of ['InvalidBoardIdException', 'InvalidColumnIdException', 'UserUnauthorizedException', 'ColumnValueException', 'ItemNameTooLongException', 'InvalidArgumentException', 'Unauthorized', ...ITEM_GONE_CODES]) {
      expect(ruleFor(code).fix, code).toMatch(/ladder monday (push|retry)/);
    }
    expect(ITEM_GONE_CODES).toEqual(['ResourceNotFoundException', 'InvalidItemIdException']);
  });

  it('writes a dead letter with the code first (ladder monday retry finds the gone items by it), the fix, and no token', () => {
    const hide = (s: string) => s.replaceAll('SECRET', '[redacted]');
    expect(deadLetterOf({ message: 'Item SECRET not found', extensions: { code: 'ResourceNotFoundException' } }, hide)).toEqual({
      reason: 'ResourceNotFoundException: Item [redacted] not found', message: 'Item [redacted] not found',
      fix: 'the item is gone from the board (deleted?): ladder monday retry matches it again by Domain, or re-creates it with its comments',
    });
    expect(deadLetterOf({ message: 'odd' }, hide)).toEqual({ reason: 'error: odd', message: 'odd', fix: 'unexpected monday error: read the reason; ladder monday retry sends it again' });
  });

  it('stops a push with the known fix, or a generic one', () => {
    expect(stopReason('creating items failed', 'InvalidBoardIdException: Board not found', 'InvalidBoardIdException')).toMatch(/^creating items failed: InvalidBoardIdException: Board not found; fix: the board id is wrong/);
    expect(stopReason('pushing to the board failed', 'HTTP 404 from monday', null)).toBe('pushing to the board failed: HTTP 404 from monday; fix: read the reason, fix its cause, then run ladder monday push again');
  });
});

describe('src/monday', () => {
  it('sets no exit codes: it throws typed errors, and src/cli/exits.ts maps them', () => {
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    expect(files('src/monday').filter((f) => /exitCode/.test(readFileSync(f, 'utf8')))).toEqual([]);
  });
});
