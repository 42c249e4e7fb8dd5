// Access rules (sendmail `access`, qmail `tcp.smtp`): validation and persistence. Matching lives in
// policy/access.ts, the one place the SMTP listener and the console's "try it" box both call.
import { db, writeTransaction } from '../core/db';
import { parsePattern, isNetworkPattern } from '../policy/access-pattern';
import {
  ACTIONS,
  SCOPES,
  orderRules,
  type AccessAction,
  type AccessScope,
  parseQmailRule,
} from '../policy/access';
import { audit, SYSTEM_ACTOR, type Actor } from './audit';
import { parsePastedRule } from './access-line';
import { FieldError } from './errors';
import { requireSuper } from './rights';

export interface NewAccessRule {
  pattern: string;
  action: string;
  scope?: string;
  message?: string | null;
  note?: string | null;
  position?: number;
}

export interface ValidRule {
  pattern: string;
  action: AccessAction;
  scope: AccessScope;
  message: string | null;
  note: string | null;
}

export function validateRule(input: NewAccessRule): ValidRule {
  // A pasted qmail or sendmail line means what it says: its action (and scope, when it names
  // one) win over the form's menus, which cannot know what was pasted.
  const pasted = parsePastedRule(input.pattern);
  if (!pasted && /:(allow|deny)/.test(input.pattern)) {
    const qmail = parseQmailRule(input.pattern);
    if ('error' in qmail) throw new FieldError('pattern', qmail.error);
  }
  const patternText = pasted ? pasted.pattern : input.pattern;
  const parsed = parsePattern(patternText);
  if (!parsed.ok) throw new FieldError('pattern', parsed.error);
  const action = (pasted?.action ?? input.action?.toUpperCase()) as AccessAction;
  if (!ACTIONS.includes(action)) throw new FieldError('action', `must be one of ${ACTIONS.join(', ')}`);
  const network = isNetworkPattern(parsed.pattern);
  const scope = (pasted?.scope ??
    (input.scope?.toLowerCase() || (network ? 'connect' : 'any'))) as AccessScope;
  if (!SCOPES.includes(scope)) throw new FieldError('scope', `must be one of ${SCOPES.join(', ')}`);
  if (network && scope !== 'connect' && scope !== 'any')
    throw new FieldError('scope', 'an IP address or network pattern only applies to the connect scope');
  if (
    !network &&
    scope === 'connect' &&
    parsed.pattern.kind !== 'domain-tree' &&
    parsed.pattern.kind !== 'domain-exact'
  ) {
    throw new FieldError('scope', 'the connect scope takes an IP address, network or client host domain');
  }
  const typed = input.message?.trim() || null;
  // The form's message box belongs to its REJECT default; a pasted line that allows drops it.
  const message = pasted ? (action === 'REJECT' ? (pasted.message ?? typed) : null) : typed;
  if (message && (message.length > 255 || /[\r\n]/.test(message)))
    throw new FieldError('message', 'must be one line of at most 255 characters');
  if (message && action !== 'REJECT') throw new FieldError('message', 'only a REJECT rule has a message');
  const note = input.note?.trim() || null;
  if (note && note.length > 255) throw new FieldError('note', 'must be at most 255 characters');
  const pattern =
    parsed.pattern.kind === 'cidr'
      ? `${parsed.pattern.value}/${parsed.pattern.prefixBits}`
      : patternText.trim().toLowerCase();
  return { pattern, action, scope, message, note };
}

export async function addAccessRule(input: NewAccessRule, actor: Actor = SYSTEM_ACTOR) {
  requireSuper(actor);
  const rule = validateRule(input);
  return writeTransaction('access rule add', async (tx) => {
    const last = await tx.accessRule.aggregate({ _max: { position: true } });
    const position = input.position ?? (last._max.position ?? 0) + 10;
    const row = await tx.accessRule.create({ data: { ...rule, position } });
    await audit(tx, actor, 'access.add', 'access_rule', String(row.id), null, row);
    return row;
  });
}

export async function updateAccessRule(id: number, input: NewAccessRule, actor: Actor = SYSTEM_ACTOR) {
  requireSuper(actor);
  const rule = validateRule(input);
  return writeTransaction('access rule update', async (tx) => {
    const before = await tx.accessRule.findUnique({ where: { id } });
    if (!before) throw new FieldError('id', `access rule ${id} does not exist`);
    const after = await tx.accessRule.update({
      where: { id },
      data: { ...rule, position: input.position ?? before.position },
    });
    await audit(tx, actor, 'access.update', 'access_rule', String(id), before, after);
    return after;
  });
}

export async function listAccessRules() {
  return orderRules(await db().accessRule.findMany());
}

export async function removeAccessRule(id: number, actor: Actor = SYSTEM_ACTOR): Promise<void> {
  requireSuper(actor);
  await writeTransaction('access rule remove', async (tx) => {
    const before = await tx.accessRule.findUnique({ where: { id } });
    if (!before) throw new FieldError('id', `access rule ${id} does not exist`);
    await tx.accessRule.delete({ where: { id } });
    await audit(tx, actor, 'access.remove', 'access_rule', String(id), before, null);
  });
}

/** Moves a rule one place up or down in the decision order. */
export async function moveAccessRule(
  id: number,
  direction: 'up' | 'down',
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  requireSuper(actor);
  await writeTransaction('access rule move', async (tx) => {
    const rules = orderRules(await tx.accessRule.findMany());
    const index = rules.findIndex((rule) => rule.id === id);
    if (index < 0) throw new FieldError('id', `access rule ${id} does not exist`);
    const swapWith = direction === 'up' ? index - 1 : index + 1;
    if (swapWith < 0 || swapWith >= rules.length) return;
    [rules[index], rules[swapWith]] = [rules[swapWith]!, rules[index]!];
    for (const [i, rule] of rules.entries()) {
      if (rule.position !== (i + 1) * 10)
        await tx.accessRule.update({ where: { id: rule.id }, data: { position: (i + 1) * 10 } });
    }
    await audit(tx, actor, `access.move_${direction}`, 'access_rule', String(id));
  });
}

/** A removed rule as it was, from the audit row its removal wrote (null if there is none). */
export async function removedAccessRule(
  id: number,
): Promise<(ValidRule & { id: number; position: number }) | null> {
  const removal = await db().auditEntry.findFirst({
    where: { action: 'access.remove', objectId: String(id) },
    orderBy: { id: 'desc' },
  });
  if (!removal?.before) return null;
  return JSON.parse(removal.before) as ValidRule & { id: number; position: number };
}

/**
 * Undo of a removal: puts the rule back as it was (pattern, action, scope, message, note and
 * place), read from the audit row its removal wrote.
 */
export async function restoreAccessRule(id: number, actor: Actor = SYSTEM_ACTOR) {
  requireSuper(actor);
  const before = await removedAccessRule(id);
  if (!before) throw new FieldError('id', `no removed access rule ${id} to restore`);
  const back = await db().accessRule.findFirst({
    where: { pattern: before.pattern, scope: before.scope, action: before.action },
  });
  if (back)
    throw new FieldError(
      'id',
      `the rule ${before.scope} ${before.pattern} → ${before.action} is already there`,
    );
  return addAccessRule(
    {
      pattern: before.pattern,
      action: before.action,
      scope: before.scope,
      message: before.message,
      note: before.note,
      position: before.position,
    },
    actor,
  );
}
