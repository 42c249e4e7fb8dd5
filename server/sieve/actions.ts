// Recording actions as a script runs (conflicts, limits, duplicates) and turning the record into
// the result delivery acts on (RFC 5228 4 and 2.10.2-2.10.3, RFC 5429 2, RFC 3894).
import type { Recorded, RunContext } from './context';
import { MAX_ACTIONS, SieveRuntimeError } from './context';
import type { SieveAction } from './types';

const isInbox = (mailbox: string) => mailbox.toUpperCase() === 'INBOX';
const DELIVERING = new Set(['keep', 'fileinto', 'redirect', 'vacation']);

export function record(run: RunContext, action: Recorded, line: number): void {
  if (run.actions.length >= MAX_ACTIONS)
    throw new SieveRuntimeError(`more than ${MAX_ACTIONS} actions`, line);
  const rejected = run.actions.find((a) => a.type === 'reject');
  if (action.type === 'reject') {
    if (rejected) throw new SieveRuntimeError('only one reject per message', line);
    const delivering = run.actions.find((a) => DELIVERING.has(a.type));
    if (delivering) throw new SieveRuntimeError(`reject conflicts with the earlier ${delivering.type}`, line);
  } else if (rejected && DELIVERING.has(action.type)) {
    throw new SieveRuntimeError(
      `${action.type} conflicts with the earlier ${rejected.extended ? 'ereject' : 'reject'}`,
      line,
    );
  }

  switch (action.type) {
    case 'keep':
    case 'fileinto': {
      const mailbox = action.type === 'keep' ? 'INBOX' : action.mailbox;
      // Storing twice in one mailbox is one store (RFC 5228 2.10.3); the last flags win (RFC 5232 3).
      const same = run.actions.find(
        (a) =>
          (a.type === 'keep' && isInbox(mailbox)) ||
          (a.type === 'fileinto' && (a.mailbox === mailbox || (isInbox(a.mailbox) && isInbox(mailbox)))),
      ) as Extract<Recorded, { type: 'keep' | 'fileinto' }> | undefined;
      if (action.type === 'keep' || !action.copy) run.implicitKeep = false;
      if (same) {
        same.flags = action.flags;
        if (same.type === 'fileinto' && action.type === 'fileinto') same.create ||= action.create;
        return;
      }
      run.actions.push(action);
      return;
    }
    case 'redirect': {
      if (!action.copy) run.implicitKeep = false;
      const address = action.address.toLowerCase();
      if (run.actions.some((a) => a.type === 'redirect' && a.address.toLowerCase() === address)) return;
      const count = run.actions.filter((a) => a.type === 'redirect').length;
      if (count >= run.maxRedirects)
        throw new SieveRuntimeError(`number of redirects exceeds the limit of ${run.maxRedirects}`, line);
      run.actions.push(action);
      return;
    }
    case 'discard':
      run.implicitKeep = false;
      if (!run.actions.some((a) => a.type === 'discard')) run.actions.push(action);
      return;
    case 'reject':
      run.implicitKeep = false;
      run.actions.push(action);
      return;
    case 'vacation':
      run.actions.push(action);
      return;
  }
}

/** The final list: implicit keep added, bookkeeping fields dropped, discard only when nothing stores. */
export function resolve(run: RunContext, implicitFlags: string[]): SieveAction[] {
  const out: SieveAction[] = [];
  let stores = false;
  for (const action of run.actions) {
    if (action.type === 'fileinto') {
      out.push({ type: 'fileinto', mailbox: action.mailbox, flags: action.flags, create: action.create });
      stores = true;
    } else if (action.type === 'redirect') {
      out.push({ type: 'redirect', address: action.address });
      stores = true;
    } else if (action.type === 'keep') {
      out.push(action);
      stores = true;
    } else if (action.type !== 'discard') out.push(action);
  }
  if (run.implicitKeep) {
    const inbox = out.find((a) => a.type === 'keep' || (a.type === 'fileinto' && isInbox(a.mailbox)));
    if (!inbox) out.unshift({ type: 'keep', flags: implicitFlags });
    stores = true;
  }
  if (!stores && run.actions.some((a) => a.type === 'discard') && !out.some((a) => a.type === 'reject')) {
    out.push({ type: 'discard' });
  }
  return out;
}
