'use client';
// An address field with suggestions from the domain's mailboxes and past recipients.
import { useEffect, useRef, useState } from 'react';
import type { MailAddress } from '@/server/webmail/types';
import { api } from './api';
import { formatAddress } from './format';

interface Props {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  error?: string;
  autoFocus?: boolean;
}

/** The address being typed: whatever follows the last comma. */
function currentToken(value: string): string {
  return value.slice(value.lastIndexOf(',') + 1).trim();
}

export function AddressInput({ id, label, value, onChange, error, autoFocus }: Props) {
  const [suggestions, setSuggestions] = useState<MailAddress[]>([]);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Closing on blur waits a moment (so a click on a suggestion lands); focusing again cancels it.
  const closing = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const show = () => {
    clearTimeout(closing.current);
    setOpen(true);
  };
  const token = currentToken(value);
  useEffect(() => {
    clearTimeout(timer.current);
    if (!token || token.includes('<')) {
      setSuggestions([]);
      return;
    }
    timer.current = setTimeout(async () => {
      try {
        const result = await api<{ suggestions: MailAddress[] }>(
          `/api/mail/addresses?q=${encodeURIComponent(token)}`,
        );
        setSuggestions(result.suggestions);
        setActive(0);
      } catch {
        setSuggestions([]);
      }
    }, 150);
    return () => clearTimeout(timer.current);
  }, [token]);
  const pick = (entry: MailAddress) => {
    const before = value.slice(0, value.lastIndexOf(',') + 1);
    onChange(`${before}${before ? ' ' : ''}${formatAddress(entry)}, `);
    setSuggestions([]);
  };
  const showList = open && suggestions.length > 0;
  return (
    <div className="relative flex items-start gap-2">
      <label htmlFor={id} className="w-12 shrink-0 pt-1.5 text-sm text-slate-600">
        {label}
      </label>
      <div className="flex-1">
        <input
          id={id}
          className="input"
          value={value}
          autoFocus={autoFocus}
          autoComplete="off"
          role="combobox"
          aria-expanded={showList}
          aria-controls={`${id}-suggestions`}
          aria-invalid={!!error}
          onFocus={show}
          onBlur={() => {
            closing.current = setTimeout(() => setOpen(false), 150);
          }}
          onChange={(event) => {
            onChange(event.target.value);
            show();
          }}
          onKeyDown={(event) => {
            if (!showList) return;
            if (event.key === 'ArrowDown') {
              event.preventDefault();
              setActive((active + 1) % suggestions.length);
            } else if (event.key === 'ArrowUp') {
              event.preventDefault();
              setActive((active - 1 + suggestions.length) % suggestions.length);
            } else if (event.key === 'Enter' || event.key === 'Tab') {
              event.preventDefault();
              pick(suggestions[active]);
            } else if (event.key === 'Escape') setSuggestions([]);
          }}
        />
        {error && (
          <p className="field-error" role="alert" data-field-error={id}>
            {error}
          </p>
        )}
        {showList && (
          <div
            id={`${id}-suggestions`}
            role="listbox"
            className="absolute z-20 mt-1 max-h-60 w-full overflow-y-auto rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg"
          >
            {suggestions.map((entry, index) => (
              // biome-ignore lint/a11y/useFocusableInteractive: combobox pattern: focus stays in the input, which moves through the options with ArrowUp/ArrowDown and picks one with Enter or Tab; options are not tab stops
              <div
                key={entry.address}
                role="option"
                aria-selected={index === active}
                className={`cursor-pointer px-3 py-1 ${index === active ? 'bg-brand-50' : ''}`}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(entry);
                }}
              >
                {entry.name ? (
                  <>
                    <span className="font-medium">{entry.name}</span>{' '}
                    <span className="text-slate-500">&lt;{entry.address}&gt;</span>
                  </>
                ) : (
                  entry.address
                )}
              </div>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
