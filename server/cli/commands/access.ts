import { addAccessRule, listAccessRules, removeAccessRule } from '../../domain';
import { findRule } from '../../policy/access';
import { printTable } from '../io';
import { expectArgs, UsageError, type CommandGroup } from '../command';
import { ensureMigrated } from './system';

export const accessCommand: CommandGroup = {
  add: {
    usage:
      'add PATTERN ACTION [--scope connect|sender|recipient|any] [--message TEXT] [--note TEXT] [--position N]',
    options: {
      scope: { type: 'string' },
      message: { type: 'string' },
      note: { type: 'string' },
      position: { type: 'string' },
    },
    async run(args, options) {
      // qmail's tcp.smtp form carries its action inside the pattern: `127.0.0.1:allow,RELAYCLIENT=""`.
      if (args.length === 1 && /:(allow|deny)/.test(args[0]!)) args = [args[0]!, ''];
      expectArgs(args, 2, 'access add PATTERN ACTION [--scope ...] [--message ...]');
      await ensureMigrated();
      const position = options.position === undefined ? undefined : Number(options.position);
      if (position !== undefined && !Number.isInteger(position))
        throw new UsageError('--position must be a whole number');
      const rule = await addAccessRule({
        pattern: args[0]!,
        action: args[1]!,
        scope: options.scope as string | undefined,
        message: options.message as string | undefined,
        note: options.note as string | undefined,
        position,
      });
      console.log(
        `added rule ${rule.id}: ${rule.scope} ${rule.pattern} ${rule.action}${rule.message ? ` "${rule.message}"` : ''}`,
      );
    },
  },
  list: {
    usage: 'list',
    async run(args) {
      expectArgs(args, 0, 'access list');
      await ensureMigrated();
      const rules = await listAccessRules();
      printTable(
        rules.map((r) => ({
          id: r.id,
          position: r.position,
          scope: r.scope,
          pattern: r.pattern,
          action: r.action,
          message: r.message ?? '',
          note: r.note ?? '',
        })),
      );
    },
  },
  remove: {
    usage: 'remove ID',
    async run(args) {
      expectArgs(args, 1, 'access remove ID');
      const id = Number(args[0]);
      if (!Number.isInteger(id)) throw new UsageError('ID must be a rule number (see postroom access list)');
      await ensureMigrated();
      await removeAccessRule(id);
      console.log(`removed rule ${id}`);
    },
  },
  check: {
    usage:
      'check (--ip IP [--hostname HOST] | --sender ADDRESS | --recipient ADDRESS)  shows which rule decides',
    options: {
      ip: { type: 'string' },
      hostname: { type: 'string' },
      sender: { type: 'string' },
      recipient: { type: 'string' },
    },
    async run(args, options) {
      expectArgs(args, 0, 'access check --ip IP | --sender ADDRESS | --recipient ADDRESS');
      await ensureMigrated();
      const rules = await listAccessRules();
      const subject = options.ip
        ? {
            scope: 'connect' as const,
            ip: String(options.ip),
            hostname: options.hostname as string | undefined,
          }
        : options.sender !== undefined
          ? { scope: 'sender' as const, address: String(options.sender) }
          : options.recipient !== undefined
            ? { scope: 'recipient' as const, address: String(options.recipient) }
            : null;
      if (!subject) throw new UsageError('give --ip, --sender or --recipient');
      const rule = findRule(rules, subject);
      console.log(
        rule
          ? `rule ${rule.id} decides: ${rule.pattern} ${rule.action}${rule.message ? ` "${rule.message}"` : ''}`
          : 'no rule matches',
      );
    },
  },
};
