'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import {
  addAccessRule,
  moveAccessRule,
  removeAccessRule,
  updateAccessRule,
  requireSuper,
  type NewAccessRule,
} from '@/server/domain';
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

export async function addRuleAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    const rule = await addAccessRule(ruleFrom(form), actor);
    revalidatePath('/admin/access');
    return `Added: ${rule.scope} ${rule.pattern} → ${rule.action}.`;
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

export async function removeRuleAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    await removeAccessRule(Number(text(form, 'id')), actor);
    revalidatePath('/admin/access');
    return 'Removed.';
  });
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
}

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
  try {
    requireSuper(actor);
    const clientIp = text(form, 'clientIp').trim();
    if (!clientIp) return { error: 'Enter the client IP address.' };
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
    return { stages, final: view('Result', result.final) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
