// FETCH and UID FETCH (RFC 9051 section 6.4.5): flags and sizes from the row, ENVELOPE and
// BODYSTRUCTURE from the metadata cached at delivery, body sections sliced from the stored content.
// Non-PEEK body items set \Seen first, so the FLAGS sent back are the new ones.
import { readBlob, readEnvelopes, readMessages, updateFlags, expungedSince, flagsChangedSince, type MessageRow } from '../../store';
import { cachedEnvelope, rememberEnvelope } from '../envelope-cache';
import { formatEnvelope, formatBodyStructure, extractSection, resolveSectionPart, decodedPartBody, type BodyPart, type Envelope } from '../../mime';
import { binaryBody, binaryMessage } from '../../mime/binary-content';
import { bad, no } from '../errors';
import { formatSequence, selectUidIndexes } from '../parser';
import { formatInternalDate } from '../format';
import type { ImapSession } from '../session';
import type { SelectedMailbox } from '../mailbox';
import { SELECTED, type CommandHandler } from './types';
import { parseFetchItems, parseFetchModifiers, type FetchPlan, type SectionItem } from './fetch-items';
import { resolveSet, selected } from './util';
import { partialWindow } from './search-return';

const KNOWN_ENCODINGS = new Set(['7bit', '8bit', 'binary', 'base64', 'quoted-printable']);
const CHUNK = 2000;
const FLUSH_BYTES = 256 * 1024;

/** A literal; one holding NUL becomes literal8 (RFC 3516), as a plain literal cannot carry it. */
function literal(bytes: Buffer, binary = false): (string | Buffer)[] {
  return [`${binary && bytes.includes(0) ? '~' : ''}{${bytes.length}}\r\n`, bytes];
}

/** The bytes of BODY[section] or BINARY[section] (before any partial); URLFETCH uses it too. */
export function sectionBytes(item: Pick<SectionItem, 'kind' | 'spec'>, raw: Buffer, structure: BodyPart | null): Buffer {
  if (item.kind === 'BODY' && item.spec.part.length === 0 && !item.spec.text) return raw; // BODY[]: the whole message
  if (!structure) throw new Error('body structure not loaded');
  if (item.kind === 'BODY') {
    try {
      return extractSection(raw, structure, item.spec);
    } catch (error) {
      if (error instanceof RangeError) throw bad(error.message);
      throw error;
    }
  }
  if (item.spec.part.length === 0) return binaryMessage(raw, structure);
  const part = resolveSectionPart(structure, item.spec.part);
  if (!part) return Buffer.alloc(0);
  if (part.parts || part.body) return binaryBody(raw, part);
  if (!KNOWN_ENCODINGS.has(part.encoding.toLowerCase())) throw no('Unknown Content-Transfer-Encoding', 'UNKNOWN-CTE');
  return decodedPartBody(raw, part);
}

/** Messages whose content is read ahead of the one being written, bounded in count and bytes. */
const READ_AHEAD = 16;
const READ_AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * Content reads started ahead of rendering, so a FETCH of many bodies overlaps its file reads
 * instead of paying one open/read/close round trip per message in turn.
 */
class ContentReader {
  private readonly reads = new Map<number, Promise<Buffer>>();
  private next = 0;
  private bytesAhead = 0;
  constructor(private readonly rows: MessageRow[]) {}

  content(index: number): Promise<Buffer> {
    while (this.next < this.rows.length && (this.next <= index || (this.next - index < READ_AHEAD && this.bytesAhead < READ_AHEAD_BYTES))) {
      const row = this.rows[this.next]!;
      const read = readBlob(row.blobSha256);
      read.catch(() => {}); // awaited (and its error reported) when its turn comes
      this.reads.set(this.next++, read);
      this.bytesAhead += row.size;
    }
    const read = this.reads.get(index)!;
    this.reads.delete(index);
    this.bytesAhead -= this.rows[index]!.size;
    return read;
  }
}

async function renderMessage(session: ImapSession, mailbox: SelectedMailbox, seq: number, row: MessageRow, plan: FetchPlan, flagsChanged: boolean, content: (() => Promise<Buffer>) | null): Promise<(string | Buffer)[]> {
  const items: (string | (string | Buffer)[])[] = [];
  const s = plan.simple;
  const utf8 = { utf8: session.utf8 };
  if (s.has('UID')) items.push(`UID ${row.uid}`);
  if (s.has('FLAGS') || flagsChanged) items.push(`FLAGS ${mailbox.flagsOf(session, row)}`);
  if (s.has('MODSEQ')) items.push(`MODSEQ (${row.modseq})`);
  if (s.has('INTERNALDATE')) items.push(`INTERNALDATE ${formatInternalDate(row.internalDate)}`);
  if (s.has('RFC822.SIZE')) items.push(`RFC822.SIZE ${row.size}`);
  if (s.has('ENVELOPE')) {
    // Keyed by row id and UTF-8 mode: the same message formats differently with UTF8=ACCEPT.
    const key = `${row.id}${session.utf8 ? 'u' : ''}`;
    let envelope = cachedEnvelope(key);
    if (envelope === undefined) {
      envelope = formatEnvelope(JSON.parse(row.envelope) as Envelope, utf8);
      rememberEnvelope(key, envelope);
    }
    items.push(`ENVELOPE ${envelope}`);
  }
  const structure = plan.needsStructure && row.bodyStructure ? (JSON.parse(row.bodyStructure) as BodyPart) : null;
  if (s.has('BODYSTRUCTURE')) items.push(`BODYSTRUCTURE ${formatBodyStructure(structure!, true, utf8)}`);
  if (s.has('BODY')) items.push(`BODY ${formatBodyStructure(structure!, false, utf8)}`);
  if (plan.needsContent) {
    const raw = await (content ? content() : readBlob(row.blobSha256));
    if (s.has('RFC822.HEADER')) items.push(['RFC822.HEADER ', ...literal(raw.subarray(0, structure!.bodyStart))]);
    if (s.has('RFC822.TEXT')) items.push(['RFC822.TEXT ', ...literal(raw.subarray(structure!.bodyStart))]);
    if (s.has('RFC822')) items.push(['RFC822 ', ...literal(raw)]);
    for (const item of plan.sections) {
      let bytes = sectionBytes(item, raw, structure);
      if (item.kind === 'BINARY.SIZE') {
        items.push(`BINARY.SIZE[${item.label}] ${bytes.length}`);
        continue;
      }
      let origin = '';
      if (item.partial) {
        origin = `<${item.partial.start}>`;
        bytes = item.partial.start >= bytes.length ? Buffer.alloc(0) : bytes.subarray(item.partial.start, item.partial.start + item.partial.length);
      }
      items.push([`${item.kind}[${item.label}]${origin} `, ...literal(bytes, true)]);
    }
  }
  // Text stays text (joined and encoded once per flush); only literal bodies are Buffers.
  const out: (string | Buffer)[] = [`* ${seq} FETCH (`];
  items.forEach((item, i) => {
    if (i > 0) out.push(' ');
    if (typeof item === 'string') out.push(item);
    else out.push(...item);
  });
  out.push(')\r\n');
  return out;
}

/**
 * Response pieces collected and written in large blocks, waiting for the socket to drain. Text is
 * kept as a list and joined once (a flat string encodes far faster than a long `+=` rope).
 */
class Output {
  private parts: (string | Buffer)[] = [];
  private text: string[] = [];
  private size = 0;
  constructor(private readonly session: ImapSession) {}

  private endText(): void {
    if (this.text.length > 0) this.parts.push(this.text.join(''));
    this.text = [];
  }

  async add(pieces: (string | Buffer)[]): Promise<void> {
    for (const piece of pieces) {
      if (typeof piece === 'string') {
        this.text.push(piece);
      } else {
        this.endText();
        this.parts.push(piece);
      }
      this.size += piece.length;
    }
    if (this.size > FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    this.endText();
    const block = Buffer.concat(this.parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
    this.parts = [];
    this.size = 0;
    if (block.length > 0) await this.session.write(block);
  }
}

async function markSeen(mailbox: SelectedMailbox, rows: MessageRow[]): Promise<Set<number>> {
  const unseen = rows.filter((row) => !row.seen).map((row) => row.uid);
  if (unseen.length === 0) return new Set();
  const result = await updateFlags(mailbox.folderId, unseen, { operation: 'add', system: { seen: true }, keywords: [] });
  const byUid = new Map(result.rows.map((row) => [row.uid, row]));
  for (const row of rows) {
    const updated = byUid.get(row.uid);
    if (updated) Object.assign(row, { seen: updated.seen, modseq: updated.modseq });
  }
  if (result.rows[0]) mailbox.rememberOwnModseq(result.rows[0].modseq);
  return new Set(unseen);
}

function fetchCommand(byUid: boolean): CommandHandler {
  return {
    states: SELECTED,
    sync: byUid ? 'full' : 'noexpunge',
    async run(session, command) {
      const mailbox = selected(session);
      const ranges = command.args.sequenceSet();
      const plan = parseFetchItems(command.args.next('FETCH items'));
      const modifiers = parseFetchModifiers(command.args.optionalList());
      command.args.end();
      if (byUid) plan.simple.add('UID');
      if (modifiers.changedSince !== null || plan.simple.has('MODSEQ')) {
        session.enableCondstore();
        plan.simple.add('MODSEQ');
      }
      let uids = resolveSet(mailbox, ranges, byUid);
      if (modifiers.partial) {
        // RFC 9394 3.3-3.4: UID FETCH only, a window over the messages CHANGEDSINCE leaves.
        if (!byUid) throw bad('PARTIAL needs UID FETCH');
        const changed = modifiers.changedSince === null ? null : new Set((await flagsChangedSince(mailbox.folderId, modifiers.changedSince)).map((row) => row.uid));
        uids = partialWindow(changed ? uids.filter((uid) => changed.has(uid)) : uids, modifiers.partial);
      }
      if (modifiers.vanished) {
        if (!byUid || !session.enabled.has('QRESYNC')) throw bad('VANISHED needs UID FETCH and QRESYNC');
        const gone = (await expungedSince(mailbox.folderId, modifiers.changedSince!)).filter((uid) => mailbox.seqOf(uid) === 0 && selectUidIndexes(ranges, [uid]).length > 0);
        if (gone.length > 0) session.send(`* VANISHED (EARLIER) ${formatSequence(gone)}`);
      }
      const output = new Output(session);
      for (let i = 0; i < uids.length; i += CHUNK) {
        let rows = await readMessages(mailbox.folderId, uids.slice(i, i + CHUNK), { envelope: false, structure: plan.needsStructure, content: plan.needsContent, internalDate: plan.simple.has('INTERNALDATE') });
        if (plan.needsEnvelope) {
          const missing = rows.filter((row) => cachedEnvelope(`${row.id}${session.utf8 ? 'u' : ''}`) === undefined);
          const envelopes = missing.length ? await readEnvelopes(missing.map((row) => row.id)) : new Map<number, string>();
          for (const row of missing) row.envelope = envelopes.get(row.id) ?? '{}';
        }
        if (modifiers.changedSince !== null) rows = rows.filter((row) => row.modseq > modifiers.changedSince!);
        const changed = plan.setsSeen && !mailbox.readOnly ? await markSeen(mailbox, rows) : new Set<number>();
        if (plan.simple.has('FLAGS')) mailbox.announceKeywords(session, rows.map((row) => row.keywords));
        rows = rows.filter((row) => mailbox.seqOf(row.uid) !== 0);
        const reader = plan.needsContent ? new ContentReader(rows) : null;
        for (const [index, row] of rows.entries()) {
          const content = reader ? () => reader.content(index) : null;
          await output.add(await renderMessage(session, mailbox, mailbox.seqOf(row.uid), row, plan, changed.has(row.uid), content));
        }
      }
      await output.flush();
    },
  };
}

export const FETCH = fetchCommand(false);
export const UID_FETCH = fetchCommand(true);
