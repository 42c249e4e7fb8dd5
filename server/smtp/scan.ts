// Content scanners, each used only when configured: clamd (virus: 554 5.7.0) and rspamd (spam:
// Junk, or refused above the threshold). A configured scanner that cannot be reached defers the
// message (451) rather than let it through unscanned. Each scanner reads the message from its own
// stream of the spool file, so a large message is never held in memory whole.
import type { Readable } from 'node:stream';
import { scanWithClamd } from '../policy/clamd';
import { checkWithRspamd, type RspamdEnvelope } from '../policy/rspamd';
import { reply, type SmtpReply } from '../policy/replies';
import { logger } from '../core/logger';
import type { SmtpSettings } from './settings';

export interface ScanResult {
  refuse: SmtpReply | null;
  junk: boolean;
  /** Headers to add (X-Spam-*), CRLF-terminated. */
  headers: string;
  detail: Record<string, unknown>;
}

/** The message to scan: its length, and a fresh stream of it for each scanner. */
export interface MessageSource {
  size: number;
  open(): Readable;
}

export async function scanMessage(
  message: MessageSource,
  envelope: RspamdEnvelope,
  settings: Pick<SmtpSettings, 'clamd' | 'rspamdUrl' | 'rspamdRejectScore'>,
): Promise<ScanResult> {
  const result: ScanResult = { refuse: null, junk: false, headers: '', detail: {} };
  if (settings.clamd) {
    try {
      const virus = await scanWithClamd(settings.clamd, message.open());
      result.detail.virus = virus.clean ? null : virus.virus;
      if (!virus.clean)
        return { ...result, refuse: reply(554, '5.7.0', `Message rejected: virus found (${virus.virus})`) };
    } catch (error) {
      logger.warn('clamd unavailable', { error: (error as Error).message });
      return { ...result, refuse: reply(451, '4.7.0', 'Virus scanner unavailable, try again later') };
    }
  }
  if (settings.rspamdUrl) {
    try {
      const spam = await checkWithRspamd(
        settings.rspamdUrl,
        { size: message.size, stream: message.open() },
        envelope,
        settings.rspamdRejectScore,
      );
      result.detail.spam = { action: spam.action, score: spam.score };
      result.headers = `X-Spam-Score: ${spam.score.toFixed(2)} / ${spam.requiredScore.toFixed(2)}\r\nX-Spam-Action: ${spam.action}\r\n${spam.outcome === 'junk' ? 'X-Spam: Yes\r\n' : ''}`;
      if (spam.outcome === 'reject')
        return {
          ...result,
          refuse: reply(550, '5.7.1', `Message rejected as spam (score ${spam.score.toFixed(1)})`),
        };
      if (spam.outcome === 'defer') return { ...result, refuse: reply(451, '4.7.1', 'Try again later') };
      result.junk = spam.outcome === 'junk';
    } catch (error) {
      logger.warn('rspamd unavailable', { error: (error as Error).message });
      return { ...result, refuse: reply(451, '4.7.0', 'Spam scanner unavailable, try again later') };
    }
  }
  return result;
}
