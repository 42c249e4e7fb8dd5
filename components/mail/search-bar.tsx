'use client';
// Search: one box for "anywhere", plus from / to / subject / body / date range when expanded;
// in this folder or, with the toggle, in every folder.
import { forwardRef, useState } from 'react';
import type { SearchInput } from '@/server/webmail/search';

interface Props {
  active: boolean;
  error?: string;
  onSearch(input: SearchInput, everywhere: boolean): void;
  onClear(): void;
}

export const SearchBar = forwardRef<HTMLInputElement, Props>(function SearchBar(
  { active, error, onSearch, onClear },
  ref,
) {
  const [input, setInput] = useState<SearchInput>({});
  const [advanced, setAdvanced] = useState(false);
  const [everywhere, setEverywhere] = useState(false);
  const set = (key: keyof SearchInput) => (event: React.ChangeEvent<HTMLInputElement>) =>
    setInput({ ...input, [key]: event.target.value });
  return (
    // biome-ignore lint/a11y/useSemanticElements: role="search" on the form is the search landmark every browser and screen reader supports; the newer <search> element is not yet exposed everywhere
    <form
      role="search"
      className="flex flex-1 flex-col gap-1"
      onSubmit={(event) => {
        event.preventDefault();
        onSearch(input, everywhere);
      }}
    >
      <div className="flex items-center gap-1">
        <label htmlFor="search-text" className="sr-only">
          Search mail
        </label>
        <input
          ref={ref}
          id="search-text"
          type="search"
          className="input"
          placeholder="Search mail  ( / )"
          value={input.text ?? ''}
          onChange={set('text')}
          aria-invalid={!!error}
        />
        <label
          className="flex shrink-0 items-center gap-1 text-xs text-slate-600"
          title="Search every folder"
        >
          <input
            type="checkbox"
            checked={everywhere}
            onChange={(event) => {
              setEverywhere(event.target.checked);
              // Already searching: the same search again, now in the other scope.
              if (active) onSearch(input, event.target.checked);
            }}
          />
          <span className="hidden sm:inline">All folders</span>
          <span className="sr-only sm:hidden">All folders</span>
        </label>
        <button type="submit" className="btn btn-small">
          Search
        </button>
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={advanced}
          onClick={() => setAdvanced(!advanced)}
        >
          Filters
        </button>
        {active && (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              setInput({});
              setEverywhere(false);
              onClear();
            }}
          >
            Clear
          </button>
        )}
      </div>
      {advanced && (
        <div className="grid grid-cols-2 gap-1 sm:grid-cols-3">
          {(['from', 'to', 'subject', 'body'] as const).map((key) => (
            <label key={key} className="text-xs text-slate-600">
              {key[0].toUpperCase() + key.slice(1)}
              <input className="input" value={input[key] ?? ''} onChange={set(key)} name={key} />
            </label>
          ))}
          <label className="text-xs text-slate-600">
            Since
            <input
              type="date"
              className="input"
              value={input.since ?? ''}
              onChange={set('since')}
              name="since"
            />
          </label>
          <label className="text-xs text-slate-600">
            Until
            <input
              type="date"
              className="input"
              value={input.until ?? ''}
              onChange={set('until')}
              name="until"
            />
          </label>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
});
