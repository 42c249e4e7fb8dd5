'use client';
// Reading one message: headers, the trusted / not verified badge, the body (plain text, or HTML
// in the sandboxed frame), inline images, attachments with sizes, raw source.
import { useEffect, useState } from 'react';
import type { MessageView } from '@/server/webmail/types';
import { formatAddressList, formatFullDate, formatSize, displayName } from './format';
import { Icon } from './icons';
import { MessageFrame } from './message-frame';
import { linkify } from './linkify';

/** A plain-text body with its http, https and mailto links clickable (React text, never HTML). */
function PlainBody({ text }: { text: string }) {
  return (
    <pre
      className="whitespace-pre-wrap break-words px-3 font-sans text-sm text-slate-800"
      data-testid="plain-body"
    >
      {linkify(text).map((piece, index) =>
        piece.kind === 'link' ? (
          <a
            // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one text never reorder
            key={index}
            href={piece.href}
            target="_blank"
            rel="noopener noreferrer nofollow"
            className="text-brand-700 underline"
          >
            {piece.text}
          </a>
        ) : (
          piece.text
        ),
      )}
    </pre>
  );
}

export type ReplyMode = 'reply' | 'replyAll' | 'forward' | 'forwardAttachment';

interface Props {
  message: MessageView;
  onReply(mode: ReplyMode): void;
  onDelete(): void;
  onJunk(): void;
  onToggleFlag(): void;
  onMarkUnread(): void;
  onShowImages(): void;
  onBack(): void;
  imagesAllowed: boolean;
}

function attachmentHref(message: MessageView, index: number): string {
  return `/api/mail/attachment?folder=${encodeURIComponent(message.folder)}&uid=${message.uid}&index=${index}`;
}

function AuthBadge({ auth }: { auth: MessageView['auth'] }) {
  const trusted = auth.badge === 'trusted';
  return (
    <span
      data-testid="auth-badge"
      title={auth.detail}
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${trusted ? 'bg-emerald-100 text-emerald-800' : 'bg-amber-100 text-amber-800'}`}
    >
      <Icon name={trusted ? 'shield' : 'warning'} className="h-3.5 w-3.5" />
      {trusted ? 'Trusted sender' : 'Not verified'}
    </span>
  );
}

export function Reader({
  message,
  onReply,
  onDelete,
  onJunk,
  onToggleFlag,
  onMarkUnread,
  onShowImages,
  onBack,
  imagesAllowed,
}: Props) {
  const [showSource, setShowSource] = useState(false);
  const [source, setSource] = useState<string | null>(null);
  // The Reader stays mounted from one message to the next: hide and forget the raw source when
  // another message is shown.
  // biome-ignore lint/correctness/useExhaustiveDependencies: message.folder and message.uid are the triggers of this reset, not values it reads
  useEffect(() => {
    setShowSource(false);
    setSource(null);
  }, [message.folder, message.uid]);
  const toggleSource = async () => {
    if (!showSource && source === null) {
      const response = await fetch(
        `/api/mail/source?folder=${encodeURIComponent(message.folder)}&uid=${message.uid}`,
      );
      setSource(await response.text());
    }
    setShowSource(!showSource);
  };
  const files = message.attachments.filter((attachment) => !attachment.inline);
  return (
    <article aria-label="Message" className="flex h-full min-h-0 flex-col bg-white">
      <div
        className="flex flex-wrap items-center gap-1 border-b border-slate-200 px-3 py-2"
        role="toolbar"
        aria-label="Reply and organise"
      >
        <button type="button" className="btn btn-small md:hidden" onClick={onBack} aria-label="Back to list">
          <Icon name="back" />
        </button>
        <button type="button" className="btn btn-small" onClick={() => onReply('reply')}>
          Reply
        </button>
        <button type="button" className="btn btn-small" onClick={() => onReply('replyAll')}>
          Reply all
        </button>
        <button type="button" className="btn btn-small" onClick={() => onReply('forward')}>
          Forward
        </button>
        <button
          type="button"
          className="btn btn-small hidden sm:inline-flex"
          onClick={() => onReply('forwardAttachment')}
        >
          Forward as attachment
        </button>
        <span className="mx-1 hidden h-5 border-l border-slate-200 sm:block" />
        <button type="button" className="btn btn-small" onClick={onToggleFlag}>
          {message.flags.flagged ? 'Unflag' : 'Flag'}
        </button>
        <button type="button" className="btn btn-small hidden sm:inline-flex" onClick={onMarkUnread}>
          Mark unread
        </button>
        <button type="button" className="btn btn-small" onClick={onJunk}>
          Junk
        </button>
        <button type="button" className="btn btn-small" onClick={onDelete}>
          Delete
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">
        <header className="space-y-1 border-b border-slate-100 px-4 py-3">
          <h2 className="text-lg font-semibold text-slate-900" data-testid="reader-subject">
            {message.subject || '(no subject)'}
          </h2>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <span className="font-medium" data-testid="reader-from">
              {displayName(message.from[0])}
            </span>
            {message.from[0]?.name && message.from[0].address && (
              <span className="text-slate-500">&lt;{message.from[0].address}&gt;</span>
            )}
            <AuthBadge auth={message.auth} />
            <span className="ml-auto text-xs text-slate-500">{formatFullDate(message.date)}</span>
          </div>
          <dl className="grid grid-cols-[auto_1fr] gap-x-2 text-xs text-slate-600">
            <dt>To</dt>
            <dd className="break-all">{formatAddressList(message.to) || '—'}</dd>
            {message.cc.length > 0 && (
              <>
                <dt>Cc</dt>
                <dd className="break-all">{formatAddressList(message.cc)}</dd>
              </>
            )}
          </dl>
        </header>
        {message.hasRemoteImages && !imagesAllowed && (
          <div className="flex items-center gap-2 bg-amber-50 px-4 py-2 text-xs text-amber-900" role="note">
            Remote images are hidden to protect your privacy.
            <button type="button" className="btn btn-small" onClick={onShowImages}>
              Show images
            </button>
          </div>
        )}
        <div className="px-1 py-2">
          {message.html !== null ? (
            <MessageFrame
              html={message.html}
              allowRemote={imagesAllowed}
              title={`Message body: ${message.subject}`}
            />
          ) : (
            <PlainBody text={message.text} />
          )}
        </div>
        {files.length > 0 && (
          <section aria-label="Attachments" className="border-t border-slate-100 px-4 py-3">
            <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">
              Attachments ({files.length})
            </h3>
            <ul className="flex flex-wrap gap-2">
              {files.map((attachment) => (
                <li key={attachment.index}>
                  <a
                    href={attachmentHref(message, attachment.index)}
                    download={attachment.filename}
                    className="flex items-center gap-2 rounded-md border border-slate-200 px-2 py-1 text-sm hover:bg-slate-50"
                    data-testid="attachment"
                  >
                    <Icon name="paperclip" />
                    <span className="max-w-56 truncate">{attachment.filename}</span>
                    <span className="text-xs text-slate-500">{formatSize(attachment.size)}</span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
        )}
        <div className="border-t border-slate-100 px-4 py-2">
          <button
            type="button"
            className="text-xs text-slate-500 underline"
            onClick={toggleSource}
            aria-expanded={showSource}
          >
            {showSource ? 'Hide source' : 'View source'}
          </button>
          {showSource && (
            <pre
              className="mt-2 max-h-96 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-900 p-3 text-xs text-slate-100"
              data-testid="raw-source"
            >
              {source}
            </pre>
          )}
        </div>
      </div>
    </article>
  );
}
