// The command table: name (with "UID " for UID variants) to handler.
import type { CommandHandler } from './types';
import { CAPABILITY, NOOP, LOGOUT, STARTTLS, ID, ENABLE, NAMESPACE } from './any-state';
import { LOGIN, AUTHENTICATE } from './auth';
import { LIST, LSUB } from './list';
import { CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE } from './folders';
import { STATUS } from './status';
import { SELECT, EXAMINE, CLOSE, UNSELECT, CHECK, EXPUNGE, UID_EXPUNGE } from './select';

export type { State, CommandHandler } from './types';

const TABLE = new Map<string, CommandHandler>(Object.entries({
  CAPABILITY, NOOP, LOGOUT, STARTTLS, ID, ENABLE, NAMESPACE, LOGIN, AUTHENTICATE,
  LIST, LSUB, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, STATUS,
  SELECT, EXAMINE, CLOSE, UNSELECT, CHECK, EXPUNGE, 'UID EXPUNGE': UID_EXPUNGE,
}));

export function registerCommand(name: string, handler: CommandHandler): void {
  TABLE.set(name, handler);
}

export function findCommand(name: string): CommandHandler | undefined {
  return TABLE.get(name);
}
