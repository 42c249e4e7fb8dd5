// Checks a filter set from a request (untrusted JSON) and returns it typed and trimmed, or
// throws FieldErrors naming each bad field ("rules.0.conditions.1.value") for the form.
import { FieldErrors } from '../domain/errors';
import {
  ACTION_TYPES,
  CONDITION_FIELDS,
  LIMITS,
  SIZE_MATCHES,
  TEXT_MATCHES,
  type FilterRule,
  type FilterSet,
  type RuleAction,
  type RuleCondition,
  type TextMatch,
  type VacationSettings,
} from './types';

type Errors = Record<string, string>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

// Control characters other than tab and line breaks have no place in a rule.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const ADDRESS = /^[^\s@"\\<>()[\],;:]+@[A-Za-z0-9\u0080-\uffff-]+(\.[A-Za-z0-9\u0080-\uffff-]+)+$/;
const SIZE = /^(\d{1,10})\s*([KMG]?)B?$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseSize(value: string): number | null {
  const match = SIZE.exec(value.trim());
  if (!match) return null;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  const bytes = Number(match[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** "500 kb" as Sieve writes it ("500K"); anything unparsable is kept for the error message. */
export function canonicalSize(value: string): string {
  const match = SIZE.exec(value.trim());
  return match ? `${Number(match[1])}${match[2].toUpperCase()}` : value.trim();
}

export function isValidDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

function checkText(errors: Errors, field: string, value: string, max: number, required: boolean): void {
  if (required && !value) errors[field] = 'is required';
  else if (value.length > max) errors[field] = `must be at most ${max} characters`;
  else if (CONTROL.test(value)) errors[field] = 'must not contain control characters';
}

function condition(raw: unknown, at: string, errors: Errors): RuleCondition {
  const input = isRecord(raw) ? raw : {};
  const field = str(input.field);
  const match = str(input.match);
  const value = str(input.value);
  if (!(CONDITION_FIELDS as readonly string[]).includes(field)) {
    errors[`${at}.field`] = 'choose what to test';
    return { field: 'subject', match: 'contains', value };
  }
  if (field === 'size') {
    if (!(SIZE_MATCHES as readonly string[]).includes(match)) errors[`${at}.match`] = 'choose over or under';
    if (parseSize(value) === null) errors[`${at}.value`] = 'must be a size like 500K, 2M or 1000000';
    return { field, match: match === 'under' ? 'under' : 'over', value: canonicalSize(value) };
  }
  if (!(TEXT_MATCHES as readonly string[]).includes(match)) errors[`${at}.match`] = 'choose how to compare';
  checkText(errors, `${at}.value`, value, LIMITS.value, true);
  return {
    field: field as Exclude<RuleCondition['field'], 'size'>,
    match: (TEXT_MATCHES as readonly string[]).includes(match) ? (match as TextMatch) : 'contains',
    value,
  };
}

function action(raw: unknown, at: string, errors: Errors): RuleAction {
  const input = isRecord(raw) ? raw : {};
  const type = str(input.type);
  if (!(ACTION_TYPES as readonly string[]).includes(type)) {
    errors[`${at}.type`] = 'choose an action';
    return { type: 'markRead' };
  }
  if (type === 'move') {
    const folder = str(input.folder);
    checkText(errors, `${at}.folder`, folder, LIMITS.folder, true);
    return { type, folder };
  }
  if (type === 'forward') {
    const address = str(input.address);
    if (!address) errors[`${at}.address`] = 'is required';
    else if (address.length > 254 || !ADDRESS.test(address))
      errors[`${at}.address`] = 'must be an email address like name@example.com';
    return { type, address, keepCopy: input.keepCopy !== false };
  }
  return { type: type as 'markRead' | 'flag' | 'delete' };
}

function rule(raw: unknown, at: string, errors: Errors): FilterRule {
  const input = isRecord(raw) ? raw : {};
  const name = str(input.name);
  checkText(errors, `${at}.name`, name, LIMITS.name, true);
  const rawConditions = Array.isArray(input.conditions) ? input.conditions : [];
  const rawActions = Array.isArray(input.actions) ? input.actions : [];
  if (rawConditions.length === 0) errors[`${at}.conditions`] = 'add at least one condition';
  else if (rawConditions.length > LIMITS.conditions)
    errors[`${at}.conditions`] = `at most ${LIMITS.conditions} conditions`;
  if (rawActions.length === 0) errors[`${at}.actions`] = 'add at least one action';
  else if (rawActions.length > LIMITS.actions) errors[`${at}.actions`] = `at most ${LIMITS.actions} actions`;
  const conditions = rawConditions
    .slice(0, LIMITS.conditions)
    .map((item, index) => condition(item, `${at}.conditions.${index}`, errors));
  const actions = rawActions
    .slice(0, LIMITS.actions)
    .map((item, index) => action(item, `${at}.actions.${index}`, errors));
  const types = actions.map((item) => item.type);
  if (
    types.includes('delete') &&
    types.some((type) => type === 'move' || type === 'markRead' || type === 'flag')
  )
    errors[`${at}.actions`] = 'delete cannot be combined with moving or flagging';
  else if (types.filter((type) => type === 'move').length > 1)
    errors[`${at}.actions`] = 'move to one folder only (use forward for a copy elsewhere)';
  return {
    name,
    enabled: input.enabled !== false,
    match: input.match === 'any' ? 'any' : 'all',
    conditions,
    actions,
    stop: input.stop === true,
  };
}

function vacation(raw: unknown, errors: Errors): VacationSettings {
  const input = isRecord(raw) ? raw : {};
  const enabled = input.enabled === true;
  const start = str(input.start);
  const end = str(input.end);
  const subject = str(input.subject);
  // The reply text keeps its line breaks; only trailing blanks go.
  const text = typeof input.text === 'string' ? input.text.replace(/\r\n?/g, '\n').trimEnd() : '';
  const days = input.days === undefined || input.days === '' ? 7 : Number(input.days);
  if (start && !isValidDate(start)) errors['vacation.start'] = 'must be a date (YYYY-MM-DD)';
  if (end && !isValidDate(end)) errors['vacation.end'] = 'must be a date (YYYY-MM-DD)';
  else if (start && end && isValidDate(start) && end < start)
    errors['vacation.end'] = 'must not be before the start';
  checkText(errors, 'vacation.subject', subject, LIMITS.subject, false);
  if (/[\r\n]/.test(subject)) errors['vacation.subject'] = 'must be one line';
  checkText(errors, 'vacation.text', text, LIMITS.text, enabled);
  if (!Number.isInteger(days) || days < 1 || days > LIMITS.maxDays)
    errors['vacation.days'] = `must be a whole number of days from 1 to ${LIMITS.maxDays}`;
  return { enabled, start, end, subject, text, days: Number.isInteger(days) ? days : 7 };
}

/** The filter set from a request body, or FieldErrors for every bad field. */
export function validateFilterSet(raw: unknown): FilterSet {
  const input = isRecord(raw) ? raw : {};
  const errors: Errors = {};
  const rawRules = Array.isArray(input.rules) ? input.rules : [];
  if (rawRules.length > LIMITS.rules) errors.rules = `at most ${LIMITS.rules} rules`;
  const rules = rawRules.slice(0, LIMITS.rules).map((item, index) => rule(item, `rules.${index}`, errors));
  const set = { rules, vacation: vacation(input.vacation, errors) };
  if (Object.keys(errors).length) throw new FieldErrors(errors);
  return set;
}
