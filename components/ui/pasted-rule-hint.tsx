'use client';
// Under the access-rule pattern: how a pasted qmail or sendmail line will be read, so the Action
// menu's default is never mistaken for what gets saved.
import { describePastedRule, parsePastedRule } from '@/server/domain/access-line';

export function PastedRuleHint({ text, fallback }: { text: string; fallback?: string }) {
  const pasted = parsePastedRule(text);
  if (!pasted) return <>{fallback}</>;
  return (
    <span className="font-medium text-brand-700" data-testid="pasted-rule-hint">
      {describePastedRule(pasted)}. Its own action is saved; the Action menu is not used.
    </span>
  );
}
