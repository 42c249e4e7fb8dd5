// Meaning checks (RFC 5228 section 8.3 and the extensions): known commands and tests, required
// extensions, argument types, exclusive tags. Produces the normalised tree the interpreter runs.
import type {
  AddressPart,
  ArgValue,
  Comparator,
  CompiledScript,
  MatchType,
  Node,
  Relation,
  TagValue,
} from './compiled';
import type { Argument, CommandNode, TestNode } from './parser';
import { decodeEncodedCharacters, EncodedCharacterError } from './encoded';
import { BASE_SPECS } from './specs/base';
import { EXTENSION_SPECS } from './specs/extensions';
import type { ArgType, CheckContext, Spec, TagSpec } from './specs/types';
import type { SieveDiagnostic } from './types';
import { MAX_VARIABLES, referenceProblem } from './variables';

export const SUPPORTED_EXTENSIONS = [
  'fileinto',
  'envelope',
  'imap4flags',
  'variables',
  'vacation',
  'vacation-seconds',
  'body',
  'copy',
  'reject',
  'ereject',
  'relational',
  'comparator-i;ascii-numeric',
  'comparator-i;octet',
  'comparator-i;ascii-casemap',
  'date',
  'index',
  'mailbox',
  'editheader',
  'encoded-character',
] as const;

const SPECS: Record<string, Spec> = { ...BASE_SPECS, ...EXTENSION_SPECS };
/** Extensions whose presence implies another (RFC 5230 vacation-seconds). */
const IMPLIES: Record<string, string[]> = { 'vacation-seconds': ['vacation'] };

const MATCH_TAGS: Record<string, TagSpec> = {
  is: { group: 'match' },
  contains: { group: 'match' },
  matches: { group: 'match' },
  count: { arg: 'string', ext: 'relational', group: 'match' },
  value: { arg: 'string', ext: 'relational', group: 'match' },
  comparator: { arg: 'string' },
};
const ADDRESS_TAGS: Record<string, TagSpec> = {
  all: { group: 'address-part' },
  localpart: { group: 'address-part' },
  domain: { group: 'address-part' },
};
const INDEX_TAGS: Record<string, TagSpec> = {
  index: { arg: 'number', ext: 'index' },
  last: { ext: 'index' },
};
const RELATIONS = new Set(['gt', 'ge', 'lt', 'le', 'eq', 'ne']);
const ACTIONS_THAT_DELIVER = new Set(['keep', 'fileinto', 'redirect', 'vacation']);

export function validate(commands: CommandNode[]): {
  script: CompiledScript;
  errors: SieveDiagnostic[];
  warnings: SieveDiagnostic[];
} {
  const errors: SieveDiagnostic[] = [];
  const warnings: SieveDiagnostic[] = [];
  const extensions = new Set<string>();
  const flags = { readsBody: false, usesVacation: false };
  const assigned = new Set<string>();
  let index = 0;

  // RFC 5228 3.2: require comes before any other command.
  for (; index < commands.length && commands[index].name === 'require'; index++) {
    const node = commands[index];
    const arg = node.args[0];
    if (node.args.length !== 1 || arg.kind !== 'strings' || node.tests.length > 0 || node.block) {
      errors.push(at(node, 'require needs one string list'));
      continue;
    }
    for (const name of arg.values) {
      const lower = name.toLowerCase();
      if (!(SUPPORTED_EXTENSIONS as readonly string[]).includes(lower)) {
        errors.push(at(node, `unsupported extension '${name}'`));
        continue;
      }
      extensions.add(lower);
      for (const implied of IMPLIES[lower] ?? []) extensions.add(implied);
    }
  }

  if (extensions.has('encoded-character')) decodeStrings(commands.slice(index), errors);
  const compiled = compileBlock(commands.slice(index));
  return {
    script: {
      version: 1,
      extensions: [...extensions].sort(),
      commands: compiled,
      readsBody: flags.readsBody,
      usesVacation: flags.usesVacation,
    },
    errors,
    warnings,
  };

  function compileBlock(block: CommandNode[]): Node[] {
    const out: Node[] = [];
    for (let i = 0; i < block.length; i++) {
      const node = block[i];
      if (node.name === 'if') {
        const branches: NonNullable<Node['branches']> = [
          { test: ifTest(node), block: compileBlock(node.block ?? []) },
        ];
        requireBlock(node);
        while (i + 1 < block.length && (block[i + 1].name === 'elsif' || block[i + 1].name === 'else')) {
          const next = block[++i];
          requireBlock(next);
          if (next.name === 'elsif')
            branches.push({ test: ifTest(next), block: compileBlock(next.block ?? []) });
          else {
            if (next.args.length || next.tests.length) errors.push(at(next, 'else takes no arguments'));
            branches.push({ test: null, block: compileBlock(next.block ?? []) });
            break;
          }
        }
        out.push({ name: 'if', line: node.line, tags: {}, args: [], branches });
        continue;
      }
      if (node.name === 'elsif' || node.name === 'else') {
        errors.push(at(node, `${node.name} without a preceding if`));
        continue;
      }
      if (node.name === 'require') {
        errors.push(at(node, 'require must come before any other command'));
        continue;
      }
      const spec = SPECS[node.name];
      if (!spec || spec.kind !== 'command') {
        errors.push(
          at(node, spec ? `'${node.name}' is a test, not a command` : `unknown command '${node.name}'`),
        );
        continue;
      }
      if (node.block) errors.push(at(node, `'${node.name}' takes no block`));
      const compiled = compileNode(node, spec);
      if (compiled) out.push(compiled);
    }
    checkConflicts(block, errors);
    return out;
  }

  function requireBlock(node: CommandNode): void {
    if (!node.block) errors.push(at(node, `${node.name} needs a block`));
  }

  function ifTest(node: CommandNode): Node | null {
    if (node.args.length) errors.push(at(node, `${node.name} takes no arguments besides its test`));
    if (node.tests.length !== 1 || node.testList) {
      errors.push(at(node, `${node.name} needs exactly one test`));
      return null;
    }
    return compileTest(node.tests[0]);
  }

  function compileTest(node: TestNode): Node | null {
    const spec = SPECS[node.name];
    if (!spec || spec.kind !== 'test') {
      errors.push(at(node, spec ? `'${node.name}' is a command, not a test` : `unknown test '${node.name}'`));
      return null;
    }
    return compileNode(node, spec);
  }

  function compileNode(node: TestNode, spec: Spec): Node | null {
    const before = errors.length;
    const error = (message: string) => errors.push(at(node, message));
    const needs = Array.isArray(spec.ext) ? spec.ext : spec.ext ? [spec.ext] : [];
    if (needs.length && !needs.some((ext) => extensions.has(ext))) {
      error(`'${node.name}' needs require "${needs[0]}"`);
    }
    const tagSpecs: Record<string, TagSpec> = {
      ...(spec.match ? MATCH_TAGS : {}),
      ...(spec.addressPart ? ADDRESS_TAGS : {}),
      ...(spec.index ? INDEX_TAGS : {}),
      ...spec.tags,
    };

    const tags: Record<string, TagValue> = {};
    const groups = new Map<string, string>();
    const args = node.args;
    let i = 0;
    for (; i < args.length && args[i].kind === 'tag'; i++) {
      const tagArg = args[i] as Extract<Argument, { kind: 'tag' }>;
      const name = tagArg.name;
      const tagSpec = tagSpecs[name];
      if (!tagSpec) {
        errors.push(at(tagArg, `unknown tag ':${name}' for '${node.name}'`));
        continue;
      }
      if (tagSpec.ext && !extensions.has(tagSpec.ext))
        errors.push(at(tagArg, `':${name}' needs require "${tagSpec.ext}"`));
      if (name in tags) errors.push(at(tagArg, `':${name}' given twice`));
      if (tagSpec.group) {
        const other = groups.get(tagSpec.group);
        if (other) errors.push(at(tagArg, `':${name}' cannot be combined with ':${other}'`));
        groups.set(tagSpec.group, name);
      }
      if (!tagSpec.arg) {
        tags[name] = true;
        continue;
      }
      const value = args[i + 1];
      if (!value || !fits(value, tagSpec.arg)) {
        errors.push(at(tagArg, `':${name}' needs ${describeType(tagSpec.arg)}`));
        continue;
      }
      i++;
      tags[name] = argumentValue(value);
    }

    const positional = args.slice(i);
    let types = spec.args;
    if (positional.length === types.length - 1 && spec.optional) {
      types = spec.optional === 'first' ? types.slice(1) : types.slice(0, -1);
    }
    if (positional.some((arg) => arg.kind === 'tag')) {
      error(`tags must come before the other arguments of '${node.name}'`);
    } else if (positional.length !== types.length) {
      error(`'${node.name}' takes ${spec.args.length} argument(s), found ${positional.length}`);
    } else {
      positional.forEach((arg, n) => {
        if (!fits(arg, types[n]))
          errors.push(at(arg, `argument ${n + 1} of '${node.name}' must be ${describeType(types[n])}`));
      });
    }

    const tests: Node[] = [];
    if (spec.tests === 'one' && (node.tests.length !== 1 || node.testList))
      error(`'${node.name}' needs one test`);
    else if (spec.tests === 'list' && !node.testList) error(`'${node.name}' needs a test list`);
    else if (!spec.tests && node.tests.length) error(`'${node.name}' takes no test`);
    else for (const test of node.tests) tests.push(compileTest(test) as Node);

    const compiled: Node = { name: node.name, line: node.line, tags, args: positional.map(argumentValue) };
    if (spec.tests) compiled.tests = tests;
    if (spec.match) compiled.match = matchSpec(tags, error);
    if (spec.addressPart)
      compiled.addressPart = (groups.get('address-part') as AddressPart | undefined) ?? 'all';
    if (spec.index && tags.last && !('index' in tags)) error(':last needs :index');
    if (typeof tags.index === 'number' && tags.index < 1) error(':index counts from 1');
    if (extensions.has('variables')) {
      const strings = [...compiled.args, ...Object.values(tags)].filter(Array.isArray).flat();
      for (const text of strings) {
        const problem = referenceProblem(text);
        if (problem) error(problem);
      }
      if (node.name === 'set' && Array.isArray(compiled.args[0])) {
        assigned.add(compiled.args[0][0].toLowerCase());
        if (assigned.size > MAX_VARIABLES) error(`more than ${MAX_VARIABLES} variables`);
      }
    }
    if (errors.length === before && spec.check) {
      const ctx: CheckContext = {
        variables: extensions.has('variables'),
        error,
        warn: (message) => warnings.push(at(node, message)),
      };
      spec.check(compiled, ctx);
    }
    if (node.name === 'body') flags.readsBody = true;
    if (node.name === 'vacation') flags.usesVacation = true;
    return errors.length === before ? compiled : null;
  }

  function matchSpec(tags: Record<string, TagValue>, error: (message: string) => void): Node['match'] {
    const type =
      (['is', 'contains', 'matches', 'count', 'value'] as MatchType[]).find((t) => t in tags) ?? 'is';
    const comparatorName = (
      (tags.comparator as string[] | undefined)?.[0] ?? 'i;ascii-casemap'
    ).toLowerCase();
    if (!['i;octet', 'i;ascii-casemap', 'i;ascii-numeric'].includes(comparatorName)) {
      error(`unknown comparator '${comparatorName}'`);
    } else if (comparatorName === 'i;ascii-numeric' && !extensions.has('comparator-i;ascii-numeric')) {
      error(`comparator 'i;ascii-numeric' needs require "comparator-i;ascii-numeric"`);
    }
    if (comparatorName === 'i;ascii-numeric' && (type === 'contains' || type === 'matches')) {
      error(`comparator 'i;ascii-numeric' cannot do :${type}`);
    }
    const spec: NonNullable<Node['match']> = { type, comparator: comparatorName as Comparator };
    if (type === 'count' || type === 'value') {
      const relation = (tags[type] as string[])[0].toLowerCase();
      if (!RELATIONS.has(relation)) error(`unknown relational operator '${relation}'`);
      spec.relation = relation as Relation;
    }
    return spec;
  }
}

/** Decodes encoded characters in every string literal of the tree, in place. */
function decodeStrings(nodes: TestNode[], errors: SieveDiagnostic[]): void {
  for (const node of nodes) {
    for (const arg of node.args) {
      if (arg.kind !== 'strings') continue;
      try {
        arg.values = arg.values.map(decodeEncodedCharacters);
      } catch (error) {
        if (!(error instanceof EncodedCharacterError)) throw error;
        errors.push(at(arg, error.message));
      }
    }
    decodeStrings(node.tests, errors);
    const block = (node as CommandNode).block;
    if (block) decodeStrings(block, errors);
  }
}

/**
 * RFC 5429 2.1-2.2: reject is incompatible with vacation and (as Postroom decides) with actions that
 * deliver. Refused at compile time when both run unconditionally in the same block; other
 * combinations are caught at run time.
 */
function checkConflicts(block: CommandNode[], errors: SieveDiagnostic[]): void {
  const rejects = block.filter((node) => node.name === 'reject' || node.name === 'ereject');
  if (rejects.length > 1) errors.push(at(rejects[1], 'only one reject per script'));
  if (rejects.length === 0) return;
  const delivering = block.find((node) => ACTIONS_THAT_DELIVER.has(node.name));
  if (delivering) errors.push(at(delivering, `'${delivering.name}' conflicts with '${rejects[0].name}'`));
}

function fits(arg: Argument, type: ArgType): boolean {
  if (type === 'number') return arg.kind === 'number';
  if (arg.kind !== 'strings') return false;
  return type === 'strings' || (!arg.list && arg.values.length === 1);
}

function argumentValue(arg: Argument): ArgValue {
  if (arg.kind === 'number') return arg.value;
  if (arg.kind === 'strings') return arg.values;
  return [];
}

function describeType(type: ArgType): string {
  return type === 'number' ? 'a number' : type === 'string' ? 'a string' : 'a string list';
}

function at(position: { line: number; column: number }, message: string): SieveDiagnostic {
  return { line: position.line, column: position.column, message };
}
