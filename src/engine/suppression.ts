// HO 3.5, 5.6: an opt-out or hostile reply suppresses the account and every contact it engaged through, by
// the contact's canonical key (rules/contact.ts), so a later signal from the same person on any account is
// logged and never acted on. A transition hook: written in the transition's own transaction.
import { suppressions } from '../store/schema.js';
import type { LadderContext } from '../../machines/context.js';
import type { TransitionHook } from './engine.js';

export const suppressionHook: TransitionHook = ({ tx, account, event, eventId, prev, next }) => {
  const ctx = next.context as LadderContext;
  if (!ctx.suppressed || prev?.suppressed) return;
  const reason = ctx.disqualification?.reason ?? 'suppressed';
  const contacts = [...new Set(ctx.signals.map((s) => s.contact))];
  for (const [kind, value] of [['account', account] as const, ...contacts.map((c) => ['contact', c] as const)]) {
    tx.insert(suppressions).values({ kind, value, reason, at: event.at, by: event.by, eventId }).onConflictDoNothing().run();
  }
};
