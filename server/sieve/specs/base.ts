// RFC 5228: the base commands and tests, plus envelope (5.4) and fileinto (4.1).
import type { Spec } from './types';
import { literal } from './types';
import { ADDRESS_HEADERS, isValidAddress } from '../address';

export const BASE_SPECS: Record<string, Spec> = {
  require: { kind: 'command', args: ['strings'] },
  stop: { kind: 'command', args: [] },
  keep: { kind: 'command', args: [], tags: { flags: { arg: 'strings', ext: 'imap4flags' } } },
  discard: { kind: 'command', args: [] },
  fileinto: {
    kind: 'command',
    ext: 'fileinto',
    args: ['string'],
    tags: {
      copy: { ext: 'copy' },
      flags: { arg: 'strings', ext: 'imap4flags' },
      create: { ext: 'mailbox' },
    },
    check(node, ctx) {
      const mailbox = (node.args[0] as string[])[0];
      if (literal(mailbox, ctx) && !validMailboxName(mailbox)) ctx.error(`invalid mailbox name '${mailbox}'`);
    },
  },
  redirect: {
    kind: 'command',
    args: ['string'],
    tags: { copy: { ext: 'copy' } },
    check(node, ctx) {
      const address = (node.args[0] as string[])[0];
      if (literal(address, ctx) && !isValidAddress(address))
        ctx.error(`invalid redirect address '${address}'`);
    },
  },

  true: { kind: 'test', args: [] },
  false: { kind: 'test', args: [] },
  not: { kind: 'test', args: [], tests: 'one' },
  allof: { kind: 'test', args: [], tests: 'list' },
  anyof: { kind: 'test', args: [], tests: 'list' },
  exists: { kind: 'test', args: ['strings'] },
  size: {
    kind: 'test',
    args: ['number'],
    tags: { over: { group: 'size' }, under: { group: 'size' } },
    check(node, ctx) {
      if (!node.tags.over && !node.tags.under) ctx.error('size needs :over or :under');
    },
  },
  header: { kind: 'test', args: ['strings', 'strings'], match: true, index: true },
  address: {
    kind: 'test',
    args: ['strings', 'strings'],
    match: true,
    addressPart: true,
    index: true,
    check(node, ctx) {
      for (const name of node.args[0] as string[]) {
        if (literal(name, ctx) && !ADDRESS_HEADERS.has(name.toLowerCase()))
          ctx.error(`'${name}' is not an address header`);
      }
    },
  },
  envelope: {
    kind: 'test',
    ext: 'envelope',
    args: ['strings', 'strings'],
    match: true,
    addressPart: true,
    check(node, ctx) {
      for (const part of node.args[0] as string[]) {
        if (literal(part, ctx) && !['from', 'to', 'auth'].includes(part.toLowerCase())) {
          ctx.error(`unknown envelope part '${part}'`);
        }
      }
    },
  },
};

/** RFC 3501 mailbox names as Postroom stores them: non-empty, no control characters, sane hierarchy. */
export function validMailboxName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  if (/[\x00-\x1f\x7f]/.test(name)) return false;
  return !name.split('/').some((part) => part === '');
}
