// Which access rule decides: rules are tried in order (position, then id) and the first that
// matches decides. Scope `any` is sendmail's untagged entry: it applies to the client (by host
// name), the sender and the recipient alike.
import { parsePattern, isNetworkPattern, matchesIp, matchesDomain, matchesAddress } from './access-pattern';

export const ACTIONS = ['RELAY', 'OK', 'REJECT', 'DISCARD'] as const;
export type AccessAction = (typeof ACTIONS)[number];
export const SCOPES = ['connect', 'sender', 'recipient', 'any'] as const;
export type AccessScope = (typeof SCOPES)[number];

export interface AccessRuleLike {
  id: number;
  pattern: string;
  scope: string;
  action: string;
  message: string | null;
  position: number;
}

export type AccessSubject =
  | { scope: 'connect'; ip: string; hostname?: string | null }
  | { scope: 'sender' | 'recipient'; address: string };

export function ruleMatches(rule: AccessRuleLike, subject: AccessSubject): boolean {
  if (rule.scope !== subject.scope && rule.scope !== 'any') return false;
  const parsed = parsePattern(rule.pattern);
  if (!parsed.ok) return false;
  const pattern = parsed.pattern;
  if (subject.scope === 'connect') {
    if (isNetworkPattern(pattern)) return matchesIp(pattern, subject.ip);
    return !!subject.hostname && matchesDomain(pattern, subject.hostname);
  }
  // An empty reverse-path (null sender) matches no address pattern.
  return !isNetworkPattern(pattern) && subject.address !== '' && matchesAddress(pattern, subject.address);
}

export function orderRules<T extends AccessRuleLike>(rules: T[]): T[] {
  return [...rules].sort((a, b) => a.position - b.position || a.id - b.id);
}

/** The first rule that matches, or null. */
export function findRule<T extends AccessRuleLike>(rules: T[], subject: AccessSubject): T | null {
  return orderRules(rules).find((rule) => ruleMatches(rule, subject)) ?? null;
}

/** Reads a qmail tcp.smtp line (`127.0.0.1:allow,RELAYCLIENT=""`, `66.115.47.:deny`). */
export function parseQmailRule(
  line: string,
): { pattern: string; action: AccessAction; scope: 'connect' } | { error: string } {
  const match = /^([^:]+(?::[^:,]*)*?):(allow|deny)(,.*)?$/.exec(line.trim());
  if (!match)
    return { error: `"${line}" is not a tcp.smtp rule (PATTERN:allow[,RELAYCLIENT=""] or PATTERN:deny)` };
  const [, pattern, verdict, variables] = match;
  const action: AccessAction =
    verdict === 'deny' ? 'REJECT' : /RELAYCLIENT=/.test(variables ?? '') ? 'RELAY' : 'OK';
  return { pattern: pattern!, action, scope: 'connect' };
}
