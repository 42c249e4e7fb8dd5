// Evaluating tests (RFC 5228 section 5 and the extensions' tests).
import { addressPart, headerAddresses, parseEnvelopePath } from './address';
import { type BodyTransform, bodyTexts } from './body';
import type { MatchSpec, Node } from './compiled';
import { type RunContext, type ScriptScope, SieveRuntimeError } from './context';
import {
  datePart,
  localOffsetMinutes,
  parseHeaderDate,
  validZone,
  type ZonedDate,
  zoneOffsetMinutes,
} from './date';
import { splitFlags } from './flags';
import { decodedValue, type HeaderField } from './headers';
import { countMatch, matchAny } from './match';

type Strings = string[];

/** Whether a compiled string list refers to variables (remembered: the same lists run per message). */
const listHasReferences = new WeakMap<string[], boolean>();

/** A positional string-list argument with variables expanded (the compiled list itself when none). */
function listOf(node: Node, own: ScriptScope, n: number): string[] {
  const values = node.args[n] as Strings;
  if (!own.variables) return values;
  let refers = listHasReferences.get(values);
  if (refers === undefined) {
    refers = values.some((value) => value.includes('${'));
    listHasReferences.set(values, refers);
  }
  return refers ? values.map(own.text) : values;
}

/** Most tests are synchronous; only mailboxexists waits, so promises are made only when needed. */
type Truth = boolean | Promise<boolean>;

async function settle(
  first: Promise<boolean>,
  rest: Node[],
  run: RunContext,
  own: ScriptScope,
  all: boolean,
): Promise<boolean> {
  if ((await first) !== all) return !all;
  for (const test of rest) if ((await evaluateTest(test, run, own)) !== all) return !all;
  return all;
}

/** allof (all = true) and anyof (all = false), short-circuiting (RFC 5228 5.2-5.3). */
function combine(tests: Node[], run: RunContext, own: ScriptScope, all: boolean): Truth {
  for (let i = 0; i < tests.length; i++) {
    const truth = evaluateTest(tests[i], run, own);
    if (typeof truth !== 'boolean') return settle(truth, tests.slice(i + 1), run, own, all);
    if (truth !== all) return !all;
  }
  return all;
}

export function evaluateTest(node: Node, run: RunContext, own: ScriptScope): Truth {
  if (++run.steps > run.maxSteps) throw new SieveRuntimeError('too many steps for one message', node.line);
  const text = own.text;
  switch (node.name) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'not': {
      const truth = evaluateTest((node.tests as Node[])[0], run, own);
      return typeof truth === 'boolean' ? !truth : truth.then((value) => !value);
    }
    case 'allof':
      return combine(node.tests as Node[], run, own, true);
    case 'anyof':
      return combine(node.tests as Node[], run, own, false);
    case 'exists':
      return listOf(node, own, 0).every((name) => fieldsNamed(run, name.toLowerCase()).length > 0);
    case 'size': {
      const size = run.message.size + run.sizeDelta;
      return node.tags.over ? size > (node.args[0] as number) : size < (node.args[0] as number);
    }
    case 'header':
      return compare(
        node,
        own,
        selectFields(node, run, listOf(node, own, 0)).map(decodedValue),
        listOf(node, own, 1),
      );
    case 'address': {
      const values: string[] = [];
      for (const field of selectFields(node, run, listOf(node, own, 0))) {
        field.addresses ??= headerAddresses(field.raw);
        for (const address of field.addresses) {
          const part = addressPart(address, node.addressPart ?? 'all');
          if (part !== null) values.push(part);
        }
      }
      return compare(node, own, values, listOf(node, own, 1));
    }
    case 'envelope':
      return compare(node, own, envelopeValues(node, run, listOf(node, own, 0)), listOf(node, own, 1));
    case 'string':
      return compare(node, own, listOf(node, own, 0), listOf(node, own, 1), true);
    case 'body':
      // RFC 5173 6: the body test leaves the match variables alone.
      return compare(node, own, bodyView(run, bodyTransform(node, text)), listOf(node, own, 0), false, false);
    case 'hasflag': {
      const names = node.args.length === 2 ? listOf(node, own, 0) : null;
      const flags = names
        ? splitFlags(names.map((name) => own.scope.values.get(name.toLowerCase()) ?? ''))
        : own.flags;
      // RFC 5232 5: the keys are flag lists too ("b A" is two keys); :count/:value keys stay whole.
      const keys = listOf(node, own, node.args.length - 1);
      const relational = node.match?.type === 'count' || node.match?.type === 'value';
      return compare(
        node,
        own,
        flags,
        relational ? keys : keys.flatMap((key) => key.split(/\s+/).filter(Boolean)),
      );
    }
    case 'date':
    case 'currentdate':
      return compare(node, own, dateValues(node, run, text), listOf(node, own, node.args.length - 1));
    case 'mailboxexists':
      return allMailboxesExist(listOf(node, own, 0), run);
    default:
      throw new SieveRuntimeError(`unknown test '${node.name}'`, node.line);
  }
}

async function allMailboxesExist(names: string[], run: RunContext): Promise<boolean> {
  for (const name of names) if (!(await run.env.mailboxExists(name))) return false;
  return true;
}

/** The fields of one name, indexed once per run and again after each header edit. */
export function fieldsNamed(run: RunContext, key: string): HeaderField[] {
  if (!run.fieldIndex) {
    run.fieldIndex = new Map();
    for (const field of run.fields) {
      const list = run.fieldIndex.get(field.key);
      if (list) list.push(field);
      else run.fieldIndex.set(field.key, [field]);
    }
  }
  return run.fieldIndex.get(key) ?? [];
}

/** Matches values against keys, counting for :count and keeping :matches captures (RFC 5229 3.2). */
function compare(
  node: Node,
  own: ScriptScope,
  values: string[],
  keys: string[],
  countNonEmpty = false,
  captures = true,
): boolean {
  const spec = node.match as MatchSpec;
  if (spec.type === 'count') {
    const count = countNonEmpty ? values.filter((v) => v !== '').length : values.length;
    return countMatch(count, keys, spec);
  }
  const outcome = matchAny(values, keys, spec);
  if (outcome.matched && outcome.captures && captures && own.variables) own.scope.captures = outcome.captures;
  return outcome.matched;
}

/** Header fields by name, narrowed by :index/:last (RFC 5260 6). */
export function selectFields(node: Node, run: RunContext, names: string[]): HeaderField[] {
  // The common case (one name, no :index) needs no new list.
  if (names.length === 1 && typeof node.tags.index !== 'number')
    return fieldsNamed(run, names[0].toLowerCase());
  const out: HeaderField[] = [];
  for (const name of names) {
    const key = name.toLowerCase();
    const matching = fieldsNamed(run, key);
    if (typeof node.tags.index === 'number') {
      const n = node.tags.index;
      const pick = node.tags.last ? matching[matching.length - n] : matching[n - 1];
      if (pick) out.push(pick);
    } else out.push(...matching);
  }
  return out;
}

function envelopeValues(node: Node, run: RunContext, parts: string[]): string[] {
  const values: string[] = [];
  for (const part of parts) {
    const lower = part.toLowerCase();
    const given =
      lower === 'from' ? run.message.envelopeFrom : lower === 'to' ? run.message.envelopeTo : null;
    const address = given === null ? null : parseEnvelopePath(given);
    if (address === null) continue;
    // RFC 5228 5.4: the null reverse-path compares as the empty string whatever the part.
    if (address === '') {
      values.push('');
      continue;
    }
    const value = addressPart(address, node.addressPart ?? 'all');
    if (value !== null) values.push(value);
  }
  return values;
}

function bodyView(run: RunContext, transform: BodyTransform): string[] {
  const key = transform.kind === 'content' ? `content:${transform.types.join('\n')}` : transform.kind;
  let texts = run.bodyViews.get(key);
  if (!texts) {
    texts = bodyTexts(run.fields, run.body, transform);
    run.bodyViews.set(key, texts);
  }
  return texts;
}

function bodyTransform(node: Node, text: (value: string) => string): BodyTransform {
  if (node.tags.raw) return { kind: 'raw' };
  if (Array.isArray(node.tags.content)) return { kind: 'content', types: node.tags.content.map(text) };
  return { kind: 'text' };
}

function dateValues(node: Node, run: RunContext, text: (value: string) => string): string[] {
  const part = text((node.args[node.args.length - 2] as Strings)[0]).toLowerCase();
  const zoneTag = Array.isArray(node.tags.zone) ? text(node.tags.zone[0]) : null;
  if (zoneTag !== null && !validZone(zoneTag))
    throw new SieveRuntimeError(`invalid time zone '${zoneTag}'`, node.line);
  const dates: ZonedDate[] = [];
  if (node.name === 'currentdate') {
    const now = run.message.receivedAt;
    dates.push({ utcMs: now.getTime(), offsetMinutes: localOffsetMinutes(now) });
  } else {
    const header = text((node.args[0] as Strings)[0]).toLowerCase();
    const fields = selectFields(node, run, [header]);
    // Without :index the first occurrence counts (RFC 5260 4).
    const chosen = typeof node.tags.index === 'number' ? fields : fields.slice(0, 1);
    for (const field of chosen) {
      const parsed = parseHeaderDate(decodedValue(field), header);
      if (parsed) dates.push(parsed);
    }
  }
  return dates.map((date) => {
    const offsetMinutes =
      zoneTag !== null
        ? zoneOffsetMinutes(zoneTag)
        : node.tags.originalzone
          ? date.offsetMinutes
          : localOffsetMinutes(new Date(date.utcMs));
    return datePart({ utcMs: date.utcMs, offsetMinutes }, part);
  });
}
