'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import {
  addAccessRule,
  moveAccessRule,
  removeAccessRule,
  restoreAccessRule,
  updateAccessRule,
  requireSuper,
  type NewAccessRule,
} from '@/server/domain';
import { parsePastedRule } from '@/server/domain/access-line';
import { evaluatePolicy } from '@/server/policy/evaluate';
import { formatReply } from '@/server/policy/replies';
import type { Decision } from '@/server/policy/decide';
import { requireAdmin } from '@/server/web/session';
import { runForm, text, type FormState } from '@/server/web/form-state';

function ruleFrom(form: FormData): NewAccessRule {
  return {
    pattern: text(form, 'pattern'),
    scope: text(form, 'scope'),
    action: text(form, 'action'),
    message: text(form, 'message'),
    note: text(form, 'note'),
  };
}

/** Says when a pasted line's own action was saved instead of the one the menu showed. */
function pastedNote(input: NewAccessRule): string {
  const pasted = parsePastedRule(input.pattern);
  if (!pasted) return '';
  const menu = input.action.toUpperCase();
  return menu && menu !== pasted.action
    ? ` Read as a ${pasted.format} line, which says ${pasted.action}; the Action menu (${menu}) was not used.`
    : ` Read as a ${pasted.format} line.`;
}

export async function addRuleAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    const input = ruleFrom(form);
    const rule = await addAccessRule(input, actor);
    revalidatePath('/admin/access');
    return `Added: ${rule.scope} ${rule.pattern} → ${rule.action}.${pastedNote(input)}`;
  });
}

export async function updateRuleAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const state = await runForm(form, async () => {
    await updateAccessRule(Number(text(form, 'id')), ruleFrom(form), actor);
  });
  if (state.ok) {
    revalidatePath('/admin/access');
    redirect('/admin/access');
  }
  return state;
}

export async function moveRuleAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    await moveAccessRule(Number(text(form, 'id')), text(form, 'direction') === 'up' ? 'up' : 'down', actor);
    revalidatePath('/admin/access');
    return 'Moved.';
  });
}

/** Removes and goes back to the list, whose notice says what went and offers Undo. */
export async function removeRuleAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const id = Number(text(form, 'id'));
  const state = await runForm(form, async () => {
    await removeAccessRule(id, actor);
  });
  if (!state.ok) return state;
  revalidatePath('/admin/access');
  redirect(`/admin/access?removed=${id}`);
}

/** Undo: the removed rule back in its place, from the audit row of its removal. */
export async function restoreRuleAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  let restored = '';
  const state = await runForm(form, async () => {
    const rule = await restoreAccessRule(Number(text(form, 'id')), actor);
    restored = `${rule.scope} ${rule.pattern} → ${rule.action}`;
  });
  if (!state.ok) return state;
  revalidatePath('/admin/access');
  redirect(`/admin/access?restored=${encodeURIComponent(restored)}`);
}

export interface StageView {
  stage: string;
  verdict: string;
  reply: string;
  rule: string | null;
  reason: string;
}

export interface TryState {
  error?: string;
  stages?: StageView[];
  final?: StageView;
  /** What was tried, so the form keeps it for the next try (React resets a form after its action). */
  values?: Record<string, string>;
}

const TRY_FIELDS = ['clientIp', 'clientHostname', 'sender', 'recipient', 'authUser'] as const;

function view(stage: string, decision: Decision): StageView {
  const rule = decision.rule
    ? `#${decision.rule.id} ${decision.rule.scope} ${decision.rule.pattern} → ${decision.rule.action}`
    : null;
  return {
    stage,
    verdict: decision.verdict,
    reply: formatReply(decision.reply),
    rule,
    reason: decision.reason,
  };
}

/** The "try it" box: the same evaluatePolicy the SMTP listener runs, on the saved rules. */
export async function tryPolicyAction(_previous: TryState, form: FormData): Promise<TryState> {
  const actor = await requireAdmin();
  const values = Object.fromEntries(TRY_FIELDS.map((name) => [name, text(form, name).slice(0, 320)]));
  try {
    requireSuper(actor);
    const clientIp = text(form, 'clientIp').trim();
    if (!clientIp) return { error: 'Enter the client IP address.', values };
    const result = await evaluatePolicy({
      clientIp,
      clientHostname: text(form, 'clientHostname').trim() || null,
      authenticatedUser: text(form, 'authUser').trim() || null,
      sender: text(form, 'sender').trim(),
      recipient: text(form, 'recipient').trim(),
    });
    const stages = [
      view('Connect', result.connect),
      ...(result.sender ? [view('MAIL FROM', result.sender)] : []),
      ...(result.recipient ? [view('RCPT TO', result.recipient)] : []),
    ];
    return { stages, final: view('Result', result.final), values };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error), values };
  }
}
