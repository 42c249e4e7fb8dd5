'use client';
// The vacation (out-of-office) reply: on or off, an optional first and last day, subject and
// text. Senders get one reply per the chosen number of days (RFC 5230).
import { useState } from 'react';
import type { VacationSettings } from '@/server/rules-builder/types';

function FieldNote({ id, message }: { id: string; message?: string }) {
  return message ? (
    <p id={id} className="field-error" data-field-error>
      {message}
    </p>
  ) : null;
}

export function VacationForm(props: {
  initial: VacationSettings;
  errors: Record<string, string>;
  saving: boolean;
  onSave(vacation: VacationSettings): void;
}) {
  const [vacation, setVacation] = useState<VacationSettings>(props.initial);
  const { errors } = props;
  const input = (name: 'start' | 'end' | 'subject', label: string, type: string, hint?: string) => (
    <div>
      <label className="label" htmlFor={`vacation-${name}`}>
        {label}
      </label>
      <input
        id={`vacation-${name}`}
        type={type}
        className="input"
        value={vacation[name]}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `vacation-${name}-error` : undefined}
        onChange={(e) => setVacation({ ...vacation, [name]: e.target.value })}
      />
      {hint && !errors[name] && <p className="mt-1 text-xs text-slate-500">{hint}</p>}
      <FieldNote id={`vacation-${name}-error`} message={errors[name]} />
    </div>
  );
  return (
    <form
      className="card space-y-4"
      aria-label="Vacation reply"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        props.onSave(vacation);
      }}
    >
      <label className="flex items-center gap-2 font-medium">
        <input
          type="checkbox"
          checked={vacation.enabled}
          onChange={(e) => setVacation({ ...vacation, enabled: e.target.checked })}
        />
        Send an automatic reply while I am away
      </label>
      <div className="grid gap-4 sm:grid-cols-2">
        {input('start', 'First day', 'date', 'Empty: from now on.')}
        {input('end', 'Last day', 'date', 'Empty: until you turn it off.')}
      </div>
      {input('subject', 'Subject', 'text', 'Empty: "Auto:" and the subject of the message answered.')}
      <div>
        <label className="label" htmlFor="vacation-text">
          Message
        </label>
        <textarea
          id="vacation-text"
          className="input min-h-32"
          rows={6}
          value={vacation.text}
          aria-invalid={errors.text ? true : undefined}
          aria-describedby={errors.text ? 'vacation-text-error' : undefined}
          onChange={(e) => setVacation({ ...vacation, text: e.target.value })}
        />
        <FieldNote id="vacation-text-error" message={errors.text} />
      </div>
      <div>
        <label className="label" htmlFor="vacation-days">
          Reply to each sender once every
        </label>
        <div className="flex items-center gap-2">
          <input
            id="vacation-days"
            type="number"
            min={1}
            max={365}
            className="input w-24"
            value={String(vacation.days)}
            aria-invalid={errors.days ? true : undefined}
            onChange={(e) =>
              setVacation({ ...vacation, days: e.target.value === '' ? Number.NaN : Number(e.target.value) })
            }
          />
          <span className="text-sm">days</span>
        </div>
        <FieldNote id="vacation-days-error" message={errors.days} />
      </div>
      <p className="text-xs text-slate-500">
        Dates are days on the mail server&apos;s clock. Mailing lists and automatic messages get no reply.
      </p>
      <button type="submit" className="btn btn-primary" disabled={props.saving}>
        {props.saving ? 'Saving…' : 'Save vacation reply'}
      </button>
    </form>
  );
}
