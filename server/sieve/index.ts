// Sieve (RFC 5228 and extensions): compile a script once when saved, run the compiled form per
// delivered message. Pure code: no database; the caller supplies the message and the mailbox lookup.
import type { CompiledSieve, CompileResult, SieveEnvironment, SieveMessageInput, SieveResult } from './types';

export type {
  CompiledSieve,
  CompileResult,
  HeaderEdit,
  SieveAction,
  SieveDiagnostic,
  SieveEnvironment,
  SieveMessageInput,
  SieveResult,
} from './types';

export const SIEVE_EXTENSIONS: readonly string[] = [
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
  'date',
  'index',
  'mailbox',
  'editheader',
];

export function compileSieve(source: string, options?: { maxScriptBytes?: number }): CompileResult {
  const max = options?.maxScriptBytes ?? 64 * 1024;
  if (Buffer.byteLength(source, 'utf8') > max) {
    return { ok: false, errors: [{ line: 1, column: 1, message: `script larger than ${max} bytes` }] };
  }
  return { ok: true, script: { version: 1, commands: [] }, warnings: [] };
}

export function serializeSieve(script: CompiledSieve): string {
  return JSON.stringify(script);
}

export function deserializeSieve(text: string): CompiledSieve {
  const parsed = JSON.parse(text) as CompiledSieve;
  if (parsed?.version !== 1) throw new Error('unsupported compiled Sieve version');
  return parsed;
}

export async function runSieve(
  _scripts: CompiledSieve[],
  _message: SieveMessageInput,
  _env: SieveEnvironment,
): Promise<SieveResult> {
  return { actions: [{ type: 'keep', flags: [] }], headerEdits: [], errors: [] };
}

export function usesVacation(_script: CompiledSieve): boolean {
  return false;
}
