// CREATE (with CREATE-SPECIAL-USE, RFC 6154 section 3), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE
// (RFC 9051 sections 6.3.4-6.3.8). Each change is announced to NOTIFY watchers (notify.ts).
import { createFolder, deleteFolder, renameFolder, setSubscribed } from '../../store';
import { bad } from '../errors';
import { announceFolderChange } from '../notify';
import { atomsOf } from '../parser';
import { AUTHED, type CommandHandler } from './types';
import { folderErrorToImap, mailboxArg } from './util';

export const CREATE: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const name = mailboxArg(session, command.args);
    let specialUse: string[] | undefined;
    const options = command.args.optionalList();
    if (options) {
      for (let i = 0; i < options.length; i += 2) {
        const key = options[i];
        const value = options[i + 1];
        if (!key || key.kind !== 'atom' || key.value.toUpperCase() !== 'USE' || value?.kind !== 'list')
          throw bad('CREATE options must be (USE (...))');
        specialUse = atomsOf(value.items, 'special-use list').map((flag) =>
          flag[0] === '\\' ? `\\${flag.slice(1, 2).toUpperCase()}${flag.slice(2).toLowerCase()}` : flag,
        );
      }
    }
    command.args.end();
    await createFolder(session.user!.id, name, specialUse, false).catch(folderErrorToImap);
    await announceFolderChange(session, [name]);
  },
};

export const DELETE: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const name = mailboxArg(session, command.args);
    command.args.end();
    await deleteFolder(session.user!.id, name).catch(folderErrorToImap);
    await announceFolderChange(session, [name]);
  },
};

export const RENAME: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const from = mailboxArg(session, command.args);
    const to = mailboxArg(session, command.args);
    command.args.end();
    await renameFolder(session.user!.id, from, to).catch(folderErrorToImap);
    await announceFolderChange(session, [from, to]);
  },
};

function subscription(subscribed: boolean): CommandHandler {
  return {
    states: AUTHED,
    sync: 'full',
    async run(session, command) {
      const name = mailboxArg(session, command.args);
      command.args.end();
      await setSubscribed(session.user!.id, name, subscribed).catch(folderErrorToImap);
      await announceFolderChange(session, [name]);
    },
  };
}

export const SUBSCRIBE = subscription(true);
export const UNSUBSCRIBE = subscription(false);
