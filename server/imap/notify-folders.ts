// NOTIFY's view of the user's folder list: what it last told the client, and the LIST responses
// for the difference to the current list (RFC 5465 section 5.4 MailboxName: created, deleted as
// \NonExistent, renamed with OLDNAME; section 5.5 SubscriptionChange: \Subscribed iff subscribed).
import { danglingSubscriptions, listFolders, DELIMITER, type FolderInfo } from '../store';
import { mailboxOut } from './format';
import { eventsFor, type NotifyConfig, type NotifyEvent } from './notify-config';

export interface FolderSnapshot {
  byId: Map<number, FolderInfo>;
  /** Subscribed names without a folder. */
  dangling: Set<string>;
}

export async function loadFolders(userId: number): Promise<FolderSnapshot> {
  const [folders, dangling] = await Promise.all([listFolders(userId), danglingSubscriptions(userId)]);
  return { byId: new Map(folders.map((folder) => [folder.id, folder])), dangling: new Set(dangling) };
}

/**
 * `known` brought up to date for the names this session changed itself (RFC 5465 section 5: the
 * client is not told of its own changes), everything else left for the next diff to report.
 */
export function absorb(
  known: FolderSnapshot,
  fresh: FolderSnapshot,
  touched: (name: string) => boolean,
): FolderSnapshot {
  const byId = new Map(known.byId);
  for (const id of new Set([...known.byId.keys(), ...fresh.byId.keys()])) {
    const before = known.byId.get(id);
    const after = fresh.byId.get(id);
    if (!(before && touched(before.name)) && !(after && touched(after.name))) continue;
    if (after) byId.set(id, after);
    else byId.delete(id);
  }
  const dangling = new Set([...known.dangling].filter((name) => !touched(name)));
  for (const name of fresh.dangling) if (touched(name)) dangling.add(name);
  return { byId, dangling };
}

function listLine(attrs: string[], name: string, utf8: boolean, oldName?: string): string {
  const extra = oldName === undefined ? '' : ` ("OLDNAME" (${mailboxOut(oldName, utf8)}))`;
  return `* LIST (${attrs.join(' ')}) "${DELIMITER}" ${mailboxOut(name, utf8)}${extra}`;
}

/** LIST responses for what changed from `known` to `fresh`, for the events the client asked. */
export function folderListLines(
  config: NotifyConfig,
  known: FolderSnapshot,
  fresh: FolderSnapshot,
  utf8: boolean,
): string[] {
  const parents = new Set<string>();
  for (const folder of fresh.byId.values()) {
    const parts = folder.name.split(DELIMITER);
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join(DELIMITER));
  }
  const attrs = (folder: FolderInfo) => [
    parents.has(folder.name) ? '\\HasChildren' : '\\HasNoChildren',
    ...(folder.subscribed ? ['\\Subscribed'] : []),
    ...(folder.specialUse ? [folder.specialUse] : []),
  ];
  const wants = (event: NotifyEvent, ...folders: (FolderInfo | undefined)[]) =>
    folders.some((folder) => folder && eventsFor(config, folder).has(event));
  const lines: string[] = [];
  const named = new Set<string>();
  for (const [id, after] of fresh.byId) {
    const before = known.byId.get(id);
    if (!before) {
      named.add(after.name);
      if (wants('MailboxName', after)) lines.push(listLine(attrs(after), after.name, utf8));
    } else if (before.name !== after.name) {
      named.add(after.name).add(before.name);
      if (wants('MailboxName', before, after))
        lines.push(listLine(attrs(after), after.name, utf8, before.name));
    } else if (before.subscribed !== after.subscribed && wants('SubscriptionChange', before, after)) {
      lines.push(listLine(attrs(after), after.name, utf8));
    }
  }
  for (const [id, before] of known.byId) {
    if (fresh.byId.has(id)) continue;
    named.add(before.name);
    const gone = { ...before, subscribed: fresh.dangling.has(before.name) };
    if (wants('MailboxName', before))
      lines.push(
        listLine(['\\NonExistent', ...(gone.subscribed ? ['\\Subscribed'] : [])], before.name, utf8),
      );
  }
  // Subscriptions to names that have no folder (RFC 9051 6.3.7), beyond those just reported.
  for (const name of new Set([...known.dangling, ...fresh.dangling])) {
    const subscribed = fresh.dangling.has(name);
    if (named.has(name) || subscribed === known.dangling.has(name)) continue;
    const entry = { id: 0, name, specialUse: null, subscribed: true };
    if (wants('SubscriptionChange', entry))
      lines.push(listLine(['\\NonExistent', ...(subscribed ? ['\\Subscribed'] : [])], name, utf8));
  }
  return lines;
}
