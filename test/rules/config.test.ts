import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, RulesConfigSchema } from '../../machines/rules/config.js';

describe('default rules match the SOPs (DOMAIN.md)', () => {
  it('validates against its own schema', () => {
    expect(RulesConfigSchema.parse(DEFAULT_RULES)).toEqual(DEFAULT_RULES);
  });

  it.each([
    { rule: 'G1 passes at 200 employees (LQ 3.1)', value: DEFAULT_RULES.gates.g1PassEmployees, want: 200 },
    { rule: 'G1 is conditional from 100 employees (LQ 3.1)', value: DEFAULT_RULES.gates.g1ConditionalEmployees, want: 100 },
    { rule: 'the revenue threshold is $50M (LQ 3.1, 3.4)', value: DEFAULT_RULES.gates.revenueThresholdUsd, want: 50_000_000 },
    { rule: 'partner revenue share must exceed 20% (LQ 3.2)', value: DEFAULT_RULES.gates.partnerRevenueShareAbove, want: 0.2 },
    { rule: 'funding counts for 18 months (LQ 3.4)', value: DEFAULT_RULES.gates.fundingMaxAgeMonths, want: 18 },
    { rule: 'a partner expansion commitment counts for 90 days (LQ 3.4)', value: DEFAULT_RULES.gates.partnerExpansionMaxAgeDays, want: 90 },
    { rule: 'signals count for 180 days (HO 3.2)', value: DEFAULT_RULES.signals.windowDays, want: 180 },
    { rule: 'signals earn full credit for 90 days (HO 3.2)', value: DEFAULT_RULES.signals.fullCreditDays, want: 90 },
    { rule: '3 likes make an E1 (HO 3.2.1)', value: DEFAULT_RULES.signals.likesNeeded, want: 3 },
    { rule: 'the likes must fall within 30 days (HO 3.2.1)', value: DEFAULT_RULES.signals.likesWindowDays, want: 30 },
    { rule: 'E8 needs 2 engagements (HO 3.2.1)', value: DEFAULT_RULES.signals.repeatEngagementsNeeded, want: 2 },
    { rule: 'E8 engagements fall within 30 days (HO 3.2.1)', value: DEFAULT_RULES.signals.repeatEngagementWindowDays, want: 30 },
    { rule: 'an SQL goes stale after 30 days (HO 3.5)', value: DEFAULT_RULES.timers.sqlStaleDays, want: 30 },
    { rule: 'an MQL goes stale after 90 days (HO 3.5)', value: DEFAULT_RULES.timers.mqlStaleDays, want: 90 },
    { rule: 'the recycle cooldown is 90 days (HO 3.5)', value: DEFAULT_RULES.timers.recycleCooldownDays, want: 90 },
    { rule: 'MQL classification is due in 1 business day (HO 4.2)', value: DEFAULT_RULES.sla.classificationBusinessDays, want: 1 },
    { rule: 'the dossier is due in 1 business day (HO 4.3)', value: DEFAULT_RULES.sla.dossierBusinessDays, want: 1 },
    { rule: 'the CRO review is due in 1 business day (HO 4.3)', value: DEFAULT_RULES.sla.reviewBusinessDays, want: 1 },
  ])('$rule', ({ value, want }) => {
    expect(value).toBe(want);
  });

  it('counts Series B and later, PE and secondaries as funding (LQ 3.4)', () => {
    expect(DEFAULT_RULES.gates.fundingRounds).toEqual(['series-b', 'series-c+', 'pe', 'secondary']);
  });

  it('has no holidays until they are configured', () => {
    expect(DEFAULT_RULES.holidays).toEqual([]);
  });

  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(DEFAULT_RULES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RULES.gates)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RULES.holidays)).toBe(true);
  });
});

describe('rules config schema', () => {
  const ok = structuredClone(DEFAULT_RULES);

  it('accepts holidays as ISO dates', () => {
    expect(RulesConfigSchema.safeParse({ ...ok, holidays: ['2026-12-25', '2026-12-28'] }).success).toBe(true);
  });

  it.each([
    { it: 'rejects a holiday that is not an ISO date', config: { ...ok, holidays: ['Christmas'] } },
    { it: 'rejects full credit longer than the window', config: { ...ok, signals: { ...ok.signals, fullCreditDays: 200 } } },
    { it: 'rejects an unknown setting', config: { ...ok, gates: { ...ok.gates, g6: 1 } } },
    { it: 'rejects a repeat engagement of one', config: { ...ok, signals: { ...ok.signals, repeatEngagementsNeeded: 1 } } },
    { it: 'rejects an unknown funding round', config: { ...ok, gates: { ...ok.gates, fundingRounds: ['ipo'] } } },
  ])('$it', ({ config }) => {
    expect(RulesConfigSchema.safeParse(config).success).toBe(false);
  });
});

describe('the rules are pure (STYLE 2: no I/O, no clock)', () => {
  const dir = join(import.meta.dirname, '../../machines/rules');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports no node module and reads no clock', (file) => {
    const source = readFileSync(join(dir, file), 'utf8');
    expect(source).not.toMatch(/from ['"](node:|fs|path|os|child_process|net|http|better-sqlite3|drizzle)/);
    expect(source).not.toMatch(/Date\.now\(|new Date\(\)|performance\.now\(/);
  });
});
