// Test setup for sequences (issue 15): approved templates for every step of a sequence and CRO-approved recipient
// lists, made through the engine exactly as the CLI makes them (category.positioning writes, the CMO approves, the
// CRO gives GO on Activation and approves each list).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../src/engine/engine.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'templates');
const FILES: Record<string, string> = { 'Nurture-MQL': 'nurture-mql-1.md', 'Activation-SQL': 'activation-sql-1.md', 'Re-engagement': 're-engagement-1.md' };
const who = (by: string, role: string, now: string) => ({ by, role, now, source: 'cli' as const });

/** Sequences are opt-in (sequences.enabled): turned on as a team would, a recorded settings change. */
export function enableSequences(engine: Engine, at = '2000-01-01T00:00:00.000Z'): void {
  engine.changeSettings((s) => ({ ...s, sequences: { ...s.sequences, enabled: true } }), { by: 'ana', role: 'sales.ops', now: at, change: 'sequences on', source: 'cli' });
}

/** Every step of a sequence as an approved template version (the step-1 fixture, renumbered). Returns the ids. */
export function approveTemplates(engine: Engine, sequence: keyof typeof FILES, steps: number, now: string): string[] {
  const text = readFileSync(join(FIX, FILES[sequence]!), 'utf8');
  const ids: string[] = [];
  for (let step = 1; step <= steps; step++) {
    const t = engine.templates.add({ name: `${sequence}-${step}.md`, text: text.replace(/^step: 1$/m, `step: ${step}`) }, who('pat', 'category.positioning', now));
    engine.templates.decide(t.template, { type: 'TEMPLATE_SUBMIT' }, who('pat', 'category.positioning', now));
    engine.templates.decide(t.template, { type: 'CMO_APPROVE' }, who('carla', 'cmo', now));
    if (sequence === 'Activation-SQL') engine.templates.decide(t.template, { type: 'CRO_GO' }, who('marcus', 'cro', now));
    ids.push(t.template);
  }
  return ids;
}

/** A recipient list for a template version, proposed by sales.ops and approved by the CRO. */
export function approveList(engine: Engine, template: string, entries: { account: string; contact: string }[], now: string): string {
  const l = engine.templates.proposeRecipients({ template, entries }, who('ana', 'sales.ops', now));
  engine.templates.decideRecipients(l.list, { type: 'RECIPIENTS_APPROVE' }, who('marcus', 'cro', now));
  return l.list;
}

/** The values the templates' placeholders need, as account fields (an import's extra columns). */
export const VALUES = { sender_name: 'Rick', first_name: 'Jane', company_insight: 'three marketplaces launched in a year', engagement_trigger: 'your comment on the partner post', market_timing_hook: 'the fiscal year starts in July' };
