// Signal notes through the engine (LQ 5): accepted notes become SIGNAL events with the note kept;
// bounces record nothing but the bounce; the third bounce from one sender escalates (LQ 7.2).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestNote } from '../../src/intake/notes-intake.js';
import { tempEngine, PASSING_FACTS } from '../helpers/store.js';

const NOTES = join(import.meta.dirname, '..', 'fixtures', 'intake', 'notes');
const note = (name: string) => readFileSync(join(NOTES, name), 'utf8');
const ops = { by: 'sales.ops', role: 'sales.ops' as const };
const NOW = '2026-04-20T09:00:00.000Z';
let env: ReturnType<typeof tempEngine>;
afterEach(() => env?.cleanup());

function withAccount(domain: string) {
  env = tempEngine();
  env.engine.addAccount({ domain, name: domain, hq: 'Seattle', tier: 'Tier 1', icpScore: 82, facts: PASSING_FACTS }, { ...ops, at: '2026-04-01T00:00:00Z', now: '2026-04-01T00:00:00Z', source: 'cli' });
  return env.engine;
}
const count = (table: string) => (env.store.sqlite.prepare(`select count(*) n from ${table}`).get() as { n: number }).n;

describe('signal notes through the engine', () => {
  it("accepts the SOP's own example note (LQ 5.4): an E3 DM fast-tracks a passing account to the SQL dossier", () => {
    const engine = withAccount('acmecloud.com');
    const out = ingestNote(engine, { path: 'sop-example.md', text: note('sop-example.md'), now: NOW, actor: ops });
    expect(out).toMatchObject({ status: 'accepted', account: 'acmecloud.com', code: 'E3', stale: false });
    expect(engine.load('acmecloud.com')!.snapshot.value).toEqual({ SQL: 'dossier' });
    const kept = env.store.sqlite.prepare('select sender, body, stale from intake_notes').get() as { sender: string; body: string; stale: number };
    expect(kept.sender).toBe('mining.mind');
    expect(kept.body).toContain('Her DM is the first inbound of the week.');
    const event = env.store.sqlite.prepare("select payload from events where type = 'SIGNAL'").get() as { payload: string };
    expect(JSON.parse(event.payload).signal).toMatchObject({ code: 'E3', contact: 'linkedin.com/in/janedoe', at: '2026-04-17T21:20:00.000Z' });
  });

  it('records a re-sent note once', () => {
    const engine = withAccount('acmecloud.com');
    ingestNote(engine, { path: 'a.md', text: note('sop-example.md'), now: NOW, actor: ops });
    const again = ingestNote(engine, { path: 'a.md', text: note('sop-example.md'), now: NOW, actor: ops });
    expect(again.status).toBe('duplicate');
    expect(count("events where type = 'SIGNAL'")).toBe(1);
  });

  it('marks a note older than 14 days as stale but accepts it', () => {
    const engine = withAccount('globex.co.uk');
    const out = ingestNote(engine, { path: 'stale.md', text: note('stale.md'), now: NOW, actor: ops });
    expect(out).toMatchObject({ status: 'accepted', stale: true });
    expect((env.store.sqlite.prepare('select stale from intake_notes').get() as { stale: number }).stale).toBe(1);
  });

  const missing = readdirSync(NOTES).filter((f) => f.startsWith('missing-')).map((f) => [f.slice('missing-'.length, -3), f]);
  it.each(missing)('bounces a note missing %s, naming that field, and records nothing but the bounce', (field, file) => {
    const engine = withAccount('acmecloud.com');
    const before = count('events');
    const out = ingestNote(engine, { path: file, text: note(file), now: NOW, actor: ops });
    expect(out.status).toBe('bounced');
    if (out.status !== 'bounced') return;
    expect(out.problems.map((p) => p.field)).toContain(field);
    expect(count('events')).toBe(before);
    expect(count('intake_bounces')).toBe(1);
  });

  it('raises the LQ 7.2 escalation on the third bounce from one sender, once', () => {
    const engine = withAccount('acmecloud.com');
    const bounce = (i: number) => ingestNote(engine, { path: `m${i}.md`, text: note('missing-source.md'), now: NOW, actor: ops });
    expect(bounce(1)).toMatchObject({ status: 'bounced', escalated: false });
    expect(bounce(2)).toMatchObject({ status: 'bounced', escalated: false });
    expect(bounce(3)).toMatchObject({ status: 'bounced', escalated: true });
    expect(bounce(4)).toMatchObject({ status: 'bounced', escalated: false });
    const esc = env.store.sqlite.prepare('select kind, subject from escalations').all();
    expect(esc).toEqual([{ kind: 'intake-bounces', subject: 'mining.mind' }]);
  });

  it('refuses a note for a company that is not on the ladder, saying what to do', () => {
    env = tempEngine();
    const out = ingestNote(env.engine, { path: 'sop-example.md', text: note('sop-example.md'), now: NOW, actor: ops });
    expect(out.status).toBe('refused');
    if (out.status === 'refused') expect(out.why).toMatch(/not on the ladder yet: import or add it first/);
  });
});
