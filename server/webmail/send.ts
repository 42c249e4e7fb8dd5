// Sending is a real SMTP submission (RFC 6409) to our own port, authenticated with XOAUTH2 and a
// fresh token; then the copy goes to Sent with APPEND (RFC 3501 section 6.3.11), the original is
// marked \Answered and the draft, if any, removed. Drafts are APPENDed to Drafts with \Draft.
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer';
import { mintAccessToken } from '../auth/tokens';
import { FieldError } from '../domain/errors';
import { webmailEndpoints, webmailTlsOptions, withImap, withMailbox, type WebmailUser } from './connection';
import { buildMessage, type ComposeInput } from './compose';
import { folderFor } from './folders';
import { forgetPastRecipients } from './addresses';

/** The message as bytes; `keepBcc` for our own copies (Sent, Drafts), never for the wire. */
export async function renderMessage(options: Mail.Options, keepBcc: boolean): Promise<Buffer> {
  const node = new MailComposer(options).compile();
  (node as unknown as { keepBcc: boolean }).keepBcc = keepBcc;
  return node.build();
}

async function submit(user: WebmailUser, options: Mail.Options, recipients: string[]): Promise<void> {
  const endpoints = webmailEndpoints();
  const transport = nodemailer.createTransport({
    host: endpoints.host,
    port: endpoints.submissionPort,
    secure: false,
    requireTLS: true,
    tls: await webmailTlsOptions(),
    auth: { type: 'OAuth2', user: user.address, accessToken: await mintAccessToken(user.id) },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
  try {
    await transport.sendMail({ ...options, envelope: { from: user.address, to: recipients } });
  } catch (error) {
    const smtp = error as { responseCode?: number; response?: string; message?: string };
    // The server's own words (e.g. "550 5.1.1 ...") tell the user what to fix.
    if (smtp.responseCode && smtp.responseCode >= 500)
      throw new FieldError('to', `The server refused the message: ${smtp.response ?? smtp.message}`);
    throw error;
  } finally {
    transport.close();
  }
}

async function removeDraft(user: WebmailUser, draftUid: number | undefined): Promise<void> {
  if (!draftUid) return;
  const drafts = await folderFor(user, 'drafts');
  if (!drafts) return;
  await withMailbox(user, drafts, (client) => client.messageDelete(String(draftUid), { uid: true })).catch(
    () => undefined,
  );
}

export interface SendResult {
  messageId: string;
  sentFolder: string | null;
  sentUid: number | null;
}

export async function sendMessage(
  user: WebmailUser & { displayName?: string },
  input: ComposeInput,
): Promise<SendResult> {
  const { options, recipients } = await buildMessage(user, input, 'send');
  await submit(user, options, recipients);
  const sent = await folderFor(user, 'sent');
  let sentUid: number | null = null;
  if (sent) {
    const raw = await renderMessage(options, true);
    const appended = await withImap(user, (client) =>
      client.append(sent, raw, ['\\Seen'], options.date as Date),
    );
    sentUid = appended && appended.uid ? appended.uid : null;
  }
  if (input.replyTo) {
    const { folder, uid } = input.replyTo;
    await withMailbox(user, folder, (client) =>
      client.messageFlagsAdd(String(uid), ['\\Answered'], { uid: true }),
    ).catch(() => undefined);
  }
  await removeDraft(user, input.draftUid);
  forgetPastRecipients(user.id);
  return { messageId: String(options.messageId), sentFolder: sent, sentUid };
}

/** Saves (or replaces) a draft; returns its new UID in Drafts. */
export async function saveDraft(
  user: WebmailUser & { displayName?: string },
  input: ComposeInput,
): Promise<{ folder: string; uid: number | null }> {
  const drafts = await folderFor(user, 'drafts');
  if (!drafts) throw new FieldError('draft', 'This mailbox has no Drafts folder.');
  const { options } = await buildMessage(user, input, 'draft');
  const raw = await renderMessage(options, true);
  const appended = await withImap(user, (client) => client.append(drafts, raw, ['\\Draft', '\\Seen']));
  await removeDraft(user, input.draftUid);
  return { folder: drafts, uid: appended && appended.uid ? appended.uid : null };
}
