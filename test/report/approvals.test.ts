// The report's "Email approvals (HO 5.4)" section on a handmade fortnight built through the engine (templates
// added, submitted and decided, recipient lists proposed and decided, one sweep), every number computed by hand.
// Week 2026-W16 = Mon 13 – Sun 19 April 2026; times are UTC. SLA: 1 business day; escalation: 48 hours (HO 5.4.4).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { sweep } from '../../src/engine/sweep.js';
import { businessHours, computeApprovals } from '../../src/report/approvals.js';
import type { ApprovalRows } from '../../src/report/approvals-queries.js';
import { renderReportHtml } from '../../src/report/html.js';
import { weeklyReport } from '../../src/report/report.js';
import { reportText } from '../../src/report/text.js';
import { parseIsoWeek } from '../../src/report/week.js';
import { pendingApprovals } from '../../src/template-queries.js';
import { PASSING_FACTS, SYSTEM, tempEngine } from '../helpers/store.js';

let env: ReturnType<typeof tempEngine> | undefined;
afterEach(() => { env?.cleanup(); env = undefined; });

const at = (day: string, time: string) => `2026-${day}T${time}:00.000Z`;
const NOW = at('04-17', '15:00'); // Friday of W16, 15:00: the week is still running
const fixture = (name: string) => readFileSync(new URL(`../fixtures/templates/${name}`, import.meta.url), 'utf8');
const pia = { by: 'pia', role: 'category.positioning', source: 'cli' as const };
const carla = { by: 'carla', role: 'cmo', source: 'cli' as const };
const marcus = { by: 'marcus', role: 'cro', source: 'cli' as const };
const olivia = { by: 'olivia', role: 'sales.ops', source: 'cli' as const };
const contact = (account: string) => `https://linkedin.com/in/${account.split('.')[0]}`;

function addMqls(e: Engine, domains: string[]) {
  for (const domain of domains) {
    e.addAccount({ domain, name: domain, hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...olivia, at: at('04-01', '09:00'), now: at('04-01', '09:00') });
    e.submit({ account: domain, source: 'cli', now: at('04-01', '10:00'), event: { type: 'SIGNAL', signal: { id: `s-${domain}`, code: 'E1', interaction: 'comment', contact: contact(domain), at: at('04-01', '10:00') }, at: at('04-01', '10:00'), by: 'olivia', role: 'sales.ops' } as never });
  }
}

/** A version added and submitted at once by category.positioning; returns its id. */
function submit(e: Engine, text: string, when: string): string {
  const { template } = e.templates.add({ name: 'file.md', text }, { ...pia, now: when });
  e.templates.decide(template, { type: 'TEMPLATE_SUBMIT' }, { ...pia, now: when });
  return template;
}

/**
 * W15: nurture-mql-1.v1 submitted Thu 9 April 09:00 and list-1 (alpha) proposed for it at 12:00; nobody acts until
 * Monday, when the CRO rejects list-1 (09:00) and the CMO approves the template (10:00): each decision first fires its
 * step's SLA (Fri 10 April) and 48-hour escalation (Sat 11 April) timers. W16:
 *   Mon 09:00 activation-sql-1.v1 submitted; CMO approves 15:00 → CRO GO/NO-GO; CRO NO-GO Tue 11:00 (back to draft).
 *   Mon 11:00 list-2 (bravo) proposed; CRO approves Tue 09:00.
 *   Tue 10:00 re-engagement-1.v1 submitted; CMO rejects Wed 11:00, after its SLA (Wed 10:00).
 *   Wed 08:00 list-3 (charlie) proposed; nobody decides.
 *   Wed 09:00 activation-sql-1.v2 submitted; CMO approves 13:00 → CRO GO/NO-GO; nobody decides.
 *   Thu 16:00 post-briefing-1.v1 submitted (SLA Fri 16:00, after the report's now).
 *   Fri 14:00 the sweep flags list-3 and activation-sql-1.v2 (SLA Thu 08:00 / 13:00) and escalates them (Fri 08:00 / 13:00).
 */
function buildApprovalWeeks(e: Engine) {
  addMqls(e, ['alpha.com', 'bravo.com', 'charlie.com']);
  const nurture = submit(e, fixture('nurture-mql-1.md'), at('04-09', '09:00'));
  e.templates.proposeRecipients({ template: nurture, entries: [{ account: 'alpha.com', contact: contact('alpha.com') }] }, { ...olivia, now: at('04-09', '12:00') });
  e.templates.decideRecipients('list-1', { type: 'RECIPIENTS_REJECT', feedback: "alpha's contact left the company" }, { ...marcus, now: at('04-13', '09:00') });
  const activation1 = submit(e, fixture('activation-sql-1.md'), at('04-13', '09:00'));
  e.templates.decide(nurture, { type: 'CMO_APPROVE' }, { ...carla, now: at('04-13', '10:00') });
  e.templates.proposeRecipients({ template: nurture, entries: [{ account: 'bravo.com', contact: contact('bravo.com') }] }, { ...olivia, now: at('04-13', '11:00') });
  e.templates.decide(activation1, { type: 'CMO_APPROVE' }, { ...carla, now: at('04-13', '15:00') });
  e.templates.decideRecipients('list-2', { type: 'RECIPIENTS_APPROVE' }, { ...marcus, now: at('04-14', '09:00') });
  const reengagement = submit(e, fixture('re-engagement-1.md'), at('04-14', '10:00'));
  e.templates.decide(activation1, { type: 'CRO_NO_GO', feedback: 'name the Assessment outcome, not the process' }, { ...marcus, now: at('04-14', '11:00') });
  e.templates.proposeRecipients({ template: nurture, entries: [{ account: 'charlie.com', contact: contact('charlie.com') }] }, { ...olivia, now: at('04-15', '08:00') });
  const activation2 = submit(e, fixture('activation-sql-1.md').replace('Best,', 'Cheers,'), at('04-15', '09:00'));
  e.templates.decide(reengagement, { type: 'CMO_REJECT', feedback: 'too close to the nurture copy' }, { ...carla, now: at('04-15', '11:00') });
  e.templates.decide(activation2, { type: 'CMO_APPROVE' }, { ...carla, now: at('04-15', '13:00') });
  submit(e, fixture('post-briefing-1.md'), at('04-16', '16:00'));
  sweep(e, { now: at('04-17', '14:00'), as: SYSTEM });
  return { nurture, activation1, activation2, reengagement };
}

describe('the email approvals section of the weekly report (HO 5.4, 5.1, 7, 9)', () => {
  it('reports exactly the numbers computed by hand for the running week', () => {
    env = tempEngine();
    buildApprovalWeeks(env.engine);
    const report = weeklyReport(env.engine, { now: NOW, week: '2026-W16' });

    expect(report.approvals).toEqual({
      asOf: NOW,
      // Waiting at Friday 15:00, by SLA deadline. Business hours waited: list-3 Wed 16 + Thu 24 + Fri 15 = 55;
      // activation v2 Wed 11 + Thu 24 + Fri 15 = 50; post-briefing Thu 8 + Fri 15 = 23.
      pending: [
        {
          kind: 'recipients', id: 'list-3', template: 'nurture-mql-1.v1', sequence: 'Nurture-MQL', step: 'cro-list', waitsFor: 'cro', round: 1,
          since: at('04-15', '08:00'), slaDueAt: at('04-16', '08:00'), escalateAt: at('04-17', '08:00'), slaBreached: true, escalated: true, waitedBusinessHours: 55,
        },
        {
          kind: 'template', id: 'activation-sql-1.v2', template: 'activation-sql-1.v2', sequence: 'Activation-SQL', step: 'cro-narrative', waitsFor: 'cro', round: 1,
          since: at('04-15', '13:00'), slaDueAt: at('04-16', '13:00'), escalateAt: at('04-17', '13:00'), slaBreached: true, escalated: true, waitedBusinessHours: 50,
        },
        {
          kind: 'template', id: 'post-briefing-1.v1', template: 'post-briefing-1.v1', sequence: 'Post-Briefing', step: 'cmo-messaging', waitsFor: 'cmo', round: 1,
          since: at('04-16', '16:00'), slaDueAt: at('04-17', '16:00'), escalateAt: at('04-18', '16:00'), slaBreached: false, escalated: false, waitedBusinessHours: 23,
        },
      ],
      steps: {
        // SLA deadlines in W16: activation v1 (Tue 09:00, approved Mon 15:00: met), re-engagement (Wed 10:00, rejected
        // Wed 11:00: missed), activation v2 (Thu 09:00, approved Wed 13:00: met), post-briefing (Fri 16:00: open).
        // Decided in W16 (business hours): nurture 49 (Thu 15 + Fri 24 + Mon 10), activation v1 6, re-engagement 25
        // (Tue 14 + Wed 11), activation v2 4 → 4, 6, 25, 49: median 15.5.
        'cmo-messaging': { label: 'CMO messaging', sla: { due: 4, met: 2, missed: 1, open: 1 }, escalated: 0, decided: 4, approved: 3, returned: 1, medianBusinessHours: 15.5 },
        // activation v1: due Tue 15:00, NO-GO Tue 11:00 (Mon 9 + Tue 11 = 20 h); activation v2: due Thu 13:00, waiting.
        'cro-narrative': { label: 'CRO GO/NO-GO', sla: { due: 2, met: 1, missed: 1, open: 0 }, escalated: 1, decided: 1, approved: 0, returned: 1, medianBusinessHours: 20 },
        // list-2: due Tue 11:00, approved Tue 09:00 (Mon 13 + Tue 9 = 22 h); list-3: due Thu 08:00, waiting. list-1 fell
        // due in W15 but was decided Monday (Thu 12 + Fri 24 + Mon 9 = 45 h): median of 22 and 45 = 33.5.
        'cro-list': { label: 'CRO recipient lists', sla: { due: 2, met: 1, missed: 1, open: 0 }, escalated: 1, decided: 2, approved: 1, returned: 1, medianBusinessHours: 33.5 },
      },
      misses: [
        { kind: 'template', id: 're-engagement-1.v1', template: 're-engagement-1.v1', step: 'cmo-messaging', waitsFor: 'cmo', round: 1, since: at('04-14', '10:00'), dueAt: at('04-15', '10:00'), decidedAt: at('04-15', '11:00'), decision: 'returned', recorded: true },
        { kind: 'recipients', id: 'list-3', template: 'nurture-mql-1.v1', step: 'cro-list', waitsFor: 'cro', round: 1, since: at('04-15', '08:00'), dueAt: at('04-16', '08:00'), decidedAt: null, decision: null, recorded: true },
        { kind: 'template', id: 'activation-sql-1.v2', template: 'activation-sql-1.v2', step: 'cro-narrative', waitsFor: 'cro', round: 1, since: at('04-15', '13:00'), dueAt: at('04-16', '13:00'), decidedAt: null, decision: null, recorded: true },
      ],
      escalations: [
        { kind: 'recipients', id: 'list-3', template: 'nurture-mql-1.v1', step: 'cro-list', waitsFor: 'cro', round: 1, since: at('04-15', '08:00'), dueAt: at('04-17', '08:00'), decidedAt: null, decision: null, recorded: true },
        { kind: 'template', id: 'activation-sql-1.v2', template: 'activation-sql-1.v2', step: 'cro-narrative', waitsFor: 'cro', round: 1, since: at('04-15', '13:00'), dueAt: at('04-17', '13:00'), decidedAt: null, decision: null, recorded: true },
      ],
      completed: [
        { kind: 'template', id: 'nurture-mql-1.v1', template: 'nurture-mql-1.v1', sequence: 'Nurture-MQL', approvedAt: at('04-13', '10:00'), by: 'carla', submittedAt: at('04-09', '09:00'), rounds: 1, businessHours: 49 },
        { kind: 'recipients', id: 'list-2', template: 'nurture-mql-1.v1', sequence: 'Nurture-MQL', approvedAt: at('04-14', '09:00'), by: 'marcus', submittedAt: at('04-13', '11:00'), rounds: 1, businessHours: 22 },
      ],
      // 28 days to Friday 15:00: the CMO missed nurture (Fri 10 April) and re-engagement; the CRO list-1 (Fri 10
      // April), list-3 and activation v2: 3 ≥ 3 → capacity review of the CRO.
      capacity: {
        threshold: 3, windowDays: 28, from: at('03-20', '15:00'), to: NOW,
        roles: [{ role: 'cmo', misses: 2, review: false }, { role: 'cro', misses: 3, review: true }], review: true,
      },
      sequenceTypes: {
        inUse: [{ sequence: 'Nurture-MQL', versions: ['nurture-mql-1.v1'] }], count: 1, ceiling: 4, reviewAt: 6, aboveCeiling: false, capacityReview: false,
        configured: ['Nurture-MQL', 'Activation-SQL', 'Re-engagement', 'Post-Briefing'],
      },
    });

    // The HO 7 alerts of the section follow the four of the ladder.
    expect(report.alerts.map((a) => a.id)).toEqual(['sql-conversion-low', 'override-rate-high', 'mql-volume-low', 'stale-sqls', 'approval-escalated', 'approval-capacity-review', 'sequence-types-review']);
    expect(report.alerts.slice(4)).toEqual([
      {
        id: 'approval-escalated', holds: true, title: 'Approval steps past 48 hours: escalated to chief.staff',
        detail: `2 step(s) passed 48 hours this week: list-3 (CRO recipient lists, nurture-mql-1.v1) at ${at('04-17', '08:00')}, activation-sql-1.v2 (CRO GO/NO-GO) at ${at('04-17', '13:00')}; `
          + `2 still waiting past 48 hours at ${NOW}: list-3 (CRO recipient lists, nurture-mql-1.v1), activation-sql-1.v2 (CRO GO/NO-GO). Action (HO 5.4.4, 7): chief.staff resolves them with the approver.`,
      },
      {
        id: 'approval-capacity-review', holds: true, title: 'An approver missed 3 or more approval SLAs within 28 days',
        detail: `Missed 1-business-day SLAs with deadlines from ${at('03-20', '15:00')} to ${NOW}: cmo 2, cro 3. Action (HO 5.4.4, 7): capacity review of cro.`,
      },
      {
        id: 'sequence-types-review', holds: false, title: '6+ distinct sequence types in active rotation',
        detail: '1 type(s) with an approved version (Nurture-MQL); the sustainable ceiling is 4 (HO 5.1). Action (HO 9): capacity review for category.positioning; evaluate expansion or sequence consolidation (CMO + chief.staff).',
      },
    ]);
  });

  it('lists as waiting what the read side lists at the same instant (template-queries pendingApprovals)', () => {
    env = tempEngine();
    buildApprovalWeeks(env.engine);
    // The read side looks at the actors as they are: compare after the last event. Saturday evening, post-briefing's
    // escalation (Sat 16:00) has passed with no sweep to record it: both call it escalated.
    for (const now of [NOW, at('04-18', '20:00'), at('04-20', '09:00')]) {
      const pending = weeklyReport(env.engine, { now }).approvals!.pending;
      expect(pending.map(({ kind, id, waitsFor, since, slaDueAt, escalateAt, slaBreached, escalated }) => ({ kind, id, waitsFor, since, slaDueAt, escalateAt, slaBreached, escalated })), now)
        .toEqual(pendingApprovals(env.engine, now).map(({ kind, id, waitsFor, since, slaDueAt, escalateAt, slaBreached, escalated }) => ({ kind, id, waitsFor, since, slaDueAt, escalateAt, slaBreached, escalated })));
    }
  });

  it('describes a past week as it stood at its end: W15 closed with the nurture version and list-1 waiting, both escalated', () => {
    env = tempEngine();
    buildApprovalWeeks(env.engine);
    const a = weeklyReport(env.engine, { now: NOW, week: '2026-W15' }).approvals!;
    expect(a.asOf).toBe('2026-04-13T00:00:00.000Z');
    expect(a.pending.map((p) => [p.id, p.waitsFor, p.slaBreached, p.escalated, p.waitedBusinessHours])).toEqual([
      ['nurture-mql-1.v1', 'cmo', true, true, 39], // Thu 15 + Fri 24
      ['list-1', 'cro', true, true, 36], // Thu 12 + Fri 24
    ]);
    // Monday's decisions come after the week: at its end both were still waiting.
    expect(a.misses.map((m) => [m.id, m.dueAt, m.decidedAt, m.recorded])).toEqual([['nurture-mql-1.v1', at('04-10', '09:00'), null, true], ['list-1', at('04-10', '12:00'), null, true]]);
    expect(a.escalations.map((m) => [m.id, m.dueAt])).toEqual([['nurture-mql-1.v1', at('04-11', '09:00')], ['list-1', at('04-11', '12:00')]]);
    expect(a.steps['cmo-messaging']).toEqual({ label: 'CMO messaging', sla: { due: 1, met: 0, missed: 1, open: 0 }, escalated: 1, decided: 0, approved: 0, returned: 0, medianBusinessHours: null });
    expect(a.completed).toEqual([]);
    expect(a.capacity.roles).toEqual([{ role: 'cmo', misses: 1, review: false }, { role: 'cro', misses: 1, review: false }]);
    expect(a.sequenceTypes.count).toBe(0);
  });

  it('prints the section in the text, the JSON and the HTML page', async () => {
    env = tempEngine();
    buildApprovalWeeks(env.engine);
    const report = weeklyReport(env.engine, { now: NOW, week: '2026-W16' });
    const text = reportText(report);
    const from = text.findIndex((l) => l.startsWith('email approvals'));
    expect(text.slice(from)).toEqual([
      `email approvals (HO 5.4) as of ${NOW}: 3 waiting (2 past the 1-business-day SLA, 2 past 48 hours)`,
      `  list-3 for nurture-mql-1.v1 CRO recipient lists waits for the CRO since ${at('04-15', '08:00')}; SLA due ${at('04-16', '08:00')} MISSED; escalates ${at('04-17', '08:00')} ESCALATED`,
      `  activation-sql-1.v2 CRO GO/NO-GO waits for the CRO since ${at('04-15', '13:00')}; SLA due ${at('04-16', '13:00')} MISSED; escalates ${at('04-17', '13:00')} ESCALATED`,
      `  post-briefing-1.v1 CMO messaging waits for the CMO since ${at('04-16', '16:00')}; SLA due ${at('04-17', '16:00')}; escalates ${at('04-18', '16:00')}`,
      'approval SLAs due this week: CMO messaging 2 met, 1 missed, 1 open; CRO GO/NO-GO 1 met, 1 missed, 0 open; CRO recipient lists 1 met, 1 missed, 0 open',
      '  decided this week (median business hours): CMO messaging 4 (15.5); CRO GO/NO-GO 1 (20); CRO recipient lists 2 (33.5)',
      `  missed SLA: re-engagement-1.v1 CMO messaging due ${at('04-15', '10:00')}, returned ${at('04-15', '11:00')}`,
      `  missed SLA: list-3 for nurture-mql-1.v1 CRO recipient lists due ${at('04-16', '08:00')}, still waiting`,
      `  missed SLA: activation-sql-1.v2 CRO GO/NO-GO due ${at('04-16', '13:00')}, still waiting`,
      `  escalated to chief.staff: list-3 for nurture-mql-1.v1 CRO recipient lists at ${at('04-17', '08:00')}, still waiting`,
      `  escalated to chief.staff: activation-sql-1.v2 CRO GO/NO-GO at ${at('04-17', '13:00')}, still waiting`,
      'approvals completed this week: 2',
      `  nurture-mql-1.v1 (Nurture-MQL) approved ${at('04-13', '10:00')} by carla: 49 business hours from first submission, 1 round(s)`,
      `  list-2 for nurture-mql-1.v1 (Nurture-MQL) approved ${at('04-14', '09:00')} by marcus: 22 business hours from proposal`,
      'capacity review (3+ missed approval SLAs within 28 days): cmo 2, cro 3 → cro',
      'sequence types in use: 1 (Nurture-MQL) against the ceiling of 4',
      expect.stringMatching(/^ALERT New MQLs below 5 a week/), // the ladder's own: no MQL since W14
      expect.stringMatching(/^ALERT Approval steps past 48 hours: escalated to chief.staff: 2 step\(s\)/),
      expect.stringMatching(/^ALERT An approver missed 3 or more approval SLAs within 28 days: /),
    ]);

    const out: string[] = [];
    const code = await runCli(['--db', env.path, '--now', NOW, 'report', '--week', '2026-W16', '--json'], { out: (s) => out.push(s), err: (s) => out.push(s), isTTY: false, env: {} });
    expect(code, out.join('\n')).toBe(0);
    expect(JSON.parse(out.join('\n')).approvals).toEqual(report.approvals);

    const html = renderReportHtml(report, '<svg></svg>', { db: 'ladder.db', now: NOW });
    const section = html.slice(html.indexOf('<section id="approvals">'), html.indexOf('<section id="definitions">'));
    expect(html).toContain('<a href="#approvals">approvals</a>');
    expect(section).toContain('<h2>Email approvals (HO 5.4)</h2>');
    expect([...section.matchAll(/data-pending="([^"]+)" data-breached="(\w+)" data-escalated="(\w+)"/g)].map((m) => m.slice(1))).toEqual([
      ['list-3', 'true', 'true'], ['activation-sql-1.v2', 'true', 'true'], ['post-briefing-1.v1', 'false', 'false'],
    ]);
    expect(section).toContain('data-metric="approvals-missed">3<');
    expect(section).toContain('data-metric="approvals-escalated">2<');
    expect(section).toContain('data-metric="sequence-types">1 of 4<');
    expect(section).toMatch(/<tr data-step="cro-list"><td>CRO recipient lists<\/td><td>2<\/td><td>1<\/td><td>1<\/td><td>0<\/td><td>1<\/td><td>2<\/td><td>1<\/td><td>1<\/td><td>33.5<\/td><\/tr>/);
    expect(section).toMatch(/<tr data-role="cro"><td>cro<\/td><td>3<\/td><td><b class="bad">yes<\/b><\/td><\/tr>/);
    expect(html.match(/data-alert="approval-[\w-]+" data-holds="true"/g)).toEqual(['data-alert="approval-escalated" data-holds="true"', 'data-alert="approval-capacity-review" data-holds="true"']);
  });

  it('leaves the report of a ladder without templates as it was: no section, the four alerts', () => {
    env = tempEngine();
    addMqls(env.engine, ['alpha.com']);
    const report = weeklyReport(env.engine, { now: NOW, week: '2026-W16' });
    expect('approvals' in report).toBe(false);
    expect(report.alerts.map((a) => a.id)).toEqual(['sql-conversion-low', 'override-rate-high', 'mql-volume-low', 'stale-sqls']);
    expect(reportText(report).some((l) => l.includes('approvals'))).toBe(false);
    expect(renderReportHtml(report, '<svg></svg>', { db: 'x', now: NOW })).not.toContain('id="approvals"');
  });
});

describe('sequence types in active rotation against the ceiling (HO 5.1, 9)', () => {
  const EXTRA = ['Webinar-Invite', 'Event-Follow-Up', 'Partner-Intro'];
  const TYPES = ['Nurture-MQL', 'Re-engagement', 'Post-Briefing', ...EXTRA];

  it.each([
    { approved: 4, aboveCeiling: false, capacityReview: false },
    { approved: 5, aboveCeiling: true, capacityReview: false },
    { approved: 6, aboveCeiling: true, capacityReview: true },
  ])('$approved types with an approved version: above the ceiling of 4 $aboveCeiling, capacity review $capacityReview', ({ approved, aboveCeiling, capacityReview }) => {
    env = tempEngine();
    const e = env.engine;
    e.changeSettings((s) => ({
      ...s,
      templates: { ...s.templates, types: { ...s.templates.types, ...Object.fromEntries(EXTRA.map((t) => [t, { flow: 'simplified' as const, pricingAllowed: false, target: 'MQL' as const, automatedSend: true, placeholders: [], anyOf: [] }])) } },
    }), { by: 'test', role: 'sales.ops', now: '2026-04-01T00:00:00.000Z', change: 'three more sequence types', source: 'cli' });
    const nurture = fixture('nurture-mql-1.md');
    const textOf = (type: string) => (type === 'Post-Briefing' ? fixture('post-briefing-1.md') : type === 'Re-engagement' ? fixture('re-engagement-1.md') : nurture.replace('sequence: Nurture-MQL', `sequence: ${type}`));
    TYPES.slice(0, approved).forEach((type, i) => {
      const id = submit(e, textOf(type), at('04-13', `0${i}:00`));
      e.templates.decide(id, { type: 'CMO_APPROVE' }, { ...carla, now: at('04-13', '10:00') });
    });
    // A second approved Nurture-MQL step is the same type; a retired version is out of rotation; a version in review is not in it yet.
    const second = submit(e, nurture.replace('step: 1', 'step: 2'), at('04-13', '11:00'));
    e.templates.decide(second, { type: 'CMO_APPROVE' }, { ...carla, now: at('04-13', '12:00') });
    const activation = submit(e, fixture('activation-sql-1.md'), at('04-13', '11:00'));
    e.templates.decide(activation, { type: 'CMO_APPROVE' }, { ...carla, now: at('04-13', '12:00') });
    e.templates.decide(activation, { type: 'CRO_GO' }, { ...marcus, now: at('04-13', '13:00') });
    e.templates.decide(activation, { type: 'TEMPLATE_RETIRE', reason: 'replaced by the spring campaign' }, { ...carla, now: at('04-14', '09:00') });
    submit(e, fixture('activation-sql-1.md').replace('Best,', 'Cheers,'), at('04-14', '10:00'));
    expect(e.templates.load('template', activation)?.state).toBe('retired');

    const report = weeklyReport(e, { now: NOW, week: '2026-W16' });
    const t = report.approvals!.sequenceTypes;
    expect(t.count).toBe(approved);
    expect(t.inUse.map((u) => u.sequence)).toEqual(TYPES.slice(0, approved).sort());
    expect(t.inUse.find((u) => u.sequence === 'Nurture-MQL')?.versions).toEqual(['nurture-mql-1.v1', 'nurture-mql-2.v1']);
    expect({ aboveCeiling: t.aboveCeiling, capacityReview: t.capacityReview }).toEqual({ aboveCeiling, capacityReview });
    expect(report.alerts.find((a) => a.id === 'sequence-types-review')?.holds).toBe(capacityReview);
  });
});

describe('business hours and the edges of an approval SLA (HO 5.4.4)', () => {
  it.each([
    { from: at('04-13', '09:00'), to: at('04-13', '15:00'), holidays: [], hours: 6, it: 'within a Monday' },
    { from: at('04-10', '14:00'), to: at('04-13', '14:00'), holidays: [], hours: 24, it: 'Friday 14:00 to Monday 14:00 (the 1-business-day deadline)' },
    { from: at('04-11', '10:00'), to: at('04-14', '00:00'), holidays: [], hours: 24, it: 'Saturday 10:00 to Tuesday 00:00 (all of Monday)' },
    { from: at('04-13', '10:00'), to: at('04-15', '10:00'), holidays: ['2026-04-14'], hours: 24, it: 'Monday to Wednesday over a Tuesday holiday' },
    { from: at('04-11', '00:00'), to: at('04-13', '00:00'), holidays: [], hours: 0, it: 'a weekend' },
  ])('$it: $hours', ({ from, to, holidays, hours }) => {
    expect(businessHours(from, to, holidays)).toBe(hours);
  });

  const W16 = parseIsoWeek('2026-W16');
  const deadlines = (a: string) => ({ slaDueAt: new Date(Date.parse(a) + 86_400_000).toISOString(), escalateAt: new Date(Date.parse(a) + 2 * 86_400_000).toISOString() });
  const opts = { holidays: [], capacityMisses: 3, capacityWindowDays: 28, configuredTypes: ['Nurture-MQL'], deadlines };
  /** One list proposed Monday 09:00 (deadline Tuesday 09:00) and ended by `type` at `when`. */
  const list = (type: string, when: string): ApprovalRows => ({
    templates: [{ id: 'n.v1', sequence: 'Nurture-MQL', addedAt: at('04-01', '00:00') }],
    lists: [{ id: 'list-1', template: 'n.v1' }],
    timers: [],
    events: [
      { id: 1, kind: 'recipients', actorId: 'list-1', seq: 1, type: 'RECIPIENTS_PROPOSED', at: at('04-13', '09:00'), before: null, after: 'proposed', by: 'olivia', role: 'sales.ops' },
      { id: 2, kind: 'recipients', actorId: 'list-1', seq: 2, type, at: when, before: 'proposed', after: type === 'RECIPIENTS_APPROVE' ? 'approved' : type === 'RECIPIENTS_REJECT' ? 'rejected' : 'withdrawn', by: 'marcus', role: 'cro' },
    ],
  });
  it.each([
    { type: 'RECIPIENTS_APPROVE', when: at('04-14', '08:59'), sla: { due: 1, met: 1, missed: 0, open: 0 }, it: 'approved a minute before the deadline: met' },
    { type: 'RECIPIENTS_APPROVE', when: at('04-14', '09:00'), sla: { due: 1, met: 0, missed: 1, open: 0 }, it: 'approved at the deadline: missed (the engine fires the SLA timer first)' },
    { type: 'RECIPIENTS_REJECT', when: at('04-15', '10:00'), sla: { due: 1, met: 0, missed: 1, open: 0 }, it: 'rejected a day late: missed' },
    { type: 'RECIPIENTS_WITHDRAW', when: at('04-13', '12:00'), sla: { due: 0, met: 0, missed: 0, open: 0 }, it: 'withdrawn by sales.ops before the deadline: no case' },
  ])('$it', ({ type, when, sla }) => {
    const a = computeApprovals(list(type, when), W16, W16.end, opts);
    expect(a.steps['cro-list'].sla).toEqual(sla);
    expect(a.misses).toHaveLength(sla.missed);
  });
});
