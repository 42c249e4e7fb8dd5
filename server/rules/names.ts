// Sieve script names (RFC 5804 section 1.6): UTF-8 without control characters, line or paragraph
// separators; we keep them to 128 characters (the column) and refuse an empty one.
import { FieldError } from '../domain/errors';

export const MAX_SCRIPT_NAME_CHARS = 128;

// C0 and C1 controls, DEL, LINE SEPARATOR and PARAGRAPH SEPARATOR.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The name as stored, or a FieldError('name') saying what is wrong with it. */
export function checkScriptName(name: string): string {
  if (name.length === 0) throw new FieldError('name', 'a script needs a name');
  if ([...name].length > MAX_SCRIPT_NAME_CHARS)
    throw new FieldError('name', `at most ${MAX_SCRIPT_NAME_CHARS} characters`);
  if (FORBIDDEN.test(name)) throw new FieldError('name', 'no control characters or line breaks');
  if (name.includes('\ufffd')) throw new FieldError('name', 'not valid UTF-8');
  return name.normalize('NFC');
}
