'use client';
// Form building blocks: labelled fields with their error beside them, a submit button that shows
// progress, and the form's message line (role=status / role=alert for screen readers).
import { useFormStatus } from 'react-dom';
import type { FormState } from '@/server/web/form-state';

export function Field(props: {
  name: string;
  label: string;
  state?: FormState;
  type?: string;
  defaultValue?: string;
  required?: boolean;
  placeholder?: string;
  hint?: React.ReactNode;
  autoComplete?: string;
  inputMode?: React.HTMLAttributes<HTMLInputElement>['inputMode'];
  onChange?: (value: string) => void;
  children?: React.ReactNode;
}) {
  const id = `field-${props.name}`;
  const error = props.state?.fieldErrors?.[props.name];
  const value = props.state?.values?.[props.name] ?? props.defaultValue;
  return (
    <div>
      <label htmlFor={id} className="label">
        {props.label}
      </label>
      {props.children ?? (
        <input
          id={id}
          name={props.name}
          type={props.type ?? 'text'}
          defaultValue={value}
          key={value}
          required={props.required}
          placeholder={props.placeholder}
          autoComplete={props.autoComplete}
          inputMode={props.inputMode}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : props.hint ? `${id}-hint` : undefined}
          onChange={props.onChange ? (event) => props.onChange!(event.target.value) : undefined}
          className="input"
        />
      )}
      {props.hint && !error && (
        <div id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {props.hint}
        </div>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error" data-field-error={props.name}>
          {error}
        </p>
      )}
    </div>
  );
}

export function SubmitButton({
  children,
  variant = 'primary',
  pendingText,
  ariaLabel,
  small,
}: {
  children: React.ReactNode;
  variant?: 'primary' | 'danger' | 'plain';
  pendingText?: string;
  ariaLabel?: string;
  small?: boolean;
}) {
  const { pending } = useFormStatus();
  const className = `${variant === 'primary' ? 'btn btn-primary' : variant === 'danger' ? 'btn btn-danger' : 'btn'}${small ? ' btn-small' : ''}`;
  return (
    <button type="submit" className={className} disabled={pending} aria-busy={pending} aria-label={ariaLabel}>
      {pending ? (pendingText ?? 'Working…') : children}
    </button>
  );
}

export function FormMessage({ state }: { state: FormState }) {
  if (state.error)
    return (
      <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
        {state.error}
      </p>
    );
  if (state.ok && state.message)
    return (
      <p
        role="status"
        className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800"
      >
        {state.message}
      </p>
    );
  return null;
}
