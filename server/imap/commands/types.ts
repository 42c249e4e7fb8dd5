import type { ImapSession } from '../session';
import type { ParsedCommand } from '../parser';

export type State = 'notauth' | 'auth' | 'selected' | 'logout';

/**
 * One command. `sync` says what pending mailbox changes may be reported before the tagged answer:
 * 'full' (EXPUNGE too), 'noexpunge' (FETCH, STORE, SEARCH by sequence number: RFC 9051 section
 * 7.5.1 forbids EXPUNGE there) or 'none'. `run` returns the OK text, or null when it answered.
 */
export interface CommandHandler {
  states: State[];
  sync: 'full' | 'noexpunge' | 'none';
  // biome-ignore lint/suspicious/noConfusingVoidType: most handlers return nothing; void lets them say so
  run(session: ImapSession, command: ParsedCommand): Promise<string | void | null>;
}

export const ANY: State[] = ['notauth', 'auth', 'selected'];
export const AUTHED: State[] = ['auth', 'selected'];
export const SELECTED: State[] = ['selected'];
