// The filter set as a Sieve script (RFC 5228 with fileinto, imap4flags, copy, vacation, date,
// relational). Every block starts with a comment holding its model as JSON: parse.ts reads the
// set back from those and checks that the script is still exactly what this file writes.
import {
  EMPTY_VACATION,
  type FilterRule,
  type FilterSet,
  type RuleAction,
  type RuleCondition,
  type VacationSettings,
} from './types';

export const SCRIPT_HEADER = [
  "# Postroom filters, written by the webmail's rule builder (Mail > Filters).",
  '# Edited by hand, this script is shown in the raw editor only.',
];
export const RULE_MARK = '# rule ';
export const VACATION_MARK = '# vacation ';

/** A Sieve quoted string: backslash and double quote escaped, line breaks as CRLF. */
export function sieveString(value: string): string {
  return `"${value.replace(/\r\n?|\n/g, '\r\n').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function stringList(values: string[]): string {
  return values.length === 1 ? sieveString(values[0]) : `[${values.map(sieveString).join(', ')}]`;
}

const HEADERS: Record<Exclude<RuleCondition['field'], 'size'>, string[]> = {
  from: ['from'],
  to: ['to', 'cc'],
  subject: ['subject'],
  listid: ['list-id'],
};

function test(condition: RuleCondition): string {
  if (condition.field === 'size') return `size :${condition.match} ${condition.value}`;
  const headers = stringList(HEADERS[condition.field]);
  const negated = condition.match === 'notcontains' || condition.match === 'isnot';
  const exact = condition.match === 'is' || condition.match === 'isnot';
  // "is" compares the address itself (display names aside); "contains" the whole header text,
  // so a display name matches too.
  const base =
    exact && (condition.field === 'from' || condition.field === 'to')
      ? `address :all :is ${headers} ${sieveString(condition.value)}`
      : `header :${exact ? 'is' : 'contains'} ${headers} ${sieveString(condition.value)}`;
  return negated ? `not ${base}` : base;
}

function commands(actions: RuleAction[]): string[] {
  const lines: string[] = [];
  const flags = [
    ...(actions.some((a) => a.type === 'markRead') ? ['\\Seen'] : []),
    ...(actions.some((a) => a.type === 'flag') ? ['\\Flagged'] : []),
  ];
  // Flags first: they apply to the copy that fileinto (or the implicit keep) stores.
  if (flags.length) lines.push(`addflag ${stringList(flags)};`);
  for (const action of actions) {
    if (action.type === 'move') lines.push(`fileinto ${sieveString(action.folder)};`);
    else if (action.type === 'forward')
      lines.push(`redirect ${action.keepCopy ? ':copy ' : ''}${sieveString(action.address)};`);
    else if (action.type === 'delete') lines.push('discard;');
  }
  return lines;
}

function ruleBlock(rule: FilterRule): string[] {
  const lines = [`${RULE_MARK}${JSON.stringify(rule)}`];
  if (!rule.enabled) return lines;
  const tests = rule.conditions.map(test);
  const condition =
    tests.length === 1 ? tests[0] : `${rule.match === 'any' ? 'anyof' : 'allof'} (${tests.join(', ')})`;
  lines.push(`if ${condition} {`);
  for (const line of commands(rule.actions)) lines.push(`  ${line}`);
  if (rule.stop) lines.push('  stop;');
  lines.push('}');
  return lines;
}

function vacationBlock(vacation: VacationSettings): string[] {
  const lines = [`${VACATION_MARK}${JSON.stringify(vacation)}`];
  if (!vacation.enabled) return lines;
  const reply = `vacation :days ${vacation.days}${vacation.subject ? ` :subject ${sieveString(vacation.subject)}` : ''} ${sieveString(vacation.text)};`;
  const checks = [
    ...(vacation.start ? [`currentdate :value "ge" "date" ${sieveString(vacation.start)}`] : []),
    ...(vacation.end ? [`currentdate :value "le" "date" ${sieveString(vacation.end)}`] : []),
  ];
  if (checks.length === 0) lines.push(reply);
  else {
    lines.push(`if ${checks.length === 1 ? checks[0] : `allof (${checks.join(', ')})`} {`);
    lines.push(`  ${reply}`);
    lines.push('}');
  }
  return lines;
}

export function isEmptyVacation(vacation: VacationSettings): boolean {
  return JSON.stringify(vacation) === JSON.stringify(EMPTY_VACATION);
}

/** The extensions the set uses, sorted, for the require line. */
function requirements(set: FilterSet): string[] {
  const needs = new Set<string>();
  if (set.vacation.enabled) {
    needs.add('vacation');
    if (set.vacation.start || set.vacation.end) for (const name of ['date', 'relational']) needs.add(name);
  }
  for (const rule of set.rules.filter((r) => r.enabled))
    for (const action of rule.actions) {
      if (action.type === 'move') needs.add('fileinto');
      if (action.type === 'markRead' || action.type === 'flag') needs.add('imap4flags');
      if (action.type === 'forward' && action.keepCopy) needs.add('copy');
    }
  return [...needs].sort();
}

/** The Sieve script for a validated filter set (see validate.ts). */
export function generateSieve(set: FilterSet): string {
  const lines = [...SCRIPT_HEADER];
  const needs = requirements(set);
  if (needs.length) lines.push(`require ${stringList(needs)};`);
  // Vacation first: a later rule's stop or discard must not silence the out-of-office reply.
  if (!isEmptyVacation(set.vacation)) lines.push('', ...vacationBlock(set.vacation));
  for (const rule of set.rules) lines.push('', ...ruleBlock(rule));
  return `${lines.join('\r\n')}\r\n`;
}
