// Shared helpers of the Sieve unit tests: messages from text, compile-or-fail, run, and the tally of
// cases derived from Pigeonhole's testsuite (each test file prints its count when it ends).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import {
  type CompiledSieve,
  compileSieve,
  runSieve,
  type SieveDiagnostic,
  type SieveEnvironment,
  type SieveMessageInput,
  type SieveResult,
} from '../../server/sieve/index';

export interface MessageOptions {
  envelopeFrom?: string;
  envelopeTo?: string;
  user?: string;
  userAddresses?: string[];
  receivedAt?: Date;
}

/** A message from text with "\n" line ends (turned into CRLF), served in small chunks like a spool file. */
export function message(text: string, options: MessageOptions = {}): SieveMessageInput {
  const raw = Buffer.from(text.replace(/\r?\n/g, '\r\n'));
  return {
    open: () => Readable.from(chunks(raw, 64)),
    size: raw.length,
    envelopeFrom: options.envelopeFrom ?? 'sender@example.net',
    envelopeTo: options.envelopeTo ?? 'user@example.org',
    user: options.user ?? 'user@example.org',
    userAddresses: options.userAddresses ?? [],
    receivedAt: options.receivedAt ?? new Date('2026-12-07T10:00:00Z'),
  };
}

function* chunks(raw: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < raw.length; at += size) yield raw.subarray(at, at + size);
}

export function compileOk(source: string): CompiledSieve {
  const result = compileSieve(source);
  if (!result.ok) assert.fail(`compile failed: ${JSON.stringify(result.errors)}\n${source}`);
  return result.script;
}

export function compileErrors(source: string): SieveDiagnostic[] {
  const result = compileSieve(source);
  assert.equal(result.ok, false, `expected a compile error:\n${source}`);
  return result.ok ? [] : result.errors;
}

export function env(mailboxes: string[] = ['INBOX'], limits?: SieveEnvironment['limits']): SieveEnvironment {
  const known = new Set(mailboxes);
  return { mailboxExists: async (name) => known.has(name), limits };
}

export async function run(
  source: string,
  msg: SieveMessageInput,
  environment: SieveEnvironment = env(),
): Promise<SieveResult> {
  return runSieve([compileOk(source)], msg, environment);
}

/** Whether a test expression holds for a message (with the given extensions required). */
export async function holds(
  requires: string[],
  expression: string,
  msg: SieveMessageInput,
): Promise<boolean> {
  const head = requires.length ? `require ${JSON.stringify(requires)};\n` : '';
  const result = await run(`${head}if ${expression} { discard; }`, msg);
  assert.deepEqual(result.errors, []);
  return result.actions.some((action) => action.type === 'discard');
}

const tally = { covered: 0, passed: 0 };
let reported = false;

/** A test derived from one Pigeonhole case (file and case name), counted in the file's tally. */
export function pigeonhole(reference: string, body: () => Promise<void> | void): void {
  tally.covered++;
  test(`pigeonhole ${reference}`, async () => {
    await body();
    tally.passed++;
  });
  if (!reported) {
    reported = true;
    after(() => {
      console.log(`Pigeonhole cases: ${tally.covered} covered, ${tally.passed} passing`);
    });
  }
}
