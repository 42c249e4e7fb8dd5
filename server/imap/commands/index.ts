// The command table: name (with "UID " for UID variants) to handler.
import type { CommandHandler } from './types';
import { CAPABILITY, NOOP, LOGOUT, STARTTLS, ID, ENABLE, NAMESPACE } from './any-state';
import { LOGIN, AUTHENTICATE } from './auth';
import { LIST, LSUB } from './list';
import { CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE } from './folders';
import { STATUS } from './status';
import { SELECT, EXAMINE, CLOSE, UNSELECT, CHECK, EXPUNGE, UID_EXPUNGE } from './select';
import { FETCH, UID_FETCH } from './fetch';
import { STORE, UID_STORE } from './store';
import { COPY, UID_COPY, MOVE, UID_MOVE } from './copy';
import { APPEND } from './append';
import { SEARCH, UID_SEARCH } from './search';
import { IDLE } from './idle';
import { GETQUOTA, GETQUOTAROOT, SETQUOTA } from './quota';
import { SORT, UID_SORT } from './sort';
import { THREAD, UID_THREAD } from './thread';
import { NOTIFY } from './notify';
import { GENURLAUTH, RESETKEY, URLFETCH } from './urlauth';
import { CANCELUPDATE } from './cancelupdate';

export type { State, CommandHandler } from './types';

const TABLE = new Map<string, CommandHandler>(
  Object.entries({
    CAPABILITY,
    NOOP,
    LOGOUT,
    STARTTLS,
    ID,
    ENABLE,
    NAMESPACE,
    LOGIN,
    AUTHENTICATE,
    LIST,
    LSUB,
    CREATE,
    DELETE,
    RENAME,
    SUBSCRIBE,
    UNSUBSCRIBE,
    STATUS,
    SELECT,
    EXAMINE,
    CLOSE,
    UNSELECT,
    CHECK,
    EXPUNGE,
    'UID EXPUNGE': UID_EXPUNGE,
    FETCH,
    'UID FETCH': UID_FETCH,
    STORE,
    'UID STORE': UID_STORE,
    COPY,
    'UID COPY': UID_COPY,
    MOVE,
    'UID MOVE': UID_MOVE,
    APPEND,
    SEARCH,
    'UID SEARCH': UID_SEARCH,
    IDLE,
    GETQUOTA,
    GETQUOTAROOT,
    SETQUOTA,
    SORT,
    'UID SORT': UID_SORT,
    THREAD,
    'UID THREAD': UID_THREAD,
    NOTIFY,
    GENURLAUTH,
    RESETKEY,
    URLFETCH,
    CANCELUPDATE,
  }),
);

export function registerCommand(name: string, handler: CommandHandler): void {
  TABLE.set(name, handler);
}

export function findCommand(name: string): CommandHandler | undefined {
  return TABLE.get(name);
}
