'use client';
// Compose, reply and forward: address autocomplete, plain or simple rich text, uploads, drafts
// saved to Drafts automatically a few seconds after each change.
import { useCallback, useEffect, useRef, useState } from 'react';
import { AddressInput } from './address-input';
import { formatSize } from './format';
import type { ComposeDraft } from './prefill';

interface Props {
  initial: ComposeDraft;
  from: string;
  onClose(): void;
  onSent(): void;
}

const AUTOSAVE_MS = 3000;

// A stable React key per attached File: the same name (even the same file) can be attached twice,
// and indices shift when one is removed.
const fileKeys = new WeakMap<File, number>();
let lastFileKey = 0;
function fileKey(file: File): number {
  let key = fileKeys.get(file);
  if (key === undefined) {
    key = ++lastFileKey;
    fileKeys.set(file, key);
  }
  return key;
}

function toForm(draft: ComposeDraft, files: File[], draftUid: number | undefined, html: string): FormData {
  const form = new FormData();
  form.set('to', draft.to);
  form.set('cc', draft.cc);
  form.set('bcc', draft.bcc);
  form.set('subject', draft.subject);
  form.set('text', draft.text);
  if (draft.rich && html) form.set('html', html);
  if (draft.reply) {
    form.set('replyFolder', draft.reply.folder);
    form.set('replyUid', String(draft.reply.uid));
  }
  if (draft.forward) {
    form.set('forwardFolder', draft.forward.folder);
    form.set('forwardUid', String(draft.forward.uid));
    form.set('forwardAs', draft.forward.asAttachment ? 'attachment' : 'inline');
  }
  if (draftUid) form.set('draftUid', String(draftUid));
  for (const file of files) form.append('attachments', file, file.name);
  return form;
}

function RichToolbar({ editor }: { editor: React.RefObject<HTMLDivElement | null> }) {
  const run = (command: string, value?: string) => {
    editor.current?.focus();
    document.execCommand(command, false, value);
  };
  return (
    <div className="flex gap-1 border-b border-slate-200 px-2 py-1" role="toolbar" aria-label="Formatting">
      <button type="button" className="btn btn-small font-bold" onClick={() => run('bold')} aria-label="Bold">
        B
      </button>
      <button
        type="button"
        className="btn btn-small italic"
        onClick={() => run('italic')}
        aria-label="Italic"
      >
        I
      </button>
      <button
        type="button"
        className="btn btn-small underline"
        onClick={() => run('underline')}
        aria-label="Underline"
      >
        U
      </button>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => run('insertUnorderedList')}
        aria-label="Bulleted list"
      >
        • List
      </button>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => {
          const url = window.prompt('Link address (https://…)');
          if (url && /^(https?:|mailto:)/i.test(url)) run('createLink', url);
        }}
        aria-label="Link"
      >
        Link
      </button>
    </div>
  );
}

export function Compose({ initial, from, onClose, onSent }: Props) {
  const [draft, setDraft] = useState<ComposeDraft>(initial);
  const [files, setFiles] = useState<File[]>([]);
  const [showBcc, setShowBcc] = useState(!!initial.bcc || !!initial.cc);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');
  const [sending, setSending] = useState(false);
  // The autosave timer's callback outlives the render that armed it: it reads this, not `sending`.
  const sendingNow = useRef(false);
  const draftUid = useRef<number | undefined>(initial.draftUid);
  const dirty = useRef(false);
  const editor = useRef<HTMLDivElement>(null);
  const saving = useRef<Promise<void> | null>(null);

  const update = (patch: Partial<ComposeDraft>) => {
    dirty.current = true;
    setDraft((current) => ({ ...current, ...patch }));
  };
  const richHtml = useCallback(() => editor.current?.innerHTML ?? '', []);
  const richText = useCallback(() => editor.current?.innerText ?? '', []);

  // Takes the draft and files to save as arguments so that the autosave effect, which re-arms its
  // timer on every change, always saves what it was armed with and never a stale closure's state.
  const saveDraft = useCallback(
    async (toSave: ComposeDraft, attachments: File[]) => {
      if (!dirty.current || sendingNow.current) return;
      dirty.current = false;
      const current = toSave.rich ? { ...toSave, text: richText() } : toSave;
      const html = richHtml();
      // One save at a time: a save started while another is in flight waits for it, so it
      // replaces the draft UID that one returns instead of leaving a second copy in Drafts.
      const previous = saving.current;
      const work = (async () => {
        if (previous !== null) await previous;
        try {
          const response = await fetch('/api/mail/drafts', {
            method: 'POST',
            body: toForm(current, attachments, draftUid.current, html),
          });
          const body = (await response.json()) as { uid?: number | null; error?: string };
          if (!response.ok) throw new Error(body.error ?? 'Draft not saved');
          draftUid.current = body.uid ?? undefined;
          setStatus(
            `Draft saved ${new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`,
          );
        } catch (error) {
          dirty.current = true;
          setStatus(`Draft not saved: ${(error as Error).message}`);
        }
      })();
      saving.current = work;
      await work;
      // A later save may have started meanwhile; it is the one send must wait for.
      if (saving.current === work) saving.current = null;
    },
    [richHtml, richText],
  );

  useEffect(() => {
    if (!dirty.current) return;
    const timer = setTimeout(() => void saveDraft(draft, files), AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [draft, files, saveDraft]);

  useEffect(() => {
    if (draft.rich && editor.current && !editor.current.innerHTML) {
      editor.current.innerText = draft.text;
    }
  }, [draft.rich, draft.text]);

  const send = async (event: React.FormEvent) => {
    event.preventDefault();
    sendingNow.current = true;
    setSending(true);
    setErrors({});
    if (saving.current !== null) await saving.current;
    const current = draft.rich ? { ...draft, text: richText() } : draft;
    try {
      const response = await fetch('/api/mail/send', {
        method: 'POST',
        body: toForm(current, files, draftUid.current, richHtml()),
      });
      const body = (await response.json()) as { error?: string; field?: string };
      if (!response.ok) {
        setErrors({ [body.field ?? 'form']: body.error ?? 'Not sent.' });
        sendingNow.current = false;
        setSending(false);
        return;
      }
      onSent();
    } catch {
      setErrors({ form: 'The message could not be sent. Check your connection and try again.' });
      sendingNow.current = false;
      setSending(false);
    }
  };

  const total = files.reduce((sum, file) => sum + file.size, 0);
  return (
    <form onSubmit={send} aria-label="Compose message" className="flex h-full min-h-0 flex-col bg-white">
      <div className="flex items-center gap-2 border-b border-slate-200 px-3 py-2">
        <h2 className="text-sm font-semibold">
          {draft.reply ? 'Reply' : draft.forward ? 'Forward' : 'New message'}
        </h2>
        <span className="text-xs text-slate-500" role="status" data-testid="draft-status">
          {status}
        </span>
        <button
          type="button"
          className="btn btn-small ml-auto"
          onClick={async () => {
            await saveDraft(draft, files);
            onClose();
          }}
        >
          Close
        </button>
      </div>
      <div className="min-h-0 flex-1 space-y-2 overflow-y-auto p-3">
        <p className="text-xs text-slate-500">From: {from}</p>
        <AddressInput
          id="to"
          label="To"
          value={draft.to}
          onChange={(to) => update({ to })}
          error={errors.to}
          autoFocus={!draft.to}
        />
        {showBcc ? (
          <>
            <AddressInput
              id="cc"
              label="Cc"
              value={draft.cc}
              onChange={(cc) => update({ cc })}
              error={errors.cc}
            />
            <AddressInput
              id="bcc"
              label="Bcc"
              value={draft.bcc}
              onChange={(bcc) => update({ bcc })}
              error={errors.bcc}
            />
          </>
        ) : (
          <button type="button" className="ml-14 text-xs text-brand-600" onClick={() => setShowBcc(true)}>
            Cc / Bcc
          </button>
        )}
        <div className="flex items-center gap-2">
          <label htmlFor="subject" className="w-12 shrink-0 text-sm text-slate-600">
            Subject
          </label>
          <input
            id="subject"
            className="input"
            value={draft.subject}
            onChange={(e) => update({ subject: e.target.value })}
          />
        </div>
        <div className="flex items-center gap-3 text-xs">
          <label className="flex items-center gap-1">
            <input
              type="checkbox"
              checked={draft.rich}
              onChange={(e) =>
                update({
                  rich: e.target.checked,
                  text: e.target.checked ? draft.text : richText() || draft.text,
                })
              }
            />{' '}
            Rich text
          </label>
          {draft.forward?.asAttachment && (
            <span className="text-slate-500">The original message is attached.</span>
          )}
        </div>
        {draft.rich ? (
          <div className="rounded-md border border-slate-300">
            <RichToolbar editor={editor} />
            {/* biome-ignore lint/a11y/useFocusableInteractive lint/a11y/useSemanticElements: a contenteditable div is focusable and is the only element that can hold rich text; a textarea cannot, so role="textbox" with aria-multiline is the correct ARIA pattern */}
            <div
              ref={editor}
              contentEditable
              suppressContentEditableWarning
              role="textbox"
              aria-multiline="true"
              aria-label="Message"
              className="min-h-64 p-2 text-sm focus:outline-none"
              onInput={() => {
                dirty.current = true;
                setDraft((d) => ({ ...d }));
              }}
            />
          </div>
        ) : (
          <textarea
            aria-label="Message"
            className="input min-h-64 font-sans"
            rows={14}
            value={draft.text}
            onChange={(e) => update({ text: e.target.value })}
            autoFocus={!!draft.to}
          />
        )}
        <div>
          <label className="btn btn-small cursor-pointer">
            Attach files
            <input
              type="file"
              multiple
              className="sr-only"
              aria-label="Attach files"
              onChange={(e) => {
                const chosen = Array.from(e.target.files ?? []);
                e.target.value = '';
                dirty.current = true;
                setFiles((current) => [...current, ...chosen]);
              }}
            />
          </label>
          {errors.attachments && (
            <p className="field-error" role="alert">
              {errors.attachments}
            </p>
          )}
          {files.length > 0 && (
            <ul className="mt-2 space-y-1 text-sm" aria-label="Attached files">
              {files.map((file, index) => (
                <li key={fileKey(file)} className="flex items-center gap-2">
                  <span className="truncate">{file.name}</span>
                  <span className="text-xs text-slate-500">{formatSize(file.size)}</span>
                  <button
                    type="button"
                    className="text-xs text-red-700"
                    onClick={() => {
                      dirty.current = true;
                      setFiles(files.filter((_, i) => i !== index));
                    }}
                    aria-label={`Remove ${file.name}`}
                  >
                    Remove
                  </button>
                </li>
              ))}
              <li className="text-xs text-slate-500">Total {formatSize(total)} of 25 MB</li>
            </ul>
          )}
        </div>
        {errors.form && (
          <p className="field-error" role="alert">
            {errors.form}
          </p>
        )}
      </div>
      <div className="flex gap-2 border-t border-slate-200 px-3 py-2">
        <button type="submit" className="btn btn-primary" disabled={sending}>
          {sending ? 'Sending…' : 'Send'}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            dirty.current = true;
            void saveDraft(draft, files);
          }}
        >
          Save draft
        </button>
      </div>
    </form>
  );
}
