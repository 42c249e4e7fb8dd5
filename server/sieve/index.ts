// Sieve (RFC 5228 and extensions): compile a script once when saved, run the compiled form per
// delivered message. Pure code: no database; the caller supplies the message and the mailbox lookup.
import type { CompiledScript } from './compiled';
import { runScripts } from './interpret';
import { SieveSyntaxError } from './lexer';
import { parseSieve } from './parser';
import type { CompiledSieve, CompileResult, SieveEnvironment, SieveMessageInput, SieveResult } from './types';
import { SUPPORTED_EXTENSIONS, validate } from './validate';

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

export const DEFAULT_MAX_SCRIPT_BYTES = 64 * 1024;

/** The capabilities announced (ManageSieve's "SIEVE"); the always-present comparators are left out. */
export const SIEVE_EXTENSIONS: readonly string[] = SUPPORTED_EXTENSIONS.filter(
  (name) => name !== 'comparator-i;octet' && name !== 'comparator-i;ascii-casemap',
);

export function compileSieve(source: string, options?: { maxScriptBytes?: number }): CompileResult {
  const max = options?.maxScriptBytes ?? DEFAULT_MAX_SCRIPT_BYTES;
  if (Buffer.byteLength(source, 'utf8') > max) {
    return { ok: false, errors: [{ line: 1, column: 1, message: `script is larger than ${max} bytes` }] };
  }
  try {
    const { script, errors, warnings } = validate(parseSieve(source));
    if (errors.length) return { ok: false, errors };
    return { ok: true, script: script as unknown as CompiledSieve, warnings };
  } catch (error) {
    if (error instanceof SieveSyntaxError) {
      return { ok: false, errors: [{ line: error.line, column: error.column, message: error.message }] };
    }
    throw error;
  }
}

export function serializeSieve(script: CompiledSieve): string {
  return JSON.stringify(script);
}

export function deserializeSieve(text: string): CompiledSieve {
  const parsed = JSON.parse(text) as CompiledSieve;
  if (parsed?.version !== 1 || !Array.isArray(parsed.commands))
    throw new Error('unsupported compiled Sieve form');
  return parsed;
}

/** Runs scripts in order (an admin's "before" script, then the user's). */
export function runSieve(
  scripts: CompiledSieve[],
  message: SieveMessageInput,
  env: SieveEnvironment,
): Promise<SieveResult> {
  return runScripts(scripts as unknown as CompiledScript[], message, env);
}

/** Whether a compiled script contains a vacation action (for the console's indicator). */
export function usesVacation(script: CompiledSieve): boolean {
  return (script as unknown as CompiledScript).usesVacation === true;
}
