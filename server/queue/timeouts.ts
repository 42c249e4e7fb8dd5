// How long each phase of an outbound SMTP session may take. The defaults are RFC 5321 4.5.3.2's
// minimums (greeting 5 min, MAIL 5 min, RCPT 5 min, DATA initiation 2 min, data block 3 min, final
// dot 10 min); connect has no RFC value and takes 30 s like Postfix's smtp_connect_timeout.
// Each is a deadline for the whole reply, not an idle timer, so a peer answering a byte at a time
// cannot stretch a phase. POSTROOM_OUTBOUND_TIMEOUT_SCALE multiplies them all (tests use 0.01).

export type SessionPhase =
  | 'connect'
  | 'greeting'
  | 'ehlo'
  | 'starttls'
  | 'auth'
  | 'mail'
  | 'rcpt'
  | 'data'
  | 'block'
  | 'dot'
  | 'quit';

export type PhaseTimeouts = Record<SessionPhase, number>;

const RFC_5321_TIMEOUTS_MS: PhaseTimeouts = {
  connect: 30_000,
  greeting: 300_000,
  // EHLO, STARTTLS (with its handshake) and AUTH have no RFC value; the greeting's 5 min, as in Postfix.
  ehlo: 300_000,
  starttls: 300_000,
  auth: 300_000,
  mail: 300_000,
  rcpt: 300_000,
  data: 120_000,
  block: 180_000,
  dot: 600_000,
  // Nobody waits for QUIT's answer for long: the message is settled by then.
  quit: 5_000,
};

/** The RFC 5321 defaults times POSTROOM_OUTBOUND_TIMEOUT_SCALE (default 1). */
export function phaseTimeouts(
  scale = Number(process.env.POSTROOM_OUTBOUND_TIMEOUT_SCALE || 1),
): PhaseTimeouts {
  const factor = Number.isFinite(scale) && scale > 0 ? scale : 1;
  const scaled = {} as PhaseTimeouts;
  for (const [phase, ms] of Object.entries(RFC_5321_TIMEOUTS_MS) as [SessionPhase, number][])
    scaled[phase] = Math.max(50, Math.round(ms * factor));
  return scaled;
}

/** Words for the journey page: "while waiting for the greeting". */
export const PHASE_WORDS: Record<SessionPhase, string> = {
  connect: 'while connecting',
  greeting: 'while waiting for the greeting',
  ehlo: 'after EHLO',
  starttls: 'during STARTTLS',
  auth: 'during AUTH',
  mail: 'after MAIL FROM',
  rcpt: 'after RCPT TO',
  data: 'after DATA',
  block: 'while sending the message',
  dot: 'after the final dot',
  quit: 'after QUIT',
};
