// Email-sequence templates and their approval (issue 14, HO 5.1-5.4), end to end through the built `ladder` on a
// real database with a moved clock: both approval flows, a CRO NO-GO with feedback and a new version, a
// pre-approved template's second batch needing only the CRO's list approval, lists refused for a suppressed
// contact (at proposal, and at approval when the contact was suppressed since), an SLA breach and a 48-hour
// escalation fired by the sweep, role refusals recorded, a rule added to the settings refusing an approval.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSING_FACTS } from '../helpers/store.js';
import { at, LadderCli } from '../helpers/cli.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'templates');
const MON = '2026-04-06T09:00:00.000Z'; // a Monday
const SCORES3 = { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } as const;
type Applied = { id: string; status: string; before: string | null; after: string; seq: number; armed: { timerId: string; dueAt: string }[] };

let cli: LadderCli;
const as = (who: string, now: string) => ({ as: who, now });
beforeAll(() => {
  cli = new LadderCli();
  cli.ok(['settings', 'set', 'users.pat', 'category.positioning'], as('ana', MON));
  cli.seed((s) => {
    // acme.com: MQL (jane); beta.com: SQL confirmed (bo); delta.com and epsilon.com: MQLs whose contacts are shared.
    s.add('acme.com', MON, { facts: PASSING_FACTS }).signal('acme.com', MON, 'E1', 'jane@acme.com', 'comment');
    s.add('beta.com', MON, { facts: PASSING_FACTS }).signal('beta.com', MON, 'E1', 'bo@beta.com', 'comment')
      .send('beta.com', MON, { type: 'DOSSIER', scores: SCORES3 }).send('beta.com', MON, { type: 'CRO_CONFIRM' }, { by: 'marcus', role: 'cro' });
    s.add('delta.com', MON, { facts: PASSING_FACTS }).signal('delta.com', MON, 'E1', 'bob@delta.com', 'comment');
    s.add('epsilon.com', MON, { facts: PASSING_FACTS }).signal('epsilon.com', MON, 'E1', 'eve@epsilon.com', 'comment');
    // bob and eve also engaged acme; then delta opts out, which suppresses bob everywhere (HO 3.5, 5.6).
    s.signal('acme.com', at(MON, 0, 1), 'E1', 'bob@delta.com', 'comment').signal('acme.com', at(MON, 0, 1), 'E1', 'eve@epsilon.com', 'comment');
    s.send('delta.com', at(MON, 0, 1), { type: 'DISQUALIFY', reason: 'opt-out' });
  });
});
afterAll(() => cli?.cleanup());

const tplState = (id: string) => cli.query<{ state: string }>("select state from machine_actors where kind = 'template' and id = ?", id)[0]?.state;
const refusalsOf = (subject: string) => cli.query<{ type: string; by: string; role: string; why: string }>('select type, by, role, why from refusals where subject = ? order by id', subject);

describe('the simplified flow (Nurture, HO 5.4.1): CMO approves the messaging; the CRO reviews the list in parallel', () => {
  it('stores a version as a draft, submits it, approves a list beside the CMO review, and the CMO approves', () => {
    const added = cli.json<{ template: string; versionOf: number }>(['template', 'add', join(FIX, 'nurture-mql-1.md')], as('pat', at(MON, 0, 2)));
    expect(added).toMatchObject({ template: 'nurture-mql-1.v1', versionOf: 1 });
    expect(tplState('nurture-mql-1.v1')).toBe('draft');
    const submitted = cli.json<Applied>(['template', 'submit', 'nurture-mql-1.v1'], as('pat', at(MON, 0, 2)));
    expect(submitted).toMatchObject({ before: 'draft', after: 'cmoReview' });
    // The SLA: 1 business day (Monday 11:00 → Tuesday 11:00); escalation: 48 hours.
    expect(submitted.armed.map((t) => t.dueAt).sort()).toEqual(['2026-04-07T11:00:00.000Z', '2026-04-08T11:00:00.000Z']);

    const list = cli.json<{ list: string }>(['recipients', 'propose', '--template', 'nurture-mql-1.v1', '--entry', 'acme.com=Jane@Acme.com'], as('ana', at(MON, 0, 3)));
    expect(list.list).toBe('list-1');
    expect(cli.query('select account, contact, stage, why from recipient_entries where list = ?', 'list-1'))
      .toEqual([{ account: 'acme.com', contact: 'jane@acme.com', stage: 'MQL.dossier', why: 'MQL.dossier; latest signal E1 on 2026-04-06' }]);
    expect(cli.json<Applied>(['recipients', 'approve', 'list-1'], as('marcus', at(MON, 0, 4)))).toMatchObject({ before: 'proposed', after: 'approved' });

    // The CRO does not approve Nurture content (HO 5.4.1): GO is refused, and recorded.
    const go = cli.run(['template', 'go', 'nurture-mql-1.v1'], as('marcus', at(MON, 0, 4)));
    expect(go.code, go.stderr).toBe(3);
    expect(go.stderr).toMatch(/needs no CRO narrative approval/);
    expect(cli.json<Applied>(['template', 'approve', 'nurture-mql-1.v1'], as('carla', at(MON, 0, 5)))).toMatchObject({ before: 'cmoReview', after: 'approved' });
    expect(cli.query("select count(*) n from machine_timers where actor_id = 'nurture-mql-1.v1' and status = 'pending'")).toEqual([{ n: 0 }]);
  });

  it('a pre-approved template needs only the CRO\'s approval of each new list (HO 5.4.3): no template event', () => {
    const before = cli.query("select count(*) n from machine_events where kind = 'template' and actor_id = 'nurture-mql-1.v1'");
    const list = cli.json<{ list: string }>(['recipients', 'propose', '--template', 'nurture-mql-1.v1', '--entry', 'epsilon.com=eve@epsilon.com', '--note', 'week 2 batch'], as('ana', at(MON, 1)));
    expect(cli.json<Applied>(['recipients', 'approve', list.list], as('marcus', at(MON, 1, 1)))).toMatchObject({ after: 'approved' });
    expect(cli.query("select count(*) n from machine_events where kind = 'template' and actor_id = 'nurture-mql-1.v1'")).toEqual(before);
  });

  it('refuses a list holding a suppressed contact, naming the entry; nothing stored, the refusal recorded', () => {
    const lists = cli.query('select count(*) n from recipient_lists');
    const r = cli.run(['recipients', 'propose', '--template', 'nurture-mql-1.v1', '--entry', 'acme.com=jane@acme.com', '--entry', 'acme.com=https://www.linkedin.com/in/x', '--entry', 'acme.com=BOB@delta.com'], as('ana', at(MON, 1, 2)));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/entry 3 \(acme\.com, BOB@delta\.com\): suppressed \(opt-out\); never re-engaged/);
    expect(cli.query('select count(*) n from recipient_lists')).toEqual(lists);
    expect(refusalsOf('template:nurture-mql-1.v1').at(-1)).toMatchObject({ type: 'RECIPIENTS_PROPOSED', by: 'ana', role: 'sales.ops' });
  });

  it('checks a list again when the CRO decides: a contact suppressed since the proposal refuses the approval', () => {
    const list = cli.json<{ list: string }>(['recipients', 'propose', '--template', 'nurture-mql-1.v1', '--entry', 'acme.com=eve@epsilon.com'], as('ana', at(MON, 1, 3)));
    cli.ok(['disqualify', 'epsilon.com', '--reason', 'hostile'], as('ana', at(MON, 1, 4)));
    const r = cli.run(['recipients', 'approve', list.list], as('marcus', at(MON, 1, 5)));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/cannot approve list-\d+: \d+ problems? with it for nurture-mql-1\.v1.*eve@epsilon\.com\): suppressed \(hostile\)/);
    expect(cli.query("select state from machine_actors where kind = 'recipients' and id = ?", list.list)).toEqual([{ state: 'proposed' }]);
    // The engine's check is what the machine judged: a caller cannot hand in a clean one.
    expect(refusalsOf(`recipients:${list.list}`)).toEqual([expect.objectContaining({ type: 'RECIPIENTS_APPROVE', by: 'marcus', role: 'cro' })]);
    const judged = JSON.parse(cli.query<{ payload: string }>('select payload from refusals where subject = ?', `recipients:${list.list}`)[0]!.payload);
    expect(judged.check.problems).toEqual([expect.stringMatching(/eve@epsilon\.com\): suppressed \(hostile\)/)]);
    // Withdrawn, its SLA timers end with it.
    expect(cli.json<Applied>(['recipients', 'withdraw', list.list, '--reason', 'eve is suppressed now'], as('ana', at(MON, 1, 6)))).toMatchObject({ before: 'proposed', after: 'withdrawn' });
    expect(cli.query("select count(*) n from machine_timers where actor_id = ? and status = 'pending'", list.list)).toEqual([{ n: 0 }]);
  });

  it('refuses a list for accounts not at the sequence\'s target stage (HO 5.2)', () => {
    const r = cli.run(['recipients', 'propose', '--template', 'nurture-mql-1.v1', '--entry', 'beta.com=bo@beta.com'], as('ana', at(MON, 1, 6)));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the account is SQL\.confirmed, not MQL: Nurture-MQL targets MQL/);
  });
});

describe('the full flow (Activation, HO 5.4.2): CMO approves, then the CRO gives GO / NO-GO', () => {
  it('a NO-GO sends it back with feedback; a change is a new version that starts over, then GO, then the list', () => {
    cli.ok(['template', 'add', join(FIX, 'activation-sql-1.md')], as('pat', at(MON, 2)));
    cli.ok(['template', 'submit', 'activation-sql-1.v1'], as('pat', at(MON, 2)));
    expect(cli.json<Applied>(['template', 'approve', 'activation-sql-1.v1'], as('carla', at(MON, 2, 1)))).toMatchObject({ after: 'croReview' });
    // A list before the GO is refused (the CRO approves the list after the narrative).
    const early = cli.run(['recipients', 'propose', '--template', 'activation-sql-1.v1', '--entry', 'beta.com=bo@beta.com'], as('ana', at(MON, 2, 1)));
    expect(early.code).toBe(3);
    expect(early.stderr).toMatch(/after the CRO's GO on the template \(HO 5\.4\.2\)/);
    // The NO-GO needs feedback (bad input), then takes it back to category.positioning.
    expect(cli.run(['template', 'no-go', 'activation-sql-1.v1'], as('marcus', at(MON, 2, 2))).code).toBe(2);
    cli.ok(['template', 'no-go', 'activation-sql-1.v1', '--feedback', 'Lead with their partner-revenue number, not the framework.'], as('marcus', at(MON, 2, 2)));
    expect(tplState('activation-sql-1.v1')).toBe('draft');
    const shown = cli.json<{ feedback: { step: string; by: string; text: string }[] }>(['template', 'show', 'activation-sql-1.v1']);
    expect(shown.feedback).toEqual([expect.objectContaining({ step: 'cro', by: 'marcus', text: 'Lead with their partner-revenue number, not the framework.' })]);

    // The CRO cannot line-edit: category.positioning writes a new version, which starts over at the CMO.
    const v2 = join(cli.dir, 'activation-sql-1.md');
    writeFileSync(v2, readFileSync(join(FIX, 'activation-sql-1.md'), 'utf8').replace('The timing matters, because {{market_timing_hook}}.', 'Peers your size found a third of partner revenue unattributed, and the timing matters, because {{market_timing_hook}}.'));
    expect(cli.json<{ template: string }>(['template', 'add', v2], as('pat', at(MON, 2, 3))).template).toBe('activation-sql-1.v2');
    const diff = cli.json<{ patch: string }>(['template', 'diff', 'activation-sql-1.v1', 'activation-sql-1.v2']);
    expect(diff.patch).toMatch(/^\+Peers your size found a third/m);
    cli.ok(['template', 'submit', 'activation-sql-1.v2'], as('pat', at(MON, 2, 3)));
    cli.ok(['template', 'approve', 'activation-sql-1.v2'], as('carla', at(MON, 2, 4)));
    expect(cli.json<Applied>(['template', 'go', 'activation-sql-1.v2'], as('marcus', at(MON, 2, 5)))).toMatchObject({ before: 'croReview', after: 'approved' });
    const list = cli.json<{ list: string }>(['recipients', 'propose', '--template', 'activation-sql-1.v2', '--entry', 'beta.com=bo@beta.com'], as('ana', at(MON, 2, 6)));
    expect(cli.json<Applied>(['recipients', 'approve', list.list], as('marcus', at(MON, 2, 7)))).toMatchObject({ after: 'approved' });
    // The same text again is the same version, not a new one.
    expect(cli.json<{ template: string; duplicate: boolean }>(['template', 'add', v2], as('pat', at(MON, 2, 8)))).toMatchObject({ template: 'activation-sql-1.v2', duplicate: true });
  });
});

describe('roles, rules and SLAs', () => {
  it('refuses, and records, a decision by the wrong role; sales.ops cannot add a template', () => {
    cli.ok(['template', 'add', join(FIX, 'post-briefing-1.md')], as('pat', at(MON, 3)));
    cli.ok(['template', 'submit', 'post-briefing-1.v1'], as('pat', at(MON, 3)));
    const self = cli.run(['template', 'approve', 'post-briefing-1.v1'], as('pat', at(MON, 3)));
    expect(self.code).toBe(3);
    expect(self.stderr).toMatch(/CMO_APPROVE is for cmo; this user acts as category\.positioning/);
    expect(refusalsOf('template:post-briefing-1.v1').at(-1)).toMatchObject({ type: 'CMO_APPROVE', by: 'pat', role: 'category.positioning' });
    const ops = cli.run(['template', 'add', join(FIX, 're-engagement-1.md')], as('ana', at(MON, 3)));
    expect(ops.code).toBe(3);
    expect(ops.stderr).toMatch(/TEMPLATE_ADDED is for category\.positioning/);
  });

  it('refuses a template breaking a content rule at add, naming the rule and the line; nothing stored', () => {
    const r = cli.run(['template', 'add', join(FIX, 'nurture-with-pricing.md')], as('pat', at(MON, 3)));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/breaks \d+ content rules? \(HO 5\.3\); nothing was stored:\n {2}line \d+: no-pricing/);
    expect(cli.query("select count(*) n from templates where file = 'nurture-with-pricing.md'")).toEqual([{ n: 0 }]);
  });

  it('checks the content rules again at every approval: a drift phrase added to the settings refuses the CMO\'s approval', () => {
    cli.ok(['settings', 'set', 'templates.driftPhrases', JSON.stringify(['the next generation of RevOps', 'post-RevOps', 'what comes after RevOps', 'RevOps 2.0', 'one-page scope'])], as('ana', at(MON, 3, 1)));
    const r = cli.run(['template', 'approve', 'post-briefing-1.v1'], as('carla', at(MON, 3, 2)));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/breaks 1 content rule \(HO 5\.3\): line 13: .*one-page scope/);
    expect(tplState('post-briefing-1.v1')).toBe('cmoReview');
    // A framework template (Post-Briefing) is never sent by Ladder: it has no recipient lists.
    cli.ok(['settings', 'set', 'templates.driftPhrases', JSON.stringify(['the next generation of RevOps', 'post-RevOps', 'what comes after RevOps', 'RevOps 2.0'])], as('ana', at(MON, 3, 3)));
    cli.ok(['template', 'approve', 'post-briefing-1.v1'], as('carla', at(MON, 3, 3)));
    const list = cli.run(['recipients', 'propose', '--template', 'post-briefing-1.v1', '--entry', 'beta.com=bo@beta.com'], as('ana', at(MON, 3, 4)));
    expect(list.code).toBe(3);
    expect(list.stderr).toMatch(/Post-Briefing is not sent by Ladder/);
  });

  it('flags a step past its SLA (1 business day) and escalates it past 48 hours to chief.staff, by the sweep', () => {
    const FRI = '2026-04-10T16:00:00.000Z';
    cli.ok(['template', 'add', join(FIX, 're-engagement-1.md')], as('pat', FRI));
    const s = cli.json<Applied>(['template', 'submit', 're-engagement-1.v1'], as('pat', FRI));
    // Friday 16:00 + 1 business day = Monday 16:00; + 48 hours = Sunday 16:00.
    expect(s.armed.map((t) => t.dueAt).sort()).toEqual(['2026-04-12T16:00:00.000Z', '2026-04-13T16:00:00.000Z']);
    const sunday = cli.json<{ approvals: { slaBreaches: number; escalated: number } }>(['sweep'], as('ana', '2026-04-12T17:00:00.000Z'));
    expect(sunday.approvals).toEqual({ slaBreaches: 0, escalated: 1 });
    expect(cli.query("select kind, severity, subject from escalations where kind = 'approval-48h'")).toEqual([{ kind: 'approval-48h', severity: 'escalation', subject: 'template:re-engagement-1.v1:cmo:1' }]);
    const monday = cli.json<{ approvals: { slaBreaches: number; escalated: number } }>(['sweep'], as('ana', '2026-04-13T17:00:00.000Z'));
    expect(monday.approvals).toEqual({ slaBreaches: 1, escalated: 0 });
    const shown = cli.json<{ slaBreaches: unknown[]; escalations: unknown[]; state: string }>(['template', 'show', 're-engagement-1.v1']);
    expect(shown).toMatchObject({ state: 'cmoReview', slaBreaches: [{ step: 'cmo', round: 1, dueAt: '2026-04-13T16:00:00.000Z' }], escalations: [{ step: 'cmo', round: 1 }] });
    // A third sweep fires nothing more: each timer fired once.
    expect(cli.json<{ approvals: { slaBreaches: number; escalated: number } }>(['sweep'], as('ana', '2026-04-14T17:00:00.000Z')).approvals).toEqual({ slaBreaches: 0, escalated: 0 });
  });

  it('replays every template approval and recipient list from its log to the stored snapshot, under the settings of each event', () => {
    const r = cli.json<{ differing: number; results: { account: string; status: string; settingsVersions: number[] }[] }>(['replay']);
    expect(r.differing).toBe(0);
    const approvals = r.results.filter((x) => x.account.startsWith('template:') || x.account.startsWith('recipients:'));
    expect(approvals.length).toBe(cli.query<{ n: number }>('select count(*) n from machine_actors')[0]!.n);
    expect(approvals.every((x) => x.status === 'equal')).toBe(true);
    // post-briefing-1.v1 was refused under one settings version and approved under a later one.
    expect(approvals.find((x) => x.account === 'template:post-briefing-1.v1')!.settingsVersions.length).toBeGreaterThan(1);
  });
});
