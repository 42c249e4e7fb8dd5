'use client';
// The HTML body in a sandboxed iframe: no allow-scripts (nothing in the mail can run), srcdoc
// with our CSP first (no script, form, frame or, until allowed, remote image). allow-same-origin
// only lets our own cid: image route receive the session cookie and lets us size the frame.
import { useCallback, useEffect, useRef, useState } from 'react';
import { frameDocument } from '@/server/webmail/frame';

export function MessageFrame({
  html,
  allowRemote,
  title,
}: {
  html: string;
  allowRemote: boolean;
  title: string;
}) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(200);
  const [origin, setOrigin] = useState<string | null>(null);
  useEffect(() => setOrigin(window.location.origin), []);
  const fit = useCallback(() => {
    const doc = frame.current?.contentDocument;
    if (doc?.documentElement)
      setHeight(Math.min(20_000, Math.max(120, doc.documentElement.scrollHeight + 4)));
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the polling restarts with each new message body (html), as it always has; fit itself is stable
  useEffect(() => {
    const timer = setInterval(fit, 500);
    return () => clearInterval(timer);
  }, [fit, html]);
  if (!origin) return null;
  return (
    <iframe
      ref={frame}
      title={title}
      data-testid="message-frame"
      sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
      referrerPolicy="no-referrer"
      srcDoc={frameDocument(html, { origin, allowRemote })}
      onLoad={fit}
      className="w-full border-0 bg-white"
      style={{ height }}
    />
  );
}
