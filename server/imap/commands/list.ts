// LIST and LSUB (RFC 9051 section 6.3.9) with LIST-EXTENDED (RFC 5258: selection and return
// options, several patterns), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154) and CHILDREN.
import { danglingSubscriptions, listFolders, DELIMITER, type FolderInfo } from '../../store';
import { bad } from '../errors';
import { atomsOf, tokenText, type Token } from '../parser';
import { decodeMailboxName, mailboxOut } from '../format';
import type { ImapSession } from '../session';
import { AUTHED, type CommandHandler } from './types';
import { parseStatusItems, statusLine } from './status';

function patternRegex(reference: string, pattern: string): RegExp {
  const full =
    pattern.startsWith(DELIMITER) || reference === ''
      ? pattern
      : `${reference.endsWith(DELIMITER) ? reference : reference + DELIMITER}${pattern}`;
  const body = [...full]
    .map((c) => (c === '*' ? '.*' : c === '%' ? `[^${DELIMITER}]*` : c.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  // INBOX matches case-insensitively (RFC 9051 section 5.1).
  const inbox = /^inbox/i.test(full) ? `|^INBOX${body.slice(5)}$` : '';
  return new RegExp(`^${body}$${inbox}`, 's');
}

interface ListOptions {
  subscribedOnly: boolean;
  specialUseOnly: boolean;
  recursiveMatch: boolean;
  returnSubscribed: boolean;
  returnChildren: boolean;
  returnSpecialUse: boolean;
  status: string[] | null;
  lsub: boolean;
}

function parseSelection(items: Token[], options: ListOptions): void {
  for (const word of atomsOf(items, 'selection options').map((w) => w.toUpperCase())) {
    if (word === 'SUBSCRIBED') options.subscribedOnly = options.returnSubscribed = true;
    else if (word === 'SPECIAL-USE') options.specialUseOnly = options.returnSpecialUse = true;
    else if (word === 'RECURSIVEMATCH') options.recursiveMatch = true;
    else if (word !== 'REMOTE') throw bad(`Unknown LIST selection option ${word.slice(0, 20)}`);
  }
  if (options.recursiveMatch && !options.subscribedOnly)
    throw bad('RECURSIVEMATCH needs another selection option');
}

function parseReturn(items: Token[], options: ListOptions): void {
  for (let i = 0; i < items.length; i++) {
    const token = items[i]!;
    if (token.kind !== 'atom') throw bad('Bad LIST return option');
    const word = token.value.toUpperCase();
    if (word === 'SUBSCRIBED') options.returnSubscribed = true;
    else if (word === 'CHILDREN') options.returnChildren = true;
    else if (word === 'SPECIAL-USE') options.returnSpecialUse = true;
    else if (word === 'STATUS') {
      const list = items[++i];
      if (list?.kind !== 'list') throw bad('STATUS needs a list of items');
      options.status = parseStatusItems(atomsOf(list.items, 'status items'));
    } else throw bad(`Unknown LIST return option ${word.slice(0, 20)}`);
  }
}

function attributes(folder: FolderInfo, all: FolderInfo[], options: ListOptions): string[] {
  const attrs: string[] = [];
  const hasChildren = all.some((other) => other.name.startsWith(`${folder.name}${DELIMITER}`));
  if (!options.lsub) attrs.push(hasChildren ? '\\HasChildren' : '\\HasNoChildren');
  if (options.returnSubscribed && folder.subscribed) attrs.push('\\Subscribed');
  if (folder.specialUse && (!options.lsub || options.returnSpecialUse)) attrs.push(folder.specialUse);
  return attrs;
}

async function list(
  session: ImapSession,
  command: Parameters<CommandHandler['run']>[1],
  lsub: boolean,
): Promise<void> {
  const args = command.args;
  const options: ListOptions = {
    subscribedOnly: lsub,
    specialUseOnly: false,
    recursiveMatch: false,
    returnSubscribed: false,
    returnChildren: true,
    returnSpecialUse: false,
    status: null,
    lsub,
  };
  const selection = lsub ? null : args.optionalList();
  if (selection) parseSelection(selection, options);
  const decode = (text: string) => (session.utf8 ? text : decodeMailboxName(text));
  const reference = decode(args.astring('reference'));
  const patternToken = args.next('mailbox pattern');
  const patterns =
    patternToken.kind === 'list' && !lsub
      ? patternToken.items.map((t) => decode(tokenText(t, 'pattern')))
      : [decode(tokenText(patternToken, 'pattern'))];
  const extended = !!selection || (!lsub && args.peek()?.kind === 'atom');
  if (!lsub && args.acceptAtom('RETURN')) parseReturn(args.list('return options'), options);
  args.end();
  if (patterns.length === 1 && patterns[0] === '' && !selection) {
    // RFC 9051 section 6.3.9: the hierarchy delimiter and root.
    session.send(`* ${lsub ? 'LSUB' : 'LIST'} (\\Noselect) "${DELIMITER}" ""`);
    return;
  }
  const all = await listFolders(session.user!.id);
  const matchers = patterns.map((pattern) => patternRegex(reference, pattern));
  const word = lsub ? 'LSUB' : 'LIST';
  // Entries to print: matched folders, plus (RFC 3501 LSUB, RFC 5258 RECURSIVEMATCH) the nearest
  // matching ancestor of a subscribed folder the pattern did not reach.
  const entries = new Map<
    string,
    { folder: FolderInfo | undefined; noselect: boolean; childInfo: boolean; dangling?: boolean }
  >();
  for (const folder of all) {
    if (!matchers.some((re) => re.test(folder.name))) continue;
    if (options.subscribedOnly && !folder.subscribed) continue;
    if (options.specialUseOnly && !folder.specialUse) continue;
    entries.set(folder.name, { folder, noselect: false, childInfo: false });
  }
  if (options.subscribedOnly && !options.specialUseOnly) {
    // Subscriptions whose folder does not exist (RFC 5258 section 3: \Subscribed \NonExistent).
    for (const name of await danglingSubscriptions(session.user!.id)) {
      if (matchers.some((re) => re.test(name)) && !entries.has(name))
        entries.set(name, { folder: undefined, noselect: true, childInfo: false, dangling: true });
    }
  }
  if (!options.subscribedOnly && !options.specialUseOnly) {
    // A parent that exists only as part of its children's names (RFC 5258 section 3: \NonExistent).
    for (const folder of all) {
      const parts = folder.name.split(DELIMITER);
      for (let i = parts.length - 1; i >= 1; i--) {
        const ancestor = parts.slice(0, i).join(DELIMITER);
        if (
          entries.has(ancestor) ||
          all.some((f) => f.name === ancestor) ||
          !matchers.some((re) => re.test(ancestor))
        )
          continue;
        entries.set(ancestor, { folder: undefined, noselect: false, childInfo: false });
      }
    }
  }
  if (options.subscribedOnly && (lsub || options.recursiveMatch)) {
    for (const folder of all.filter((f) => f.subscribed)) {
      if (matchers.some((re) => re.test(folder.name))) continue; // listed itself: no CHILDINFO
      const parts = folder.name.split(DELIMITER);
      for (let i = parts.length - 1; i >= 1; i--) {
        const ancestor = parts.slice(0, i).join(DELIMITER);
        if (!matchers.some((re) => re.test(ancestor))) continue;
        const existing = entries.get(ancestor);
        if (lsub) {
          if (!existing) entries.set(ancestor, { folder: undefined, noselect: true, childInfo: false });
        } else if (existing) existing.childInfo = true;
        else
          entries.set(ancestor, {
            folder: all.find((f) => f.name === ancestor),
            noselect: false,
            childInfo: true,
          });
        break;
      }
    }
  }
  const names = [...entries.keys()].sort((a, b) =>
    a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  for (const name of names) {
    const entry = entries.get(name)!;
    let attrs: string[];
    if (entry.folder) attrs = attributes(entry.folder, all, options);
    else if (entry.dangling) attrs = lsub ? ['\\Noselect'] : ['\\Subscribed', '\\NonExistent'];
    else if (entry.noselect) attrs = ['\\Noselect'];
    else attrs = [extended ? '\\NonExistent' : '\\Noselect', '\\HasChildren'];
    const extra = entry.childInfo ? ' ("CHILDINFO" ("SUBSCRIBED"))' : '';
    session.send(`* ${word} (${attrs.join(' ')}) "${DELIMITER}" ${mailboxOut(name, session.utf8)}${extra}`);
    if (options.status && entry.folder) session.send(await statusLine(session, entry.folder, options.status));
  }
}

export const LIST: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  run: (session, command) => list(session, command, false),
};
export const LSUB: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  run: (session, command) => list(session, command, true),
};
