// FETCH and UID FETCH (RFC 9051 section 6.4.5): flags and sizes from the row, ENVELOPE and
// BODYSTRUCTURE from the metadata cached at delivery, body sections sliced from the stored content.
// Non-PEEK body items set \Seen first, so the FLAGS sent back are the new ones.
import {
  readBlob,
  readBlobOfSize,
  SYNC_READ_BYTES,
  readEnvelopes,
  readMessages,
  updateFlags,
  flagsChangedSince,
  type MessageRow,
} from '../../store';
import { cachedEnvelope, rememberEnvelope } from '../envelope-cache';
import {
  formatEnvelope,
  formatBodyStructure,
  extractSection,
  resolveSectionPart,
  decodedPartBody,
  type BodyPart,
  type Envelope,
} from '../../mime';
import { binaryBody, binaryMessage } from '../../mime/binary-content';
import { bad, no } from '../errors';
import { vanishedSince } from '../vanished';
import { formatInternalDate } from '../format';
import type { ImapSession } from '../session';
import type { SelectedMailbox } from '../mailbox';
import { SELECTED, type CommandHandler } from './types';
import { ResponseWriter } from '../response-writer';
import { writeLiteral } from './literal';
import { parseFetchItems, parseFetchModifiers, type FetchPlan, type SectionItem } from './fetch-items';
import { resolveSet, selected } from './util';
import { partialWindow } from './search-return';

const KNOWN_ENCODINGS = new Set(['7bit', '8bit', 'binary', 'base64', 'quoted-printable']);
const CHUNK = 2000;
// Written in blocks small enough that the client parses while the rest is still being made.
const FLUSH_BYTES = 64 * 1024;

/** The bytes of BODY[section] or BINARY[section] (before any partial); URLFETCH uses it too. */
export function sectionBytes(
  item: Pick<SectionItem, 'kind' | 'spec'>,
  raw: Buffer,
  structure: BodyPart | null,
): Buffer {
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
  if (!KNOWN_ENCODINGS.has(part.encoding.toLowerCase()))
    throw no('Unknown Content-Transfer-Encoding', 'UNKNOWN-CTE');
  return decodedPartBody(raw, part);
}

/** Large messages whose content is read ahead of the one being written, bounded in count and bytes. */
const READ_AHEAD = 16;
const READ_AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * Content reads started ahead of rendering, so a FETCH of many large bodies overlaps its file reads
 * instead of paying one open/read/close round trip per message in turn. Small ones are read when
 * their turn comes, with a blocking read that costs less than a thread-pool round trip.
 */
class ContentReader {
  private readonly reads = new Map<number, Promise<Buffer>>();
  private next = 0;
  private bytesAhead = 0;
  constructor(private readonly rows: MessageRow[]) {}

  content(index: number): Promise<Buffer> {
    const wanted = this.rows[index]!;
    if (wanted.size <= SYNC_READ_BYTES) return readBlobOfSize(wanted.blobSha256, wanted.size);
    while (
      this.next < this.rows.length &&
      (this.next <= index || (this.next - index < READ_AHEAD && this.bytesAhead < READ_AHEAD_BYTES))
    ) {
      const row = this.rows[this.next]!;
      if (row.size > SYNC_READ_BYTES) {
        const read = readBlob(row.blobSha256);
        read.catch(() => {}); // awaited (and its error reported) when its turn comes
        this.reads.set(this.next, read);
        this.bytesAhead += row.size;
      }
      this.next++;
    }
    const read = this.reads.get(index)!;
    this.reads.delete(index);
    this.bytesAhead -= wanted.size;
    return read;
  }
}

/** The ENVELOPE of a row, from the process-wide cache or formatted from its JSON and remembered. */
function envelopeBytes(session: ImapSession, row: MessageRow): Buffer {
  let envelope = cachedEnvelope(row.id, session.utf8);
  if (envelope === undefined) {
    envelope = Buffer.from(
      formatEnvelope(JSON.parse(row.envelope) as Envelope, { utf8: session.utf8 }),
      'utf8',
    );
    rememberEnvelope(row.id, session.utf8, envelope);
  }
  return envelope;
}

/**
 * The text of one FETCH response not yet written: items joined by single spaces. An ENVELOPE or a
 * literal takes what is held as the text before its bytes.
 */
class PendingText {
  private text: string;
  private empty = true;
  constructor(seq: number) {
    this.text = `* ${seq} FETCH (`;
  }

  add(item: string): void {
    this.text += this.empty ? item : ` ${item}`;
    this.empty = false;
  }

  /** What is held with `lead` (the start of the next item) added; afterwards nothing is held. */
  take(lead: string): string {
    const text = this.text + (this.empty ? lead : ` ${lead}`);
    this.text = '';
    this.empty = false;
    return text;
  }

  end(): string {
    return `${this.text})\r\n`;
  }
}

/**
 * One message's FETCH response, written straight into `out`. Synchronous (content is read
 * beforehand): a 10,000-message FETCH would otherwise pay two promise turns per message.
 */
function renderMessage(
  out: ResponseWriter,
  session: ImapSession,
  mailbox: SelectedMailbox,
  seq: number,
  row: MessageRow,
  plan: FetchPlan,
  flagsChanged: boolean,
  raw: Buffer | null,
): void {
  const s = plan.simple;
  const utf8 = { utf8: session.utf8 };
  const text = new PendingText(seq);
  if (s.has('UID')) text.add(`UID ${row.uid}`);
  if (s.has('FLAGS') || flagsChanged) text.add(`FLAGS ${mailbox.flagsOf(session, row)}`);
  if (s.has('MODSEQ')) text.add(`MODSEQ (${row.modseq})`);
  if (s.has('INTERNALDATE')) text.add(`INTERNALDATE ${formatInternalDate(row.internalDate)}`);
  if (s.has('RFC822.SIZE')) text.add(`RFC822.SIZE ${row.size}`);
  if (s.has('ENVELOPE')) {
    out.text(text.take('ENVELOPE '));
    out.bytes(envelopeBytes(session, row));
  }
  const structure =
    plan.needsStructure && row.bodyStructure ? (JSON.parse(row.bodyStructure) as BodyPart) : null;
  if (s.has('BODYSTRUCTURE')) text.add(`BODYSTRUCTURE ${formatBodyStructure(structure!, true, utf8)}`);
  if (s.has('BODY')) text.add(`BODY ${formatBodyStructure(structure!, false, utf8)}`);
  if (raw) {
    const literalItem = (name: string, bytes: Buffer, binary = false) =>
      writeLiteral(out, text.take(`${name} `), bytes, binary);
    if (s.has('RFC822.HEADER')) literalItem('RFC822.HEADER', raw.subarray(0, structure!.bodyStart));
    if (s.has('RFC822.TEXT')) literalItem('RFC822.TEXT', raw.subarray(structure!.bodyStart));
    if (s.has('RFC822')) literalItem('RFC822', raw);
    for (const section of plan.sections) {
      let bytes = sectionBytes(section, raw, structure);
      if (section.kind === 'BINARY.SIZE') {
        text.add(`BINARY.SIZE[${section.label}] ${bytes.length}`);
        continue;
      }
      let origin = '';
      if (section.partial) {
        origin = `<${section.partial.start}>`;
        bytes =
          section.partial.start >= bytes.length
            ? Buffer.alloc(0)
            : bytes.subarray(section.partial.start, section.partial.start + section.partial.length);
      }
      literalItem(`${section.kind}[${section.label}]${origin}`, bytes, section.kind === 'BINARY');
    }
  }
  out.text(text.end());
}

async function markSeen(mailbox: SelectedMailbox, rows: MessageRow[]): Promise<Set<number>> {
  const unseen = rows.filter((row) => !row.seen).map((row) => row.uid);
  if (unseen.length === 0) return new Set();
  const result = await updateFlags(mailbox.folderId, unseen, {
    operation: 'add',
    system: { seen: true },
    keywords: [],
  });
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
        const changed =
          modifiers.changedSince === null
            ? null
            : new Set(
                (await flagsChangedSince(mailbox.folderId, modifiers.changedSince)).map((row) => row.uid),
              );
        uids = partialWindow(changed ? uids.filter((uid) => changed.has(uid)) : uids, modifiers.partial);
      }
      if (modifiers.vanished) {
        if (!byUid || !session.enabled.has('QRESYNC')) throw bad('VANISHED needs UID FETCH and QRESYNC');
        const gone = await vanishedSince(mailbox, modifiers.changedSince!, ranges);
        if (gone) session.send(`* VANISHED (EARLIER) ${gone}`);
      }
      const output = new ResponseWriter(session, FLUSH_BYTES);
      for (let i = 0; i < uids.length; i += CHUNK) {
        let rows = await readMessages(mailbox.folderId, uids.slice(i, i + CHUNK), {
          envelope: false,
          structure: plan.needsStructure,
          content: plan.needsContent,
          internalDate: plan.simple.has('INTERNALDATE'),
          modseq: plan.simple.has('MODSEQ') || modifiers.changedSince !== null,
        });
        if (plan.needsEnvelope) {
          const missing = rows.filter((row) => cachedEnvelope(row.id, session.utf8) === undefined);
          const envelopes = missing.length
            ? await readEnvelopes(missing.map((row) => row.id))
            : new Map<number, string>();
          for (const row of missing) row.envelope = envelopes.get(row.id) ?? '{}';
        }
        if (modifiers.changedSince !== null)
          rows = rows.filter((row) => row.modseq > modifiers.changedSince!);
        const changed =
          plan.setsSeen && !mailbox.readOnly ? await markSeen(mailbox, rows) : new Set<number>();
        if (plan.simple.has('FLAGS'))
          mailbox.announceKeywords(
            session,
            rows.map((row) => row.keywords),
          );
        rows = rows.filter((row) => mailbox.seqOf(row.uid) !== 0);
        const reader = plan.needsContent ? new ContentReader(rows) : null;
        for (const [index, row] of rows.entries()) {
          const raw = reader ? await reader.content(index) : null;
          renderMessage(
            output,
            session,
            mailbox,
            mailbox.seqOf(row.uid),
            row,
            plan,
            changed.has(row.uid),
            raw,
          );
          if (output.full) await output.flush();
        }
      }
      await output.flush();
    },
  };
}

export const FETCH = fetchCommand(false);
export const UID_FETCH = fetchCommand(true);
