'use client';
// A date-and-time field in the viewer's own time zone that submits the instant in UTC (ISO 8601),
// so the server never has to guess the browser's zone.
import { useEffect, useState } from 'react';

function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function LocalDateTimeField({
  name,
  label,
  defaultIso,
}: {
  name: string;
  label: string;
  defaultIso?: string;
}) {
  const [iso, setIso] = useState(defaultIso ?? '');
  const [shown, setShown] = useState('');
  useEffect(() => setShown(defaultIso ? toLocalInput(defaultIso) : ''), [defaultIso]);
  return (
    <div>
      <label htmlFor={`field-${name}`} className="label">
        {label}
      </label>
      <input
        id={`field-${name}`}
        type="datetime-local"
        className="input"
        value={shown}
        onChange={(event) => {
          setShown(event.target.value);
          const date = new Date(event.target.value);
          setIso(event.target.value && !Number.isNaN(date.getTime()) ? date.toISOString() : '');
        }}
      />
      <input type="hidden" name={name} value={iso} />
    </div>
  );
}
