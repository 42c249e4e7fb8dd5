'use client';
// The raw Sieve editor: a plain textarea over a backdrop that marks the line and column the
// compiler named, line numbers beside it, and the caret put on the error.
import { useEffect, useRef, useState } from 'react';
import type { SieveDiagnostic } from '@/server/sieve/types';

// Same font, size, padding and line height for the textarea, the backdrop and the gutter, so
// that the marks sit under the characters they mean.
const TEXT = 'font-mono text-[13px] leading-5 p-2 whitespace-pre';

function offsetOf(source: string, line: number, column: number): number {
  const lines = source.split('\n');
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length - 1); i++) offset += lines[i].length + 1;
  return Math.min(offset + Math.max(column - 1, 0), source.length);
}

export function ScriptEditor(props: {
  initial: string;
  diagnostics: SieveDiagnostic[];
  busy: boolean;
  notice: string;
  onCheck(source: string): void;
  onSave(source: string): void;
}) {
  const [source, setSource] = useState(props.initial);
  const area = useRef<HTMLTextAreaElement>(null);
  const backdrop = useRef<HTMLDivElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const first = props.diagnostics[0];
  const lines = source.split('\n');

  // Put the caret on the first error so the user sees it and can type the fix straight away.
  useEffect(() => {
    if (!first || !area.current) return;
    const at = offsetOf(area.current.value, first.line, first.column);
    area.current.focus();
    area.current.setSelectionRange(at, Math.min(at + 1, area.current.value.length));
    const top = (first.line - 3) * 20;
    area.current.scrollTop = Math.max(0, top);
  }, [first]);

  const sync = () => {
    if (!area.current) return;
    for (const layer of [backdrop.current, gutter.current]) {
      if (!layer) continue;
      layer.scrollTop = area.current.scrollTop;
    }
    if (backdrop.current) backdrop.current.scrollLeft = area.current.scrollLeft;
  };

  const marked = new Map(props.diagnostics.map((d) => [d.line, d]));
  return (
    <form
      className="card space-y-3"
      aria-label="Raw Sieve script"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSave(source);
      }}
    >
      <label htmlFor="sieve-source" className="label">
        Sieve script
      </label>
      <div className="flex h-[26rem] overflow-hidden rounded-md border border-slate-300 bg-white">
        <div
          ref={gutter}
          aria-hidden
          className={`${TEXT} select-none overflow-hidden border-r border-slate-200 bg-slate-50 text-right text-slate-400`}
        >
          {lines.map((_, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a line number is its own identity
            <div key={index} className={marked.has(index + 1) ? 'font-bold text-red-700' : undefined}>
              {index + 1}
            </div>
          ))}
        </div>
        <div className="relative min-w-0 flex-1">
          <div
            ref={backdrop}
            aria-hidden
            className={`${TEXT} absolute inset-0 overflow-hidden text-transparent`}
          >
            {lines.map((line, index) => {
              const diagnostic = marked.get(index + 1);
              if (!diagnostic)
                // biome-ignore lint/suspicious/noArrayIndexKey: lines are positions
                return <div key={index}>{line || ' '}</div>;
              const column = Math.min(Math.max(diagnostic.column - 1, 0), line.length);
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: lines are positions
                <div key={index} className="bg-red-100" data-testid="error-line">
                  {line.slice(0, column)}
                  <span className="rounded-sm bg-red-400/60" data-testid="error-mark">
                    {line.slice(column, column + 1) || ' '}
                  </span>
                  {line.slice(column + 1)}
                </div>
              );
            })}
          </div>
          <textarea
            id="sieve-source"
            ref={area}
            className={`${TEXT} absolute inset-0 h-full w-full resize-none overflow-auto bg-transparent text-slate-900 outline-none`}
            value={source}
            wrap="off"
            spellCheck={false}
            aria-invalid={first ? true : undefined}
            aria-describedby={first ? 'sieve-errors' : undefined}
            onScroll={sync}
            onChange={(e) => setSource(e.target.value)}
          />
        </div>
      </div>
      {props.diagnostics.length > 0 && (
        <ul id="sieve-errors" role="alert" className="space-y-1 text-sm text-red-700">
          {props.diagnostics.map((d) => (
            <li key={`${d.line}:${d.column}:${d.message}`} data-testid="sieve-error">
              <button
                type="button"
                className="text-left underline decoration-dotted"
                onClick={() => {
                  if (!area.current) return;
                  const at = offsetOf(source, d.line, d.column);
                  area.current.focus();
                  area.current.setSelectionRange(at, at + 1);
                }}
              >
                Line {d.line}, column {d.column}
              </button>
              : {d.message}
            </li>
          ))}
        </ul>
      )}
      {props.notice && (
        <p role="status" className="text-sm text-emerald-700">
          {props.notice}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <button type="submit" className="btn btn-primary" disabled={props.busy}>
          {props.busy ? 'Saving…' : 'Save script'}
        </button>
        <button type="button" className="btn" disabled={props.busy} onClick={() => props.onCheck(source)}>
          Check
        </button>
      </div>
    </form>
  );
}
