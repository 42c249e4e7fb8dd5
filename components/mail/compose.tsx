'use client';
// Compose, reply and forward: address autocomplete, plain or simple rich text, uploads, the
// forwarded original's attachments (removable). A draft is never lost: it is saved to Drafts every
// few seconds while it changes, when compose closes or is left any other way, and when the page
// goes away; a draft with half-typed addresses is saved as typed.
import { useCallback, useEffect, useRef, useState } from 'react';
import { AddressInput } from './address-input';
import { formatSize } from './format';
import type { AttachmentView } from '@/server/webmail/types';
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

// A request sent while the page unloads (fetch keepalive) may carry at most 64 KB.
const KEEPALIVE_LIMIT = 48 * 1024;

function toForm(
  draft: ComposeDraft,
  files: File[],
  forwarded: AttachmentView[],
  draftUid: number | undefined,
  html: string,
): FormData {
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
    if (draft.forward.attachments)
      form.set('forwardKeep', forwarded.map((attachment) => attachment.index).join(','));
  }
  if (draft.thread) {
    form.set('inReplyTo', draft.thread.inReplyTo);
    form.set('references', draft.thread.references.join(' '));
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
  const [files, setFiles] = useState<File[]>(initial.files ?? []);
  const [forwarded, setForwarded] = useState<AttachmentView[]>(initial.forward?.attachments ?? []);
  const [closeFailed, setCloseFailed] = useState(false);
  const [showBcc, setShowBcc] = useState(!!initial.bcc || !!initial.cc);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');
  const [sending, setSending] = useState(false);
  // The autosave timer's callback outlives the render that armed it: it reads this, not `sending`.
  const sendingNow = useRef(false);
  const draftUid = useRef<number | undefined>(initial.draftUid);
  const dirty = useRef(false);
  const editor = useRef<HTMLDivElement>(null);
  const saving = useRef<Promise<boolean> | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // What the timers, the unmount and the page-hide handlers save: the last rendered state, and the
  // rich editor's content as of its last input (the editor itself is gone after unmount).
  const latest = useRef({ draft, files, forwarded });
  latest.current = { draft, files, forwarded };
  const richSnapshot = useRef({ html: '', text: '' });

  const update = (patch: Partial<ComposeDraft>) => {
    dirty.current = true;
    setDraft((current) => ({ ...current, ...patch }));
  };
  const richHtml = useCallback(() => editor.current?.innerHTML ?? richSnapshot.current.html, []);
  const richText = useCallback(() => editor.current?.innerText ?? richSnapshot.current.text, []);

  /** The form of what is on screen now, ready to post to /api/mail/drafts or /send. */
  const currentForm = useCallback(() => {
    const { draft: shown, files: attached, forwarded: carried } = latest.current;
    const current = shown.rich ? { ...shown, text: richText() } : shown;
    return toForm(current, attached, carried, draftUid.current, shown.rich ? richHtml() : '');
  }, [richHtml, richText]);

  // Saves what is on screen (the latest render, via `latest`) if it changed since the last save;
  // true when it is safely in Drafts (or there was nothing to save).
  const saveDraft = useCallback(async (): Promise<boolean> => {
    if (timer.current) {
      clearTimeout(timer.current);
      timer.current = null;
    }
    if (!dirty.current || sendingNow.current) return saving.current ? saving.current : true;
    dirty.current = false;
    // One save at a time: a save started while another is in flight waits for it, so it
    // replaces the draft UID that one returns instead of leaving a second copy in Drafts.
    const previous = saving.current;
    const work = (async () => {
      if (previous !== null) await previous;
      try {
        const response = await fetch('/api/mail/drafts', { method: 'POST', body: currentForm() });
        const body = (await response.json()) as { uid?: number | null; error?: string };
        if (!response.ok) throw new Error(body.error ?? 'Draft not saved');
        draftUid.current = body.uid ?? undefined;
        setStatus(
          `Draft saved ${new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`,
        );
        return true;
      } catch (error) {
        dirty.current = true;
        setStatus(`Draft not saved: ${(error as Error).message}`);
        return false;
      }
    })();
    saving.current = work;
    const saved = await work;
    // A later save may have started meanwhile; it is the one send must wait for.
    if (saving.current === work) saving.current = null;
    return saved;
  }, [currentForm]);

  // Every few seconds while the draft changes: the timer is armed by the first change and not
  // pushed back by later ones, so a long stretch of typing is saved as it goes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: draft, files and forwarded are the triggers (any change arms the timer); the save reads them from `latest`
  useEffect(() => {
    if (!dirty.current || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void saveDraft();
    }, AUTOSAVE_MS);
  }, [draft, files, forwarded, saveDraft]);

  // Compose left without Close (another message opened, Escape, another folder): save on the way out.
  useEffect(
    () => () => {
      if (dirty.current && !sendingNow.current) void saveDraft();
    },
    [saveDraft],
  );

  // The tab closed or reloaded: a keepalive request outlives the page (small drafts only; larger
  // ones were saved by the timer at most a few seconds ago).
  useEffect(() => {
    const leave = () => {
      if (!dirty.current || sendingNow.current) return;
      const size = latest.current.files.reduce((sum, file) => sum + file.size, 0);
      if (size > KEEPALIVE_LIMIT) return;
      dirty.current = false;
      void fetch('/api/mail/drafts', { method: 'POST', body: currentForm(), keepalive: true }).catch(
        () => undefined,
      );
    };
    window.addEventListener('pagehide', leave);
    return () => window.removeEventListener('pagehide', leave);
  }, [currentForm]);

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
    if (timer.current) {
      clearTimeout(timer.current);
      timer.current = null;
    }
    if (saving.current !== null) await saving.current;
    try {
      const response = await fetch('/api/mail/send', { method: 'POST', body: currentForm() });
      const body = (await response.json()) as { error?: string; field?: string };
      if (!response.ok) {
        setErrors({ [body.field ?? 'form']: body.error ?? 'Not sent.' });
        // Not sent: what is on screen still needs to be kept as a draft.
        dirty.current = true;
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

  const total =
    files.reduce((sum, file) => sum + file.size, 0) +
    forwarded.reduce((sum, attachment) => sum + attachment.size, 0);
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
            // A draft that could not be saved is not thrown away silently: compose stays open
            // with the reason, and only a second, explicit click discards it.
            if (closeFailed) {
              dirty.current = false;
              onClose();
            } else if (await saveDraft()) onClose();
            else setCloseFailed(true);
          }}
        >
          {closeFailed ? 'Discard and close' : 'Close'}
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
                richSnapshot.current = {
                  html: editor.current?.innerHTML ?? '',
                  text: editor.current?.innerText ?? '',
                };
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
          {forwarded.length > 0 && (
            <ul className="mt-2 space-y-1 text-sm" aria-label="Forwarded attachments">
              {forwarded.map((attachment) => (
                <li key={attachment.index} className="flex items-center gap-2">
                  <span className="truncate">{attachment.filename}</span>
                  <span className="text-xs text-slate-500">{formatSize(attachment.size)}</span>
                  <span className="text-xs text-slate-400">from the original</span>
                  <button
                    type="button"
                    className="text-xs text-red-700"
                    onClick={() => {
                      dirty.current = true;
                      setForwarded(forwarded.filter((other) => other.index !== attachment.index));
                    }}
                    aria-label={`Remove ${attachment.filename}`}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
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
            void saveDraft();
          }}
        >
          Save draft
        </button>
      </div>
    </form>
  );
}
