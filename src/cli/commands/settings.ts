// `ladder settings show | set PATH VALUE | unset PATH | import FILE | history`: the rules, the monday board,
// users → roles and the clock's tolerances, stored in the database with who changed what and when (issue 11).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { BadInputError } from '../../engine/errors.js';
import { importConfigFile, withSetting, withSettingText, type SettingChange } from '../../settings/edit.js';
import { settingsHistory } from '../../settings/history.js';
import type { Settings } from '../../settings/schema.js';
import { detailLines } from '../../queries.js';
import type { CliContext } from '../context.js';
import { emit } from '../output.js';
import type { Run } from './events.js';

const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));
const changeLines = (changes: SettingChange[]) => changes.map((c) => `  ${c.path}: ${show(c.from)} → ${show(c.to)}`);

function apply(ctx: CliContext, next: (current: Settings) => Settings, change: string): void {
  const engine = ctx.engine();
  const actor = ctx.actor();
  const r = engine.changeSettings(next, { ...actor, now: ctx.now, change, source: 'cli' });
  emit(ctx, r, r.changes.length
    ? [`settings v${r.version} in force from ${ctx.now} (${change}, by ${actor.by}):`, ...changeLines(r.changes)]
    : `nothing changed: the settings already say so (v${r.version})`);
}

export function registerSettingsCommands(program: Command, run: Run): void {
  const settings = program.command('settings').description('rules, the monday board, users and roles: stored in the database, every change recorded');

  settings.command('show').description('the settings in force')
    .action(() => run((ctx) => {
      const { engine, store } = ctx.reader();
      const latest = settingsHistory(store.db).at(-1);
      const doc = engine.settings;
      emit(ctx, { version: engine.settingsVersion, since: latest?.at ?? null, by: latest?.by ?? null, settings: doc }, [
        `settings v${engine.settingsVersion}${latest ? ` (since ${latest.at}, by ${latest.by}: ${latest.change})` : ' (the defaults)'}`,
        ...detailLines(doc as unknown as Record<string, unknown>).map((l) => `  ${l}`),
        ...(doc.monday === null ? ['  monday: none (ladder settings set monday.boardId ID)'] : []),
      ]);
    })());

  settings.command('set').argument('<path>', 'e.g. rules.timers.sqlStaleDays, users.marcus, monday.boardId, clock.maxAheadHours')
    .argument('<value>', 'JSON (45, true, ["2026-12-25"]) or text (cro)')
    .description('set one value (sales.ops or cro); the whole document is validated before it is stored')
    .action((path: string, value: string) => run((ctx) => {
      apply(ctx, (cur) => withSettingText(cur, path, value), `set ${path} = ${value}`);
    })());

  settings.command('unset').argument('<path>', 'e.g. users.marcus, monday.endpoint')
    .description('remove one value (a user; an optional monday field)')
    .action((path: string) => run((ctx) => {
      apply(ctx, (cur) => withSetting(cur, path, undefined), `unset ${path}`);
    })());

  settings.command('import').argument('<file>', 'a ladder.config.json: users, rules, monday, clock (each section given replaces that section)')
    .description('import a configuration file into the database (the only way a file affects settings)')
    .action((file: string) => run((ctx) => {
      const full = resolve(file);
      let raw: unknown;
      try { raw = JSON.parse(readFileSync(full, 'utf8')); } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new BadInputError(`${full}: ${e.code ? `cannot read it (${e.code})` : `not valid JSON (${e.message})`}`, 'file');
      }
      apply(ctx, (cur) => importConfigFile(cur, raw, full), `import ${full}`);
    })());

  settings.command('history').description('every settings version: when, who, and what changed')
    .action(() => run((ctx) => {
      const rows = settingsHistory(ctx.reader().store.db);
      emit(ctx, rows, rows.flatMap((r) => [`v${r.version}  ${r.at}  ${r.by} (${r.role})  ${r.change}`, ...changeLines(r.changes)]));
    })());
}
