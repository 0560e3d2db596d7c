// Files the CLI writes for its user (a report, a diagram, a backup): checked before any work starts, so a bad
// path fails at once with its flag named instead of after an hour-long import; created private (0600): they hold
// company names and LinkedIn profiles.
import { accessSync, chmodSync, closeSync, constants, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BadInputError } from '../engine/errors.js';

/** Where the output of `flag` may go: its folder exists and is writable, and it is not a folder itself. */
export function outputPath(flag: string, raw: string): string {
  const path = resolve(raw);
  const field = flag.replace(/^--/, '');
  const dir = dirname(path);
  const d = statSync(dir, { throwIfNoEntry: false });
  if (!d) throw new BadInputError(`${flag}: the folder ${dir} does not exist; create it or write somewhere else`, field);
  if (!d.isDirectory()) throw new BadInputError(`${flag}: ${dir} is not a folder`, field);
  try { accessSync(dir, constants.W_OK); } catch { throw new BadInputError(`${flag}: the folder ${dir} is not writable by this user; write somewhere else`, field); }
  const f = statSync(path, { throwIfNoEntry: false });
  if (f?.isDirectory()) throw new BadInputError(`${flag}: ${path} is a folder; give a file path`, field);
  if (f && !f.isFile()) throw new BadInputError(`${flag}: ${path} is not a regular file`, field);
  if (f) {
    try { accessSync(path, constants.W_OK); } catch { throw new BadInputError(`${flag}: ${path} exists and is not writable by this user`, field); }
  }
  return path;
}

/** Creates the file empty and private (0600) when it does not exist yet, so what is written into it stays private. */
export function createPrivate(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Makes an existing file private (0600): a backup of a private database is private too. */
export function makePrivate(path: string): void {
  chmodSync(path, 0o600);
}
