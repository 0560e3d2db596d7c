// Issue 11 §1: one refusal rule for every path — the refused event's own payload, its source and the reason
// are recorded, nothing else is written. Before, the sweep closed a refused timer with no record, note intake
// recorded a payload that was not the refused event's, and a refused account add left no record at all.
import { afterEach, describe, expect, it } from 'vitest';
import { tempEngine, PASSING_FACTS, SYSTEM } from '../helpers/store.js';
import { sweep } from '../../src/engine/sweep.js';
import { ingestNote } from '../../src/intake/notes-intake.js';
import { RefusedError } from '../../src/engine/errors.js';
import { contentHash } from '../helpers/reliability.js';

const ops = { by: 'ana', role: 'sales.ops' as const };
const T0 = '2026-03-02T09:00:00.000Z';
let env: ReturnType<typeof tempEngine>;
afterEach(() => env?.cleanup());

const lastRefusal = () => env.store.sqlite.prepare('select account, type, payload, by, role, source, at, why from refusals order by id desc limit 1').get() as
  { account: string | null; type: string; payload: string; by: string; role: string; source: string; at: string; why: string };
const refusalCount = () => env.store.sqlite.prepare('select count(*) from refusals').pluck().get() as number;

describe('one refusal rule on every path', () => {
  it('a refused signal note records the SIGNAL event exactly as it would have been logged, from intake', () => {
    env = tempEngine();
    env.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...ops, at: T0, now: T0, source: 'cli' });
    env.engine.submit({ account: 'acme.com', source: 'cli', now: T0, event: { type: 'DISQUALIFY', ...ops, at: T0, reason: 'opt-out' } });
    const note = ['---', 'source: dm', 'prospect_name: Jane Doe', 'prospect_linkedin_url: https://www.linkedin.com/in/janedoe', 'company_name: Acme',
      'company_domain: acme.com', 'signal_type: inbound', 'signal_summary: asked for a call', 'icp_match_score: 80', 'captured_at: 2026-03-02T10:00:00Z',
      'captured_by: mining.mind', '---', 'body'].join('\n');
    const before = contentHash(env.store.sqlite);
    const out = ingestNote(env.engine, { path: 'n.md', text: note, now: '2026-03-02T10:05:00.000Z', actor: ops });
    expect(out.status).toBe('refused');
    expect(contentHash(env.store.sqlite)).toBe(before);
    const r = lastRefusal();
    expect(r).toMatchObject({ account: 'acme.com', type: 'SIGNAL', by: 'ana', role: 'sales.ops', source: 'intake', at: '2026-03-02T10:05:00.000Z' });
    const payload = JSON.parse(r.payload) as { signal: { id: string; contact: string; at: string; source: string } };
    // The event that would have been logged: its own id, canonical contact, captured_at and source.
    expect(payload.signal).toEqual({ id: expect.stringMatching(/^note:[0-9a-f]{24}$/), code: 'E3', contact: 'linkedin.com/in/janedoe', at: '2026-03-02T10:00:00.000Z', source: 'note:dm' });
    expect((out as { why: string }).why).toBe(r.why);
  });

  it('a refused account add (already on the ladder) is recorded with the ACCOUNT_ADDED payload', () => {
    env = tempEngine();
    env.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80 }, { ...ops, at: T0, now: T0, source: 'cli' });
    const before = contentHash(env.store.sqlite);
    expect(() => env.engine.addAccount({ domain: 'acme.com', name: 'Acme 2', hq: 'Oslo', tier: 'Tier 2', icpScore: 50 }, { ...ops, at: T0, now: T0, source: 'api' })).toThrow(RefusedError);
    expect(contentHash(env.store.sqlite)).toBe(before);
    const r = lastRefusal();
    expect(r).toMatchObject({ account: 'acme.com', type: 'ACCOUNT_ADDED', source: 'api', why: 'acme.com is already on the ladder (ladder status acme.com)' });
    expect(JSON.parse(r.payload)).toMatchObject({ type: 'ACCOUNT_ADDED', name: 'Acme 2', hq: 'Oslo', input: { account: 'acme.com', tier: 'Tier 2' } });
  });

  it('a timer the machine no longer accepts is closed by the sweep with a refusal record of its own event', () => {
    env = tempEngine();
    env.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...ops, at: T0, now: T0, source: 'cli' });
    const signal = (at: string, n: number) => env.engine.submit({ account: 'acme.com', source: 'cli', now: at, event: { type: 'SIGNAL', ...ops, at, signal: { id: `s${n}`, code: 'E3', contact: `https://linkedin.com/in/p${n}`, at } } });
    signal(T0, 1); // SQL dossier fast track; dossier SLA due 03T09
    expect(sweep(env.engine, { now: '2026-03-04T09:00:00.000Z', as: SYSTEM }).slaBreaches).toBe(1);
    signal('2026-03-05T09:00:00.000Z', 2); // re-enters SQL.dossier: the SLA timer is re-armed, already flagged in this stay
    const refusalsBefore = refusalCount();
    const r = sweep(env.engine, { now: '2026-03-05T10:00:00.000Z', as: SYSTEM });
    expect(r).toMatchObject({ fired: 0, skipped: 1 });
    expect(refusalCount()).toBe(refusalsBefore + 1);
    const rec = lastRefusal();
    expect(rec).toMatchObject({ account: 'acme.com', type: 'xstate.after.DOSSIER_SLA.ladder.SQL.dossier', by: 'system', role: 'system', source: 'timer' });
    expect(JSON.parse(rec.payload)).toMatchObject({ type: 'xstate.after.DOSSIER_SLA.ladder.SQL.dossier', timer: expect.any(Number) });
    const timer = env.store.sqlite.prepare('select status, closed_by from timers where id = ?').get(JSON.parse(rec.payload).timer);
    expect(timer).toEqual({ status: 'cancelled', closed_by: null });
  });

  it('the outbox and suppression hooks come with the database\'s settings, whoever opens it (not only the CLI)', () => {
    env = tempEngine({ monday: { boardId: '18406915789', endpoint: 'http://127.0.0.1:9/v2' } });
    env.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...ops, at: T0, now: T0, source: 'api' });
    env.engine.submit({ account: 'acme.com', source: 'api', now: T0, event: { type: 'SIGNAL', ...ops, at: T0, signal: { id: 's', code: 'E1', interaction: 'comment', contact: 'https://linkedin.com/in/Jane', at: T0 } } });
    env.engine.submit({ account: 'acme.com', source: 'api', now: T0, event: { type: 'DISQUALIFY', ...ops, at: T0, reason: 'hostile' } });
    expect(env.store.sqlite.prepare('select count(*) from monday_comments').pluck().get()).toBe(2);
    expect(env.store.sqlite.prepare("select kind, value from suppressions order by id").all()).toEqual([
      { kind: 'account', value: 'acme.com' }, { kind: 'contact', value: 'linkedin.com/in/jane' },
    ]);
  });
});

describe('a whole command refused before it starts is recorded too', () => {
  it('an import by a role that may not add accounts leaves a refusal record, and nothing else', async () => {
    const { importFile } = await import('../../src/intake/importer.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    env = tempEngine();
    const file = join(env.path, '..', 'rows.csv');
    writeFileSync(file, 'Name,Domain,HQ Location,Tier,ICP Score\nAcme,acme.com,Berlin,Tier 1,80\n');
    const before = contentHash(env.store.sqlite);
    await expect(importFile(env.engine, { path: file, now: T0, actor: { by: 'eva', role: 'chief.staff' } })).rejects.toThrow(/cannot import .*rows\.csv: ACCOUNT_ADDED is for sales.ops \/ cro/);
    expect(contentHash(env.store.sqlite)).toBe(before);
    expect(lastRefusal()).toMatchObject({ account: null, type: 'ACCOUNT_ADDED', by: 'eva', role: 'chief.staff', source: 'import' });
    expect(JSON.parse(lastRefusal().payload)).toEqual({ type: 'IMPORT', file });
  });

  it('a signal note for an account not on the ladder is refused with a record of the SIGNAL it would have been', () => {
    env = tempEngine();
    const note = ['---', 'source: comment', 'prospect_name: Jo', 'prospect_linkedin_url: https://www.linkedin.com/in/jo', 'company_name: Nowhere',
      'company_domain: nowhere.io', 'signal_type: engagement', 'signal_summary: commented', 'icp_match_score: 50', 'captured_at: 2026-03-02T08:00:00Z',
      'captured_by: mining.mind', '---', ''].join('\n');
    const out = ingestNote(env.engine, { path: 'n.md', text: note, now: T0, actor: ops });
    expect(out).toMatchObject({ status: 'refused', account: 'nowhere.io' });
    expect(lastRefusal()).toMatchObject({ account: 'nowhere.io', type: 'SIGNAL', source: 'intake', why: (out as { why: string }).why });
    expect(JSON.parse(lastRefusal().payload)).toMatchObject({ type: 'SIGNAL', signal: { contact: 'linkedin.com/in/jo', at: '2026-03-02T08:00:00.000Z' } });
    expect(env.store.sqlite.prepare('select count(*) from events').pluck().get()).toBe(0);
  });
});

describe('timers fall due before an enrichment too (DOMAIN "Timers")', () => {
  it('an enrichment a week after an MQL classification fires the dossier SLA first, dated when it fell due', () => {
    env = tempEngine();
    env.engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...ops, at: T0, now: T0, source: 'cli' });
    env.engine.submit({ account: 'acme.com', source: 'cli', now: T0, event: { type: 'SIGNAL', ...ops, at: T0, signal: { id: 's', code: 'E1', interaction: 'comment', contact: 'https://linkedin.com/in/jo', at: T0 } } });
    const later = '2026-03-09T09:00:00.000Z';
    const r = env.engine.enrich('acme.com', { industry: 'SaaS' }, { ...ops, now: later, source: 'import' });
    expect(r.caughtUp).toEqual([expect.objectContaining({ timerId: 'xstate.after.DOSSIER_SLA.ladder.MQL.dossier', at: '2026-03-03T09:00:00.000Z' })]);
    const evs = env.store.sqlite.prepare("select type, at from events where account = 'acme.com' order by seq").all() as { type: string; at: string }[];
    expect(evs.map((e) => e.type)).toEqual(['ACCOUNT_ADDED', 'SIGNAL', 'xstate.after.DOSSIER_SLA.ladder.MQL.dossier', 'ACCOUNT_ENRICHED']);
    expect(evs.map((e) => e.at)).toEqual([T0, T0, '2026-03-03T09:00:00.000Z', later]);
  });
});
