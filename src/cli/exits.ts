// Exit codes live here and nowhere else (STYLE 5; issue 12): the rest of Ladder throws typed errors, and this
// one table says what each means to a person at a terminal. Expected trouble (bad input, a file that cannot be
// written, a busy or read-only database, a port in use) is exit 2 with a message naming what is wrong and what
// would work; never a stack trace. Only a bug is exit 1, "unexpected error".
import { LeaseLostError, PushBusyError } from '../monday/lease.js';
import { LeaseBusyError, LeaseTakenOverError } from '../store/lease.js';
import { BadInputError, RefusedError } from '../engine/errors.js';
import { MachineVersionError } from '../engine/upgrade.js';
import { ImportFileError } from '../intake/errors.js';

/** 0 done, 1 a bug, 2 bad input or an environment problem, 3 refused by the rules, 4 monday push unfinished, 5 a difference found. */
export const EXIT = { ok: 0, bug: 1, input: 2, refused: 3, push: 4, difference: 5 } as const;

export const EXIT_CODES_HELP = `Exit codes: 0 done; 1 unexpected error (a bug: please report it with the command);
  2 bad input, or a file, folder, database or port that cannot be used (the message says which and what would work);
  3 refused by the rules (the message says why); 4 a monday push that could not finish (its work stays queued);
  5 a check found a difference (monday verify, replay, diagram --check).`;

/** A check that found what it looks for: the board differs, a log does not replay, diagrams are stale. */
export class DifferenceError extends Error {
  constructor(message: string) { super(message); this.name = 'DifferenceError'; }
}
/** A monday push (or verify) that could not finish; its work stays queued. */
export class PushIncompleteError extends Error {
  constructor(message: string) { super(message); this.name = 'PushIncompleteError'; }
}
/** The command printed its own outcome (e.g. one JSON document of every note) and failed: say nothing more. */
export class ReportedFailure extends Error {
  constructor(message: string, readonly exit: number) { super(message); this.name = 'ReportedFailure'; }
}

export type Exit = { code: number; kind: string; message: string; field: string | null };

type SystemError = Error & { code?: string; path?: string; syscall?: string; port?: number; address?: string };

/** What a file-system or network error means, and what would work. */
function systemMessage(e: SystemError): string | null {
  const where = e.path ? ` ${e.path}` : e.port ? ` port ${e.port}` : '';
  switch (e.code) {
    case 'ENOENT': return `no such file or folder:${where} (check the path; a folder to write into must exist)`;
    case 'ENOTDIR': return `a path component is a file, not a folder:${where}`;
    case 'EISDIR': return `${where.trim()} is a folder; give a file path`;
    case 'EACCES': case 'EPERM': return `permission denied:${where} (check who owns it and its permissions)`;
    case 'EROFS': return `read-only file system:${where}; write somewhere else`;
    case 'ENOSPC': return `no space left on the device${where ? ` writing${where}` : ''}; free some space and run the command again (nothing was half-written: the database keeps whole transactions only)`;
    case 'EEXIST': return `already exists:${where}`;
    case 'EADDRINUSE': return `port${e.port ? ` ${e.port}` : ''} is already in use (another process listens on it); pick another with --port`;
    case 'EADDRNOTAVAIL': return `address ${e.address ?? ''} is not available on this machine`;
    case 'EPIPE': return 'the output was closed early';
    default: return null;
  }
}

/** What a SQLite error means to the person who ran the command. */
function sqliteMessage(e: SystemError): string | null {
  const code = e.code ?? '';
  if (!code.startsWith('SQLITE_')) return null;
  if (code.startsWith('SQLITE_READONLY')) return 'the database is read-only here (its file or folder is not writable by this user); a write needs write access to the file and its folder';
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC') return 'the disk is full (or refused the write); free some space and run the command again: nothing was half-written, the database keeps whole transactions only';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'the database file cannot be opened: its folder does not exist or is not accessible';
  if (code === 'SQLITE_NOTADB') return 'the --db file is not a SQLite database';
  if (code.startsWith('SQLITE_CORRUPT')) return 'the database file is damaged; restore it from a backup (ladder backup makes one)';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'the database is busy: another process held its write lock longer than the busy timeout';
  return null;
}

export function exitOf(err: unknown): Exit {
  const e = err as SystemError;
  const field = (err as { field?: string }).field ?? null;
  if (err instanceof ReportedFailure) return { code: err.exit, kind: err.name, message: err.message, field: null };
  if (err instanceof BadInputError || err instanceof MachineVersionError || err instanceof ImportFileError) {
    return { code: EXIT.input, kind: e.name, message: e.message, field };
  }
  if (err instanceof RefusedError) return { code: EXIT.refused, kind: e.name, message: e.message, field: null };
  if (err instanceof PushIncompleteError || err instanceof PushBusyError || err instanceof LeaseLostError) return { code: EXIT.push, kind: e.name, message: e.message, field: null };
  // Another sweep (or a push) at work, or this one's lease taken over: an environment state, run it again later.
  if (err instanceof LeaseBusyError || err instanceof LeaseTakenOverError) return { code: EXIT.input, kind: e.name, message: e.message, field: null };
  if (err instanceof DifferenceError || e?.name === 'StaleDiagramsError') return { code: EXIT.difference, kind: e.name, message: e.message, field: null };
  // A command of src/cli/ may still say its own exit code on an error it builds (Object.assign(err, { exitCode })).
  const own = (err as { exitCode?: unknown }).exitCode;
  if (typeof own === 'number' && own >= 2 && own <= 5) return { code: own, kind: e.name, message: e.message, field };
  const known = e && typeof e === 'object' ? (sqliteMessage(e) ?? systemMessage(e)) : null;
  if (known) return { code: EXIT.input, kind: e.code ?? e.name, message: known, field: null };
  return { code: EXIT.bug, kind: 'UnexpectedError', message: `unexpected error (a bug: please report it with the command you ran): ${e?.stack ?? String(err)}`, field: null };
}
