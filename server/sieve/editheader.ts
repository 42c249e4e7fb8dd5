// editheader (RFC 5293): addheader and deleteheader change the header later tests see, and are
// recorded (deletions resolved to positions) for the caller to apply to the stored copy.
import type { Node } from './compiled';
import { type RunContext, SieveRuntimeError } from './context';
import { decodedValue, encodeHeaderValue, isProtectedHeader, validFieldName } from './headers';
import { matchAny } from './match';
import { selectFields } from './tests';

/** Whether an edit of this field may go ahead: a bad name is an error, a protected one is skipped. */
function editable(name: string, line: number): boolean {
  if (!validFieldName(name)) throw new SieveRuntimeError(`invalid header field name '${name}'`, line);
  // RFC 5293 5: changes that are not permitted are silently ignored.
  return !isProtectedHeader(name);
}

const fieldBytes = (name: string, raw: string) => Buffer.byteLength(`${name}: ${raw}\r\n`);

/** RFC 5293 4: adds at the top (or the end with :last); later tests see it. */
export function addHeader(node: Node, run: RunContext, name: string, value: string): void {
  if (!editable(name, node.line)) return;
  if (value.includes('\0')) throw new SieveRuntimeError('header value must not contain NUL', node.line);
  // Folded input is unfolded; other line breaks become spaces (the caller folds when writing).
  const unfolded = value
    .replace(/\r?\n(?=[ \t])/g, '')
    .replace(/\r?\n/g, ' ')
    .trimEnd();
  const last = node.tags.last === true;
  const encoded = encodeHeaderValue(unfolded);
  const field = { key: name.toLowerCase(), name, raw: encoded, decoded: unfolded };
  if (last) run.fields.push(field);
  else run.fields.unshift(field);
  run.fieldIndex = null;
  run.sizeDelta += fieldBytes(name, encoded);
  run.headerEdits.push({ op: 'add', name, value: encoded, last });
}

/**
 * RFC 5293 5: deletes matching occurrences. Each deletion is handed on resolved: `index` is the
 * 1-based position among the fields of that name at that moment, so the caller needs no matching.
 */
export function deleteHeader(node: Node, run: RunContext, name: string, patterns: string[] | null): void {
  if (!editable(name, node.line)) return;
  const key = name.toLowerCase();
  const candidates = selectFields(node, run, [name]);
  const doomed = candidates.filter(
    (field) =>
      patterns === null ||
      matchAny([decodedValue(field)], patterns, node.match ?? { type: 'is', comparator: 'i;ascii-casemap' })
        .matched,
  );
  // From the bottom up so the positions of the ones still to delete do not shift.
  for (const field of [...doomed].reverse()) {
    const sameName = run.fields.filter((f) => f.key === key);
    const position = sameName.indexOf(field) + 1;
    run.fields.splice(run.fields.indexOf(field), 1);
    run.fieldIndex = null;
    run.sizeDelta -= fieldBytes(field.name, field.raw);
    run.headerEdits.push({ op: 'delete', name, index: position });
  }
}
