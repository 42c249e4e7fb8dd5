// Words for the builder's choices, shared by the editor and the rule list's summaries.
import type { ConditionField, RuleAction, RuleCondition } from '@/server/rules-builder/types';

export const FIELD_LABELS: Record<ConditionField, string> = {
  from: 'From',
  to: 'To or Cc',
  subject: 'Subject',
  listid: 'Mailing list (List-Id)',
  size: 'Size',
};

export const MATCH_LABELS: Record<RuleCondition['match'], string> = {
  contains: 'contains',
  notcontains: 'does not contain',
  is: 'is',
  isnot: 'is not',
  over: 'is over',
  under: 'is under',
};

export const ACTION_LABELS: Record<RuleAction['type'], string> = {
  move: 'Move to folder',
  markRead: 'Mark as read',
  flag: 'Flag',
  forward: 'Forward to',
  delete: 'Delete',
};

export function describeCondition(condition: RuleCondition): string {
  return `${FIELD_LABELS[condition.field]} ${MATCH_LABELS[condition.match]} "${condition.value}"`;
}

export function describeAction(action: RuleAction): string {
  if (action.type === 'move') return `move to ${action.folder}`;
  if (action.type === 'forward')
    return `forward to ${action.address}${action.keepCopy ? ' (keep a copy)' : ''}`;
  return ACTION_LABELS[action.type].toLowerCase();
}
