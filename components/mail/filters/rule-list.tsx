'use client';
// The rules in the order they run, each summarised in words, with edit, order and delete.
import type { FilterRule } from '@/server/rules-builder/types';
import { describeAction, describeCondition } from './labels';

export function RuleList(props: {
  rules: FilterRule[];
  busy: boolean;
  onEdit(index: number): void;
  onMove(index: number, delta: -1 | 1): void;
  onDelete(index: number): void;
}) {
  if (props.rules.length === 0)
    return <p className="card text-sm text-slate-600">No rules yet. New mail stays in your Inbox.</p>;
  return (
    <ol className="space-y-2" aria-label="Rules">
      {props.rules.map((rule, index) => (
        <li
          // biome-ignore lint/suspicious/noArrayIndexKey: rules are kept by position (their run order)
          key={index}
          className="card flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between"
          data-testid="rule"
        >
          <div className="min-w-0">
            <p className="font-medium">
              {rule.name} {!rule.enabled && <span className="badge bg-slate-200 text-slate-700">off</span>}
            </p>
            <p className="break-words text-sm text-slate-600">
              When {rule.conditions.length > 1 ? (rule.match === 'any' ? 'any of: ' : 'all of: ') : ''}
              {rule.conditions.map(describeCondition).join(rule.match === 'any' ? ' or ' : ' and ')}, then{' '}
              {rule.actions.map(describeAction).join(', ')}
              {rule.stop ? ', and stop' : ''}.
            </p>
          </div>
          <div className="flex shrink-0 gap-1">
            <button
              type="button"
              className="btn btn-small"
              onClick={() => props.onEdit(index)}
              aria-label={`Edit ${rule.name}`}
            >
              Edit
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={props.busy || index === 0}
              onClick={() => props.onMove(index, -1)}
              aria-label={`Move ${rule.name} up`}
            >
              ↑
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={props.busy || index === props.rules.length - 1}
              onClick={() => props.onMove(index, 1)}
              aria-label={`Move ${rule.name} down`}
            >
              ↓
            </button>
            <button
              type="button"
              className="btn btn-small text-red-700"
              disabled={props.busy}
              onClick={() => props.onDelete(index)}
              aria-label={`Delete ${rule.name}`}
            >
              Delete
            </button>
          </div>
        </li>
      ))}
    </ol>
  );
}
