// Running compiled scripts against one message (RFC 5228 2.10 and the extensions' commands).
import { parseMailbox } from './address';
import { record, resolve } from './actions';
import type { CompiledScript, Node } from './compiled';
import {
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_STEPS,
  type RunContext,
  type ScriptScope,
  SieveRuntimeError,
} from './context';
import { addFlags, removeFlags, splitFlags } from './flags';
import { DEFAULT_MAX_BODY_BYTES, loadMessage } from './message';
import { evaluateTest } from './tests';
import { addHeader, deleteHeader } from './editheader';
import type { SieveEnvironment, SieveMessageInput, SieveResult } from './types';
import { DEFAULT_VACATION_DAYS, MAX_VACATION_SECONDS, defaultHandle, vacationRefusal } from './vacation';
import { MAX_VARIABLES, applyModifiers, expand, limitLength } from './variables';
import { validMailboxName } from './specs/base';

type Strings = string[];

export async function runScripts(
  scripts: CompiledScript[],
  message: SieveMessageInput,
  env: SieveEnvironment,
): Promise<SieveResult> {
  const wantBody = scripts.some((script) => script.readsBody);
  const maxBody = env.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const run: RunContext = {
    message,
    env,
    fields: [],
    fieldIndex: null,
    body: null,
    bodyViews: new Map(),
    actions: [],
    headerEdits: [],
    implicitKeep: true,
    steps: 0,
    sizeDelta: 0,
    maxSteps: env.limits?.maxSteps ?? DEFAULT_MAX_STEPS,
    maxRedirects: env.limits?.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
    vacationSeen: false,
  };
  let flags: string[] = [];
  try {
    const loaded = await loadMessage(message.open(), wantBody, maxBody);
    run.fields = loaded.fields;
    run.body = loaded.body;
    for (const script of scripts) {
      const variables = script.extensions.includes('variables');
      const scope = { values: new Map<string, string>(), captures: [] as string[] };
      const own: ScriptScope = {
        script,
        variables,
        scope,
        flags: [],
        text: variables ? (value) => expand(value, scope) : (value) => value,
      };
      await runBlock(script.commands, run, own);
      flags = own.flags;
      // A later script runs only while the implicit keep stands (as Pigeonhole's sieve_before does).
      if (!run.implicitKeep) break;
    }
  } catch (error) {
    const where = error instanceof SieveRuntimeError ? `line ${error.line}: ` : '';
    return {
      actions: [{ type: 'keep', flags: [] }],
      headerEdits: [],
      errors: [`${where}${error instanceof Error ? error.message : String(error)}`],
    };
  }
  return { actions: resolve(run, flags), headerEdits: run.headerEdits, errors: [] };
}

/** Runs a block; true when `stop` ended the script. */
async function runBlock(block: Node[], run: RunContext, own: ScriptScope): Promise<boolean> {
  for (const node of block) {
    if (++run.steps > run.maxSteps) throw new SieveRuntimeError('too many steps for one message', node.line);
    if (node.name === 'stop') return true;
    if (node.name === 'if') {
      for (const branch of node.branches ?? []) {
        const truth = branch.test === null ? true : evaluateTest(branch.test, run, own);
        if (typeof truth === 'boolean' ? truth : await truth) {
          if (await runBlock(branch.block, run, own)) return true;
          break;
        }
      }
      continue;
    }
    const pending = runCommand(node, run, own);
    if (pending) await pending;
  }
  return false;
}

/** Runs one command; only fileinto may wait (for the mailbox lookup). */
function runCommand(node: Node, run: RunContext, own: ScriptScope): void | Promise<void> {
  const text = own.text;
  const one = (n: number) => text((node.args[n] as Strings)[0]);
  const list = (n: number) => (node.args[n] as Strings).map(text);
  const explicitFlags = () =>
    Array.isArray(node.tags.flags) ? splitFlags(node.tags.flags.map(text)) : [...own.flags];
  switch (node.name) {
    case 'keep':
      return record(run, { type: 'keep', flags: explicitFlags() }, node.line);
    case 'discard':
      return record(run, { type: 'discard' }, node.line);
    case 'fileinto':
      return fileInto(node, run, one(0), explicitFlags());
    case 'redirect': {
      const target = one(0);
      const address = parseMailbox(target);
      if (address === null) throw new SieveRuntimeError(`invalid redirect address '${target}'`, node.line);
      return record(run, { type: 'redirect', address, copy: node.tags.copy === true }, node.line);
    }
    case 'reject':
    case 'ereject':
      return record(run, { type: 'reject', reason: one(0), extended: node.name === 'ereject' }, node.line);
    case 'vacation':
      return vacation(node, run, text);
    case 'set': {
      if (own.scope.values.size >= MAX_VARIABLES && !own.scope.values.has(one(0).toLowerCase())) {
        throw new SieveRuntimeError('too many variables', node.line);
      }
      own.scope.values.set(
        (node.args[0] as Strings)[0].toLowerCase(),
        limitLength(applyModifiers(one(1), node.tags), node.tags.quotewildcard === true),
      );
      return;
    }
    case 'setflag':
    case 'addflag':
    case 'removeflag': {
      const values = list(node.args.length - 1);
      const variable = node.args.length === 2 ? (node.args[0] as Strings)[0].toLowerCase() : null;
      const current = variable ? splitFlags([own.scope.values.get(variable) ?? '']) : own.flags;
      const next =
        node.name === 'setflag'
          ? splitFlags(values)
          : node.name === 'addflag'
            ? addFlags(current, values)
            : removeFlags(current, values);
      if (variable) own.scope.values.set(variable, limitLength(next.join(' ')));
      else own.flags = next;
      return;
    }
    case 'addheader':
      return addHeader(node, run, one(0), one(1));
    case 'deleteheader':
      return deleteHeader(node, run, one(0), node.args.length === 2 ? list(1) : null);
    default:
      throw new SieveRuntimeError(`unknown command '${node.name}'`, node.line);
  }
}

async function fileInto(node: Node, run: RunContext, mailbox: string, flags: string[]): Promise<void> {
  if (!validMailboxName(mailbox)) throw new SieveRuntimeError(`invalid mailbox name '${mailbox}'`, node.line);
  const create = node.tags.create === true;
  if (!create && mailbox.toUpperCase() !== 'INBOX' && !(await run.env.mailboxExists(mailbox))) {
    throw new SieveRuntimeError(`mailbox '${mailbox}' does not exist`, node.line);
  }
  record(run, { type: 'fileinto', mailbox, flags, create, copy: node.tags.copy === true }, node.line);
}

function vacation(node: Node, run: RunContext, text: (value: string) => string): void {
  if (run.vacationSeen) throw new SieveRuntimeError('only one vacation per message', node.line);
  run.vacationSeen = true;
  const tag = (name: string) =>
    Array.isArray(node.tags[name]) ? text((node.tags[name] as Strings)[0]) : undefined;
  const addresses = Array.isArray(node.tags.addresses) ? node.tags.addresses.map(text) : [];
  const own = [run.message.user, ...run.message.userAddresses, ...addresses];
  if (vacationRefusal(run.fields, run.message.envelopeFrom, own)) return;
  const reason = text((node.args[0] as Strings)[0]);
  const subject = tag('subject');
  const from = tag('from');
  const mime = node.tags.mime === true;
  // RFC 5230 4.1: :days below 1 means 1; Postroom also caps the period at 90 days.
  const seconds =
    typeof node.tags.seconds === 'number'
      ? node.tags.seconds
      : Math.max(1, typeof node.tags.days === 'number' ? node.tags.days : DEFAULT_VACATION_DAYS) * 86_400;
  record(
    run,
    {
      type: 'vacation',
      handle: tag('handle') ?? defaultHandle(reason, subject, from, mime),
      seconds: Math.min(seconds, MAX_VACATION_SECONDS),
      ...(subject !== undefined ? { subject } : {}),
      ...(from !== undefined ? { from } : {}),
      reason,
      mime,
      replyTo: run.message.envelopeFrom,
    },
    node.line,
  );
}
