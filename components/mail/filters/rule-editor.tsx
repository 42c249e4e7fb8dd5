'use client';
// One rule: its conditions (all or any), its actions and whether later rules still run. The
// server validates; its field errors ("conditions.1.value") appear beside the fields.
import { useState } from 'react';
import {
  CONDITION_FIELDS,
  type ConditionField,
  type FilterRule,
  type RuleAction,
  type RuleCondition,
} from '@/server/rules-builder/types';
import type { FolderView } from '@/server/webmail/types';
import { ACTION_LABELS, FIELD_LABELS, MATCH_LABELS } from './labels';

export const NEW_RULE: FilterRule = {
  name: '',
  enabled: true,
  match: 'all',
  conditions: [{ field: 'from', match: 'contains', value: '' }],
  actions: [{ type: 'move', folder: '' }],
  stop: true,
};

function FieldError({ message, id }: { message?: string; id: string }) {
  return message ? (
    <p id={id} className="field-error" data-field-error>
      {message}
    </p>
  ) : null;
}

function ConditionRow(props: {
  condition: RuleCondition;
  index: number;
  errors: Record<string, string>;
  onChange(condition: RuleCondition): void;
  onRemove?(): void;
}) {
  const { condition, index, errors } = props;
  const at = `conditions.${index}`;
  const n = index + 1;
  const matches =
    condition.field === 'size'
      ? (['over', 'under'] as const)
      : (['contains', 'notcontains', 'is', 'isnot'] as const);
  const setField = (field: ConditionField) => {
    if (field === 'size')
      props.onChange({ field, match: 'over', value: condition.field === 'size' ? condition.value : '1M' });
    else if (condition.field === 'size') props.onChange({ field, match: 'contains', value: '' });
    else props.onChange({ ...condition, field });
  };
  const error = errors[`${at}.value`] ?? errors[`${at}.field`] ?? errors[`${at}.match`];
  return (
    <li className="rounded-md border border-slate-200 p-2">
      <div className="grid gap-2 sm:grid-cols-[11rem_10rem_1fr_auto]">
        <select
          className="input"
          aria-label={`Condition ${n}: header`}
          value={condition.field}
          onChange={(e) => setField(e.target.value as ConditionField)}
        >
          {CONDITION_FIELDS.map((field) => (
            <option key={field} value={field}>
              {FIELD_LABELS[field]}
            </option>
          ))}
        </select>
        <select
          className="input"
          aria-label={`Condition ${n}: comparison`}
          value={condition.match}
          onChange={(e) => props.onChange({ ...condition, match: e.target.value } as RuleCondition)}
        >
          {matches.map((match) => (
            <option key={match} value={match}>
              {MATCH_LABELS[match]}
            </option>
          ))}
        </select>
        <input
          className="input"
          aria-label={`Condition ${n}: value`}
          placeholder={condition.field === 'size' ? 'like 500K or 2M' : 'text to look for'}
          value={condition.value}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `condition-${n}-error` : undefined}
          onChange={(e) => props.onChange({ ...condition, value: e.target.value })}
        />
        {props.onRemove ? (
          <button
            type="button"
            className="btn btn-small justify-self-start"
            onClick={props.onRemove}
            aria-label={`Remove condition ${n}`}
          >
            Remove
          </button>
        ) : (
          <span />
        )}
      </div>
      <FieldError id={`condition-${n}-error`} message={error} />
    </li>
  );
}

function ActionRow(props: {
  action: RuleAction;
  index: number;
  folders: FolderView[];
  errors: Record<string, string>;
  onChange(action: RuleAction): void;
  onRemove?(): void;
}) {
  const { action, index, errors, folders } = props;
  const at = `actions.${index}`;
  const n = index + 1;
  const setType = (type: RuleAction['type']) =>
    props.onChange(
      type === 'move'
        ? { type, folder: '' }
        : type === 'forward'
          ? { type, address: '', keepCopy: true }
          : { type },
    );
  const error = errors[`${at}.folder`] ?? errors[`${at}.address`] ?? errors[`${at}.type`];
  return (
    <li className="rounded-md border border-slate-200 p-2">
      <div className="grid gap-2 sm:grid-cols-[11rem_1fr_auto]">
        <select
          className="input"
          aria-label={`Action ${n}`}
          value={action.type}
          onChange={(e) => setType(e.target.value as RuleAction['type'])}
        >
          {(Object.keys(ACTION_LABELS) as RuleAction['type'][]).map((type) => (
            <option key={type} value={type}>
              {ACTION_LABELS[type]}
            </option>
          ))}
        </select>
        {action.type === 'move' ? (
          <select
            className="input"
            aria-label={`Action ${n}: folder`}
            value={action.folder}
            aria-invalid={error ? true : undefined}
            onChange={(e) => props.onChange({ ...action, folder: e.target.value })}
          >
            <option value="">Choose a folder…</option>
            {folders.map((folder) => (
              <option key={folder.path} value={folder.path}>
                {folder.path === 'INBOX' ? 'Inbox' : folder.path}
              </option>
            ))}
            {action.folder && !folders.some((folder) => folder.path === action.folder) && (
              <option value={action.folder}>{action.folder} (missing)</option>
            )}
          </select>
        ) : action.type === 'forward' ? (
          <div className="flex flex-wrap items-center gap-2">
            <input
              className="input min-w-0 flex-1"
              type="email"
              aria-label={`Action ${n}: forward to address`}
              placeholder="name@example.com"
              value={action.address}
              aria-invalid={error ? true : undefined}
              onChange={(e) => props.onChange({ ...action, address: e.target.value })}
            />
            <label className="flex items-center gap-1 text-sm">
              <input
                type="checkbox"
                checked={action.keepCopy}
                onChange={(e) => props.onChange({ ...action, keepCopy: e.target.checked })}
              />
              keep a copy
            </label>
          </div>
        ) : (
          <span />
        )}
        {props.onRemove ? (
          <button
            type="button"
            className="btn btn-small justify-self-start"
            onClick={props.onRemove}
            aria-label={`Remove action ${n}`}
          >
            Remove
          </button>
        ) : (
          <span />
        )}
      </div>
      <FieldError id={`action-${n}-error`} message={error} />
    </li>
  );
}

export function RuleEditor(props: {
  initial: FilterRule;
  folders: FolderView[];
  errors: Record<string, string>;
  saving: boolean;
  onSave(rule: FilterRule): void;
  onCancel(): void;
}) {
  const [rule, setRule] = useState<FilterRule>(props.initial);
  const { errors } = props;
  const replace = <T,>(list: T[], index: number, item: T) => list.map((old, i) => (i === index ? item : old));
  return (
    <form
      className="card space-y-4"
      aria-label="Rule"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        props.onSave(rule);
      }}
    >
      <div>
        <label className="label" htmlFor="rule-name">
          Rule name
        </label>
        <input
          id="rule-name"
          className="input"
          value={rule.name}
          placeholder="like: Newsletters to Reading"
          aria-invalid={errors.name ? true : undefined}
          onChange={(e) => setRule({ ...rule, name: e.target.value })}
        />
        <FieldError id="rule-name-error" message={errors.name} />
      </div>
      <fieldset>
        <legend className="label">
          When{' '}
          <select
            className="rounded border border-slate-300 px-1 py-0.5 text-sm"
            aria-label="Match"
            value={rule.match}
            onChange={(e) => setRule({ ...rule, match: e.target.value === 'any' ? 'any' : 'all' })}
          >
            <option value="all">all</option>
            <option value="any">any</option>
          </select>{' '}
          of these match
        </legend>
        <ul className="space-y-2">
          {rule.conditions.map((condition, index) => (
            <ConditionRow
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
              key={index}
              condition={condition}
              index={index}
              errors={errors}
              onChange={(next) => setRule({ ...rule, conditions: replace(rule.conditions, index, next) })}
              onRemove={
                rule.conditions.length > 1
                  ? () => setRule({ ...rule, conditions: rule.conditions.filter((_, i) => i !== index) })
                  : undefined
              }
            />
          ))}
        </ul>
        <FieldError id="conditions-error" message={errors.conditions} />
        <button
          type="button"
          className="btn btn-small mt-2"
          onClick={() =>
            setRule({
              ...rule,
              conditions: [...rule.conditions, { field: 'subject', match: 'contains', value: '' }],
            })
          }
        >
          + Add condition
        </button>
      </fieldset>
      <fieldset>
        <legend className="label">Then</legend>
        <ul className="space-y-2">
          {rule.actions.map((action, index) => (
            <ActionRow
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
              key={index}
              action={action}
              index={index}
              folders={props.folders}
              errors={errors}
              onChange={(next) => setRule({ ...rule, actions: replace(rule.actions, index, next) })}
              onRemove={
                rule.actions.length > 1
                  ? () => setRule({ ...rule, actions: rule.actions.filter((_, i) => i !== index) })
                  : undefined
              }
            />
          ))}
        </ul>
        <FieldError id="actions-error" message={errors.actions} />
        <button
          type="button"
          className="btn btn-small mt-2"
          onClick={() => setRule({ ...rule, actions: [...rule.actions, { type: 'markRead' }] })}
        >
          + Add action
        </button>
      </fieldset>
      <div className="flex flex-col gap-1 text-sm">
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            checked={rule.stop}
            onChange={(e) => setRule({ ...rule, stop: e.target.checked })}
          />
          Stop here: later rules do not see a message this rule matched
        </label>
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            checked={rule.enabled}
            onChange={(e) => setRule({ ...rule, enabled: e.target.checked })}
          />
          Rule is on
        </label>
      </div>
      <div className="flex gap-2">
        <button type="submit" className="btn btn-primary" disabled={props.saving}>
          {props.saving ? 'Saving…' : 'Save rule'}
        </button>
        <button type="button" className="btn" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
