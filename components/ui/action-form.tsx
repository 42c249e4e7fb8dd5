'use client';
// A form described by data, bound to a server action: labelled fields, each error beside its
// field, a message line and a submit button that shows progress. Most console forms are one.
import { useActionState, useState } from 'react';
import type { FormState } from '@/server/web/form-state';
import { Field, FormMessage, SubmitButton } from './form';
import { PasswordStrength } from './password-strength';
import { PastedRuleHint } from './pasted-rule-hint';

export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'new-password' | 'number' | 'select' | 'textarea' | 'checkbox';
  options?: { value: string; label: string }[];
  defaultValue?: string;
  required?: boolean;
  placeholder?: string;
  hint?: string;
  /** Shown only when another field has one of these values. */
  showWhen?: { field: string; values: string[] };
  /** A live reading of what is typed, under the field: `pasted-rule` for access-rule lines. */
  preview?: 'pasted-rule';
}

export type FormAction = (previous: FormState, form: FormData) => Promise<FormState>;

export function ActionForm(props: {
  action: FormAction;
  fields: FieldSpec[];
  hidden?: Record<string, string>;
  submitLabel: string;
  pendingText?: string;
  variant?: 'primary' | 'danger' | 'plain';
  layout?: 'stack' | 'inline';
  testId?: string;
  resetOnSuccess?: boolean;
  /** A small button whose accessible name says more than its text. */
  submitAriaLabel?: string;
  small?: boolean;
  /** For destructive actions: the first click asks this ("Really remove X?"), the second does it. */
  confirm?: string;
}) {
  const [state, action] = useActionState(props.action, {});
  const [confirming, setConfirming] = useState(false);
  const [watched, setWatched] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      props.fields.map((field) => [
        field.name,
        field.defaultValue ?? (field.type === 'select' ? (field.options?.[0]?.value ?? '') : ''),
      ]),
    ),
  );
  const inline = props.layout === 'inline';
  const visible = props.fields.filter(
    (field) => !field.showWhen || field.showWhen.values.includes(watched[field.showWhen.field] ?? ''),
  );
  // Errors about a field the form does not show (a hidden input) stand in for the message line.
  const orphanErrors = Object.entries(state.fieldErrors ?? {}).filter(
    ([name]) => !visible.some((field) => field.name === name),
  );
  return (
    <form
      action={action}
      className={inline ? 'flex flex-wrap items-end gap-3' : 'space-y-4'}
      data-testid={props.testId}
      key={props.resetOnSuccess && state.ok ? state.message : undefined}
    >
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {visible.map((field) => {
        const id = `field-${field.name}`;
        const error = state.fieldErrors?.[field.name];
        const value = state.ok ? field.defaultValue : (state.values?.[field.name] ?? field.defaultValue);
        const track = (next: string) => setWatched((previous) => ({ ...previous, [field.name]: next }));
        const described = error ? `${id}-error` : field.hint ? `${id}-hint` : undefined;
        if (field.type === 'checkbox') {
          return (
            <div key={field.name}>
              <label className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  id={id}
                  name={field.name}
                  value="yes"
                  defaultChecked={value === 'yes'}
                  className="mt-0.5 size-4"
                  aria-describedby={described}
                  aria-invalid={error ? true : undefined}
                />
                <span>{field.label}</span>
              </label>
              {error && (
                <p id={`${id}-error`} className="field-error" data-field-error={field.name}>
                  {error}
                </p>
              )}
            </div>
          );
        }
        const control =
          field.type === 'select' ? (
            <select
              id={id}
              name={field.name}
              defaultValue={value}
              className="input"
              aria-describedby={described}
              aria-invalid={error ? true : undefined}
              onChange={(event) => track(event.target.value)}
            >
              {field.options?.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          ) : field.type === 'textarea' ? (
            <textarea
              id={id}
              name={field.name}
              defaultValue={value}
              className="input min-h-20"
              required={field.required}
              placeholder={field.placeholder}
              aria-describedby={described}
              aria-invalid={error ? true : undefined}
            />
          ) : undefined;
        const password = field.type === 'new-password';
        return (
          <div key={field.name} className={inline ? 'min-w-40 flex-1' : undefined}>
            <Field
              name={field.name}
              label={field.label}
              state={state.ok ? undefined : state}
              type={password ? 'password' : (field.type ?? 'text')}
              defaultValue={value}
              required={field.required}
              placeholder={field.placeholder}
              autoComplete={
                password ? 'new-password' : field.type === 'password' ? 'current-password' : 'off'
              }
              hint={
                password ? (
                  <PasswordStrength password={watched[field.name] ?? ''} />
                ) : field.preview === 'pasted-rule' ? (
                  <PastedRuleHint text={watched[field.name] ?? ''} fallback={field.hint} />
                ) : (
                  field.hint
                )
              }
              onChange={password || field.preview ? track : undefined}
            >
              {control}
            </Field>
          </div>
        );
      })}
      <div className={inline ? '' : 'space-y-3'}>
        {orphanErrors.map(([name, message]) => (
          <p
            key={name}
            role="alert"
            className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
            data-field-error={name}
          >
            {message}
          </p>
        ))}
        {!inline && !orphanErrors.length && <FormMessage state={state} />}
        {props.confirm && !confirming ? (
          <button
            type="button"
            className={`btn${props.variant === 'danger' ? ' btn-danger' : ''}${props.small ? ' btn-small' : ''}`}
            aria-label={props.submitAriaLabel}
            onClick={() => setConfirming(true)}
          >
            {props.submitLabel}
          </button>
        ) : props.confirm ? (
          <fieldset className="inline-flex flex-wrap items-center gap-2" aria-label="Confirm">
            <span className="text-sm font-medium text-red-800" data-testid="confirm-question">
              {props.confirm}
            </span>
            <SubmitButton variant="danger" pendingText={props.pendingText} small={props.small}>
              Yes, {props.submitLabel.toLowerCase()}
            </SubmitButton>
            <button
              type="button"
              className={`btn${props.small ? ' btn-small' : ''}`}
              onClick={() => setConfirming(false)}
            >
              Cancel
            </button>
          </fieldset>
        ) : (
          <SubmitButton
            variant={props.variant}
            pendingText={props.pendingText}
            ariaLabel={props.submitAriaLabel}
            small={props.small}
          >
            {props.submitLabel}
          </SubmitButton>
        )}
      </div>
      {inline && !orphanErrors.length && (
        <div className="w-full empty:hidden">
          <FormMessage state={state} />
        </div>
      )}
    </form>
  );
}
