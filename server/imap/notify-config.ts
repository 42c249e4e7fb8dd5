// NOTIFY SET arguments (RFC 5465 section 8 grammar) and which events they ask for per mailbox.
import { normaliseFolderName, DELIMITER, type FolderInfo } from '../store';
import { bad, ImapError } from './errors';
import { decodeMailboxName } from './format';
import { tokenText, type Args, type Token } from './parser';
import { parseFetchItems } from './commands/fetch-items';

export const MESSAGE_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange'] as const;
const SUPPORTED = [...MESSAGE_EVENTS, 'MailboxName', 'SubscriptionChange'] as const;
export type NotifyEvent = (typeof SUPPORTED)[number];
/** More names than this in one NOTIFY is refused with NOTIFICATIONOVERFLOW (RFC 5465 section 3.1). */
const MAX_NAMES = 1000;

export type MailboxFilter =
  | { kind: 'inboxes' | 'personal' | 'subscribed' }
  | { kind: 'subtree' | 'mailboxes'; names: string[] };

export interface EventGroup {
  filter: MailboxFilter;
  /** Empty for NONE: matching mailboxes send nothing (and later groups are not asked). */
  events: Set<NotifyEvent>;
}

export interface SelectedFilter {
  /** SELECTED-DELAYED: expunges wait for a command that may report them (RFC 5465 section 6.1). */
  delayed: boolean;
  events: Set<NotifyEvent>;
  /** MessageNew's fetch attributes (a FETCH item list token), sent after EXISTS. */
  fetch: Token | null;
}

export interface NotifyConfig {
  status: boolean;
  selected: SelectedFilter | null;
  groups: EventGroup[];
}

export const NOTIFY_NONE: NotifyConfig = { status: false, selected: null, groups: [] };

function parseEvents(
  token: Token,
  unsupported: Set<string>,
): { events: Set<NotifyEvent>; fetch: Token | null } {
  const events = new Set<NotifyEvent>();
  let fetch: Token | null = null;
  if (token.kind === 'atom' && token.value.toUpperCase() === 'NONE') return { events, fetch };
  if (token.kind !== 'list' || token.items.length === 0) throw bad('Events must be NONE or a list of events');
  for (let i = 0; i < token.items.length; i++) {
    const item = token.items[i]!;
    if (item.kind !== 'atom') throw bad('Event names are atoms');
    const known = SUPPORTED.find((name) => name.toLowerCase() === item.value.toLowerCase());
    if (known === 'MessageNew' && token.items[i + 1]?.kind === 'list') {
      fetch = token.items[++i]!;
      parseFetchItems(fetch); // a BAD now rather than at the first new message
    }
    if (known) events.add(known);
    else unsupported.add(item.value); // AnnotationChange, the METADATA events, or one we do not know
  }
  return { events, fetch };
}

function mailboxNames(token: Token, utf8: boolean): string[] {
  const items = token.kind === 'list' ? token.items : [token];
  if (items.length === 0) throw bad('Mailbox list is empty');
  // No wildcard expansion: "*" and "%" name mailboxes (RFC 5465 section 6.6).
  return items.map((item) =>
    normaliseFolderName(utf8 ? tokenText(item, 'mailbox') : decodeMailboxName(tokenText(item, 'mailbox'))),
  );
}

/** Parses what follows "NOTIFY SET"; BAD for bad syntax, NO [BADEVENT] for events we lack. */
export function parseNotifySet(args: Args, utf8: boolean): NotifyConfig {
  const config: NotifyConfig = { status: args.acceptAtom('STATUS'), selected: null, groups: [] };
  const unsupported = new Set<string>();
  let names = 0;
  if (args.remaining === 0) throw bad('NOTIFY SET needs at least one event group');
  while (args.remaining > 0) {
    const group = args.list('event group');
    const filter = group[0]?.kind === 'atom' ? group[0].value.toLowerCase() : '';
    if (filter === 'selected' || filter === 'selected-delayed') {
      if (group.length !== 2) throw bad(`${filter} takes one events argument`);
      if (config.selected) throw bad('Only one selected or selected-delayed filter is allowed');
      const { events, fetch } = parseEvents(group[1]!, unsupported);
      if ([...events].some((event) => !MESSAGE_EVENTS.includes(event as (typeof MESSAGE_EVENTS)[number])))
        throw bad('Only message events apply to the selected mailbox');
      // RFC 5465 section 5: for the selected mailbox MessageNew and MessageExpunge go together (the
      // client tracks sequence numbers), and FlagChange needs both. Other mailboxes are reported as
      // STATUS, which carries all three, so there the rule is not enforced (as in Dovecot; imaptest).
      const news = events.has('MessageNew');
      if (news !== events.has('MessageExpunge'))
        throw bad('MessageNew and MessageExpunge must be given together');
      if (events.has('FlagChange') && !news) throw bad('FlagChange needs MessageNew and MessageExpunge');
      config.selected = { delayed: filter === 'selected-delayed', events, fetch };
      continue;
    }
    let mailboxFilter: MailboxFilter;
    if (filter === 'inboxes' || filter === 'personal' || filter === 'subscribed') {
      if (group.length !== 2) throw bad(`${filter} takes one events argument`);
      mailboxFilter = { kind: filter };
    } else if (filter === 'subtree' || filter === 'mailboxes') {
      if (group.length !== 3) throw bad(`${filter} takes mailbox names and events`);
      const list = mailboxNames(group[1]!, utf8);
      names += list.length;
      mailboxFilter = { kind: filter, names: list };
    } else throw bad(`Unknown mailbox filter ${filter.slice(0, 20)}`);
    config.groups.push({
      filter: mailboxFilter,
      events: parseEvents(group[group.length - 1]!, unsupported).events,
    });
  }
  if (unsupported.size > 0)
    throw new ImapError(
      'NO',
      `Unsupported NOTIFY events: ${[...unsupported].join(' ').slice(0, 100)}`,
      `BADEVENT (${SUPPORTED.join(' ')})`,
    );
  if (names > MAX_NAMES) throw new ImapError('NO', 'Too many mailboxes for NOTIFY', 'NOTIFICATIONOVERFLOW');
  return config;
}

function matches(
  filter: MailboxFilter,
  folder: Pick<FolderInfo, 'name' | 'subscribed' | 'specialUse'>,
): boolean {
  switch (filter.kind) {
    case 'personal':
      return true; // Postroom has only the personal namespace
    case 'inboxes':
      // Where delivery puts mail: INBOX, and the \Junk folder for spam (delivery/local.ts).
      return folder.name === 'INBOX' || folder.specialUse === '\\Junk';
    case 'subscribed':
      return folder.subscribed;
    case 'subtree':
      return filter.names.some(
        (name) => folder.name === name || folder.name.startsWith(`${name}${DELIMITER}`),
      );
    case 'mailboxes':
      return filter.names.includes(folder.name);
  }
}

/**
 * The events asked for a (non-selected) mailbox: those of every group that matches it, in order,
 * until a matching NONE group, so "(mailboxes Junk NONE) (personal (...))" leaves Junk out.
 */
export function eventsFor(
  config: NotifyConfig,
  folder: Pick<FolderInfo, 'name' | 'subscribed' | 'specialUse'>,
): Set<NotifyEvent> {
  const events = new Set<NotifyEvent>();
  for (const group of config.groups) {
    if (!matches(group.filter, folder)) continue;
    if (group.events.size === 0) break;
    for (const event of group.events) events.add(event);
  }
  return events;
}

export function hasMessageEvent(events: Set<NotifyEvent>): boolean {
  return MESSAGE_EVENTS.some((event) => events.has(event));
}
