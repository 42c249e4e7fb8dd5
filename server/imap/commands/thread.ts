// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 sections 2.1-2.2, 4): the search result
// grouped into trees and printed as nested parenthesised lists.
import { readReferences, readSortRows, searchMessages } from '../../store';
import { decodeWords, type Envelope } from '../../mime';
import { bad, no } from '../errors';
import { SELECTED, type CommandHandler } from './types';
import { selected } from './util';
import { parseSearchQuery } from './search';
import { baseSubject } from './sort';

interface Node {
  seq: number | null; // null: a dummy (a message referenced but not present)
  date: number;
  subject: string;
  isReply: boolean;
  children: Node[];
  parent: Node | null;
}

const MSGID = /<[^<>]*>/g;

/** RFC 5256 2.1: did extracting the base subject remove a reply or forward marker? */
function isReplySubject(subject: string): boolean {
  return (
    /^(\[[^[\]]*\]\s*)*(re|fwd?)\s*(\[[^[\]]*\])?\s*:/i.test(subject.trim()) ||
    /\(fwd\)\s*$/i.test(subject) ||
    /^\[fwd:.*\]$/i.test(subject.trim())
  );
}

function isAncestor(maybe: Node, node: Node): boolean {
  for (let p: Node | null = node; p; p = p.parent) if (p === maybe) return true;
  return false;
}

function link(parent: Node, child: Node): void {
  if (child.parent === parent || isAncestor(child, parent)) return;
  if (child.parent) child.parent.children = child.parent.children.filter((c) => c !== child);
  child.parent = parent;
  parent.children.push(child);
}

function firstDate(node: Node): number {
  return node.seq !== null ? node.date : node.children[0] ? firstDate(node.children[0]) : 0;
}

function sortTree(nodes: Node[]): void {
  for (const node of nodes) sortTree(node.children);
  nodes.sort((a, b) => firstDate(a) - firstDate(b) || firstSeq(a) - firstSeq(b));
}

function firstSeq(node: Node): number {
  return node.seq ?? (node.children[0] ? firstSeq(node.children[0]) : 0);
}

/** Drops empty dummies and promotes the children of dummies (RFC 5256 2.2 step 4). */
function prune(nodes: Node[], atRoot: boolean): Node[] {
  const out: Node[] = [];
  for (const node of nodes) {
    node.children = prune(node.children, false);
    for (const child of node.children) child.parent = node;
    if (node.seq !== null) out.push(node);
    else if (node.children.length === 0) continue;
    else if (atRoot && node.children.length > 1) out.push(node);
    else out.push(...node.children);
  }
  return out;
}

function referencesThreads(nodes: Node[], ids: Map<Node, string[]>, messageIds: Map<Node, string>): Node[] {
  const byId = new Map<string, Node>();
  for (const [node, id] of messageIds) byId.set(id, node);
  const container = (id: string): Node => {
    let node = byId.get(id);
    if (!node)
      byId.set(id, (node = { seq: null, date: 0, subject: '', isReply: false, children: [], parent: null }));
    return node;
  };
  for (const node of nodes) {
    const refs = ids.get(node) ?? [];
    let previous: Node | null = null;
    for (const ref of refs) {
      const current = container(ref);
      if (previous && !current.parent && current !== node) link(previous, current);
      previous = current;
    }
    // Step 1B: this message's own References override links inferred from other messages.
    if (node.parent) {
      node.parent.children = node.parent.children.filter((c) => c !== node);
      node.parent = null;
    }
    if (previous && previous !== node && !isAncestor(node, previous)) link(previous, node);
  }
  let roots = prune(
    [...new Set(byId.values())].filter((n) => !n.parent),
    true,
  );
  // Step 5: gather root threads by base subject.
  const subjectOf = (node: Node) => (node.seq !== null ? node : node.children[0]!);
  const table = new Map<string, Node>();
  for (const root of roots) {
    const subject = subjectOf(root).subject;
    if (!subject) continue;
    const old = table.get(subject);
    if (
      !old ||
      (old.seq !== null && root.seq === null) ||
      (old.seq !== null && subjectOf(old).isReply && !subjectOf(root).isReply)
    )
      table.set(subject, root);
  }
  const removed = new Set<Node>();
  for (const root of roots) {
    const subject = subjectOf(root).subject;
    const target = subject ? table.get(subject) : undefined;
    if (!target || target === root) continue;
    removed.add(root);
    if (target.seq === null && root.seq === null) {
      for (const child of root.children) child.parent = target;
      target.children.push(...root.children);
    } else if (target.seq === null) {
      root.parent = target;
      target.children.push(root);
    } else if (root.seq !== null && subjectOf(root).isReply && !subjectOf(target).isReply) {
      root.parent = target;
      target.children.push(root);
    } else {
      const dummy: Node = {
        seq: null,
        date: 0,
        subject,
        isReply: false,
        children: [target, root],
        parent: null,
      };
      target.parent = dummy;
      root.parent = dummy;
      table.set(subject, dummy);
      roots = roots.map((r) => (r === target ? dummy : r));
    }
  }
  roots = roots.filter((r) => !removed.has(r));
  sortTree(roots);
  return roots;
}

function orderedSubjectThreads(nodes: Node[]): Node[] {
  const sorted = [...nodes].sort((a, b) =>
    a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.date - b.date || a.seq! - b.seq!,
  );
  const roots: Node[] = [];
  for (const node of sorted) {
    const last = roots[roots.length - 1];
    if (last && last.subject === node.subject) link(last, node);
    else roots.push(node);
  }
  roots.sort((a, b) => a.date - b.date || a.seq! - b.seq!);
  return roots;
}

function format(node: Node): string {
  const parts: string[] = [];
  let current: Node = node;
  for (;;) {
    if (current.seq !== null) parts.push(String(current.seq));
    if (current.children.length === 1 && current.seq !== null) {
      current = current.children[0]!;
      continue;
    }
    if (current.children.length > 0)
      parts.push(current.children.map((child) => `(${format(child)})`).join(''));
    return parts.join(' ');
  }
}

function threadCommand(byUid: boolean): CommandHandler {
  return {
    states: SELECTED,
    sync: byUid ? 'full' : 'noexpunge',
    async run(session, command) {
      const mailbox = selected(session);
      const algorithm = command.args.atom('threading algorithm').toUpperCase();
      if (algorithm !== 'REFERENCES' && algorithm !== 'ORDEREDSUBJECT')
        throw bad('Unsupported threading algorithm');
      const charset = command.args.astring('charset').toUpperCase();
      if (charset !== 'UTF-8' && charset !== 'US-ASCII')
        throw no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
      const query = parseSearchQuery(
        session,
        mailbox,
        command.tokens.slice(command.tokens.length - command.args.remaining),
      );
      const found = (await searchMessages(mailbox.folderId, query)).uids.filter(
        (uid) => mailbox.seqOf(uid) > 0,
      );
      const rows = await readSortRows(mailbox.folderId, found);
      const references =
        algorithm === 'REFERENCES'
          ? await readReferences(mailbox.folderId, found)
          : new Map<number, string>();
      const nodes: Node[] = [];
      const ids = new Map<Node, string[]>();
      const messageIds = new Map<Node, string>();
      const usedIds = new Set<string>();
      for (const row of rows.sort((a, b) => a.uid - b.uid)) {
        const envelope = JSON.parse(row.envelope) as Envelope;
        const subject = decodeWords(envelope.subject);
        const node: Node = {
          seq: byUid ? row.uid : mailbox.seqOf(row.uid),
          date: (row.sentDate ?? row.internalDate).getTime(),
          subject: baseSubject(subject).toUpperCase(),
          isReply: isReplySubject(subject),
          children: [],
          parent: null,
        };
        nodes.push(node);
        const own = envelope.messageId?.match(MSGID)?.[0];
        // A missing or duplicate Message-ID gets a unique one (RFC 5256 2.2 step 1A).
        const id = own && !usedIds.has(own) ? own : `<postroom-${row.uid}@thread>`;
        usedIds.add(id);
        messageIds.set(node, id);
        const refs =
          (references.get(row.uid) ?? '').match(MSGID) ?? envelope.inReplyTo?.match(MSGID)?.slice(0, 1) ?? [];
        ids.set(
          node,
          refs.filter((ref) => ref !== id),
        );
      }
      const roots =
        algorithm === 'REFERENCES' ? referencesThreads(nodes, ids, messageIds) : orderedSubjectThreads(nodes);
      session.send(`* THREAD${roots.length ? ' ' : ''}${roots.map((root) => `(${format(root)})`).join('')}`);
    },
  };
}

export const THREAD = threadCommand(false);
export const UID_THREAD = threadCommand(true);
