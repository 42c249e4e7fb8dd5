// The extensions' commands and tests: reject/ereject (RFC 5429), vacation (RFC 5230, 6131),
// imap4flags (RFC 5232), variables (RFC 5229), body (RFC 5173), date (RFC 5260), mailbox (RFC 5490),
// editheader (RFC 5293).
import { isValidAddress } from '../address';
import { DATE_PARTS, validZone } from '../date';
import { isProtectedHeader, validFieldName } from '../headers';
import { validVariableName } from '../variables';
import type { CheckContext, Spec } from './types';
import { literal } from './types';

const checkVariableNames = (names: string[], ctx: CheckContext) => {
  for (const name of names) if (!validVariableName(name)) ctx.error(`invalid variable name '${name}'`);
};

const flagCommand: Spec = {
  kind: 'command',
  ext: 'imap4flags',
  args: ['string', 'strings'],
  optional: 'first',
  check(node, ctx) {
    if (node.args.length === 2) checkVariableNames(node.args[0] as string[], ctx);
  },
};

const checkDatePart = (part: string, ctx: CheckContext) => {
  if (literal(part, ctx) && !DATE_PARTS.has(part.toLowerCase())) ctx.error(`unknown date part '${part}'`);
};
const checkZone = (zone: true | number | string[] | undefined, ctx: CheckContext) => {
  if (Array.isArray(zone) && literal(zone[0], ctx) && !validZone(zone[0]))
    ctx.error(`invalid time zone '${zone[0]}'`);
};

export const EXTENSION_SPECS: Record<string, Spec> = {
  reject: { kind: 'command', ext: 'reject', args: ['string'] },
  ereject: { kind: 'command', ext: 'ereject', args: ['string'] },

  vacation: {
    kind: 'command',
    ext: 'vacation',
    args: ['string'],
    tags: {
      days: { arg: 'number', group: 'period' },
      seconds: { arg: 'number', ext: 'vacation-seconds', group: 'period' },
      subject: { arg: 'string' },
      from: { arg: 'string' },
      addresses: { arg: 'strings' },
      mime: {},
      handle: { arg: 'string' },
    },
    check(node, ctx) {
      const from = node.tags.from;
      if (Array.isArray(from) && literal(from[0], ctx) && !isValidAddress(from[0]))
        ctx.error(`invalid :from address '${from[0]}'`);
    },
  },

  setflag: flagCommand,
  addflag: flagCommand,
  removeflag: flagCommand,
  hasflag: {
    kind: 'test',
    ext: 'imap4flags',
    args: ['strings', 'strings'],
    optional: 'first',
    match: true,
    check(node, ctx) {
      if (node.args.length === 2) checkVariableNames(node.args[0] as string[], ctx);
    },
  },

  set: {
    kind: 'command',
    ext: 'variables',
    args: ['string', 'string'],
    tags: {
      lower: { group: 'case' },
      upper: { group: 'case' },
      lowerfirst: { group: 'casefirst' },
      upperfirst: { group: 'casefirst' },
      quotewildcard: {},
      length: {},
    },
    check(node, ctx) {
      const name = (node.args[0] as string[])[0];
      if (!validVariableName(name) || /^[0-9]/.test(name)) ctx.error(`invalid variable name '${name}'`);
    },
  },
  string: { kind: 'test', ext: 'variables', args: ['strings', 'strings'], match: true },

  body: {
    kind: 'test',
    ext: 'body',
    args: ['strings'],
    match: true,
    tags: {
      raw: { group: 'transform' },
      content: { arg: 'strings', group: 'transform' },
      text: { group: 'transform' },
    },
  },

  date: {
    kind: 'test',
    ext: 'date',
    args: ['string', 'string', 'strings'],
    match: true,
    index: true,
    tags: { zone: { arg: 'string', group: 'zone' }, originalzone: { group: 'zone' } },
    check(node, ctx) {
      checkDatePart((node.args[1] as string[])[0], ctx);
      checkZone(node.tags.zone, ctx);
    },
  },
  currentdate: {
    kind: 'test',
    ext: 'date',
    args: ['string', 'strings'],
    match: true,
    tags: { zone: { arg: 'string' } },
    check(node, ctx) {
      checkDatePart((node.args[0] as string[])[0], ctx);
      checkZone(node.tags.zone, ctx);
    },
  },

  mailboxexists: { kind: 'test', ext: 'mailbox', args: ['strings'] },

  addheader: {
    kind: 'command',
    ext: 'editheader',
    args: ['string', 'string'],
    tags: { last: {} },
    check(node, ctx) {
      const [name, value] = node.args as string[][];
      checkFieldName(name[0], ctx);
      if (literal(value[0], ctx) && value[0].includes('\0'))
        ctx.error('addheader value must not contain NUL');
    },
  },
  deleteheader: {
    kind: 'command',
    ext: 'editheader',
    args: ['string', 'strings'],
    optional: 'last',
    match: true,
    index: true,
    check(node, ctx) {
      checkFieldName((node.args[0] as string[])[0], ctx);
    },
  },
};

function checkFieldName(name: string, ctx: CheckContext): void {
  if (!literal(name, ctx)) return;
  if (!validFieldName(name)) ctx.error(`invalid header field name '${name}'`);
  // RFC 5293 5: edits of protected fields are silently ignored when run; say so when saved.
  else if (isProtectedHeader(name)) ctx.warn(`header '${name}' is protected: this edit will be ignored`);
}
