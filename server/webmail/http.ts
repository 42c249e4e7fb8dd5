// Route-handler plumbing for /api/mail: who is asking (always the session's own mailbox; no id
// in a request can name another), same-origin checks for changes, and errors as JSON answers.
import { getActor } from '../web/session';
import { rejectCrossSite } from '../web/origin';
import { getMailbox } from '../domain/mailboxes';
import type { Actor } from '../domain/audit';
import { FieldError, ForbiddenError, NotFoundError } from '../domain/errors';
import { logger } from '../core/logger';
import type { WebmailUser } from './connection';

export interface MailRequestContext {
  actor: Actor;
  user: WebmailUser & { displayName: string };
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/** An IMAP tagged NO/BAD answer as imapflow reports it. */
function imapRefusal(error: unknown): string | null {
  const detail = error as { responseStatus?: string; responseText?: string; serverResponseCode?: string };
  if (detail && (detail.responseStatus === 'NO' || detail.responseStatus === 'BAD'))
    return detail.responseText || 'The mail server refused the request.';
  return null;
}

export function errorResponse(error: unknown): Response {
  if (error instanceof FieldError) return json({ error: error.message, field: error.field }, 400);
  if (error instanceof NotFoundError) return json({ error: error.message }, 404);
  if (error instanceof ForbiddenError) return json({ error: error.message }, 403);
  const refusal = imapRefusal(error);
  if (refusal)
    return json(
      { error: refusal },
      /NONEXISTENT|doesn't exist|does not exist|no such/i.test(refusal) ? 404 : 400,
    );
  const code = (error as { code?: string }).code;
  if (
    code === 'ECONNREFUSED' ||
    code === 'ETIMEDOUT' ||
    code === 'NoConnection' ||
    code === 'EConnectionClosed'
  ) {
    return json({ error: 'The mail server is not reachable right now. Try again in a moment.' }, 503);
  }
  logger.error('webmail request failed', {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return json({ error: 'Something went wrong on the server.' }, 500);
}

/**
 * Runs a webmail request for the signed-in user. `change` requests must come from our own
 * origin (CSRF). The IMAP connection is opened with a token for this user, so the IMAP server
 * itself confines every folder and UID to this mailbox.
 */
export async function handleMail(
  request: Request,
  work: (context: MailRequestContext) => Promise<Response>,
  options: { change?: boolean } = {},
): Promise<Response> {
  if (options.change) {
    const refused = rejectCrossSite(request);
    if (refused) return refused;
  }
  const actor = await getActor();
  if (!actor || actor.userId === undefined) return json({ error: 'Sign in first.' }, 401);
  try {
    const mailbox = await getMailbox(actor.name, actor);
    return await work({
      actor,
      user: { id: mailbox.id, address: mailbox.address, displayName: mailbox.displayName },
    });
  } catch (error) {
    return errorResponse(error);
  }
}

export function intParam(value: string | null, fallback: number): number {
  const number = Number(value);
  return value !== null && value !== '' && Number.isInteger(number) ? number : fallback;
}

/** The folder named in a request: a non-empty IMAP path without control characters. */
export function folderParam(value: string | null | undefined, field = 'folder'): string {
  const folder = (value ?? '').trim();
  if (!folder || folder.length > 512 || /[\u0000-\u001f\u007f]/.test(folder))
    throw new FieldError(field, 'Invalid folder.');
  return folder;
}

export function uidParam(value: string | null | undefined): number {
  const uid = Number(value);
  if (!Number.isInteger(uid) || uid <= 0 || uid > 0xffffffff) throw new NotFoundError('No such message.');
  return uid;
}

/** Content-Disposition with an RFC 6266 / RFC 8187 filename*, safe for any name. */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\;]/g, '_').slice(0, 150) || 'download';
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
