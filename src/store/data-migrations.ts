// Data migrations SQL cannot express, each run once (recorded in data_migrations) in one transaction, after
// the schema migrations, when a database is opened for writing. Stored snapshots are not rewritten here: they
// are upgraded when loaded (src/engine/upgrade.ts), so the log still replays to them.
import type Database from 'better-sqlite3';
import { contactKey } from '../../machines/rules/contact.js';

type DataMigration = { id: string; run(sqlite: Database.Database): string };

const MIGRATIONS: DataMigration[] = [
  {
    // Issue 11: suppression is checked by the contact's canonical key; rows written before it used whatever
    // spelling the command had (https://www.linkedin.com/in/Jane/), so a respelling slipped past them.
    id: '2026-11-contact-keys',
    run(sqlite) {
      const rows = sqlite.prepare("select id, value from suppressions where kind = 'contact'").all() as { id: number; value: string }[];
      const exists = sqlite.prepare("select id from suppressions where kind = 'contact' and value = ?").pluck();
      const update = sqlite.prepare('update suppressions set value = ? where id = ?');
      const remove = sqlite.prepare('delete from suppressions where id = ?');
      let changed = 0;
      let merged = 0;
      for (const r of rows) {
        const k = contactKey(r.value);
        if (!k.ok || k.key === r.value) continue;
        const other = exists.get(k.key) as number | undefined;
        if (other !== undefined && other !== r.id) { remove.run(r.id); merged++; } else { update.run(k.key, r.id); changed++; }
      }
      return `${changed} suppressed contacts rewritten to their canonical key, ${merged} merged into an existing one`;
    },
  },
  {
    // Issue 11: MQL gained sub-states (dossier owed / nurture). A stored v1 MQL becomes MQL.nurture when it is
    // loaded (upgrade v1 → v2); the stage columns and the open stay say so from now on.
    id: '2026-11-mql-substates',
    run(sqlite) {
      const actors = sqlite.prepare("update actors set substate = 'nurture' where stage = 'MQL' and substate is null").run().changes;
      sqlite.prepare("update stage_history set substate = 'nurture' where stage = 'MQL' and substate is null and exited_at is null").run();
      return `${actors} MQL accounts marked nurture`;
    },
  },
];

export function runDataMigrations(sqlite: Database.Database): void {
  const done = new Set(sqlite.prepare('select id from data_migrations').pluck().all() as string[]);
  const todo = MIGRATIONS.filter((m) => !done.has(m.id));
  if (todo.length === 0) return;
  sqlite.transaction(() => {
    for (const m of todo) {
      // Re-checked inside the write lock: another process may have run it meanwhile.
      if (sqlite.prepare('select 1 from data_migrations where id = ?').get(m.id)) continue;
      const detail = m.run(sqlite);
      sqlite.prepare('insert into data_migrations (id, at, detail) values (?, ?, ?)').run(m.id, new Date().toISOString(), detail);
    }
  }).immediate();
}
