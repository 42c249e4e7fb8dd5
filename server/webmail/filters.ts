// The webmail's Filters page on the server: the user's Sieve script as the rule builder sees it
// (server/rules-builder), saved through server/rules (stored only when it compiles) and made
// active. The page edits the active script, or a script named "webmail" when none is active.
import {
  activateSieveScript,
  checkSieveScript,
  getSieveScript,
  listSieveScripts,
  putSieveScript,
} from '../rules';
import type { SieveDiagnostic } from '../sieve';
import { generateSieve, readFilterSet, validateFilterSet, type FilterSet } from '../rules-builder';

export const WEBMAIL_SCRIPT = 'webmail';

export interface FiltersView {
  /** The script the page edits. */
  script: string;
  active: boolean;
  source: string;
  /** The builder's set when the script is the builder's own; null when edited by hand. */
  set: FilterSet | null;
  /** Why the builder cannot show the script, when it cannot. */
  handEdited: string | null;
  /** Other scripts the user keeps (ManageSieve clients can make them). */
  others: { name: string; active: boolean }[];
}

/** A script the compiler refused: its diagnostics, for the editor to point at. */
export class SieveScriptError extends Error {
  constructor(readonly errors: SieveDiagnostic[]) {
    super(
      errors[0]
        ? `line ${errors[0].line}, column ${errors[0].column}: ${errors[0].message}`
        : 'invalid script',
    );
    this.name = 'SieveScriptError';
  }
}

async function editedScript(
  mailboxId: number,
): Promise<{ name: string; active: boolean; all: { name: string; active: boolean }[] }> {
  const all = (await listSieveScripts(mailboxId)).map(({ name, active }) => ({ name, active }));
  const active = all.find((script) => script.active);
  return { name: active?.name ?? WEBMAIL_SCRIPT, active: !!active, all };
}

export async function loadFilters(mailboxId: number): Promise<FiltersView> {
  const { name, active, all } = await editedScript(mailboxId);
  const source = (await getSieveScript(mailboxId, name)) ?? '';
  const readBack = readFilterSet(source);
  return {
    script: name,
    active,
    source,
    set: readBack.builder ? readBack.set : null,
    handEdited: readBack.builder ? null : readBack.reason,
    others: all.filter((script) => script.name !== name),
  };
}

async function store(mailboxId: number, source: string): Promise<FiltersView> {
  const { name } = await editedScript(mailboxId);
  const result = await putSieveScript(mailboxId, name, source);
  if (!result.ok) throw new SieveScriptError(result.errors);
  await activateSieveScript(mailboxId, name);
  return loadFilters(mailboxId);
}

/** Saves the builder's rules and vacation (untrusted JSON: FieldErrors for bad fields). */
export async function saveFilterSet(mailboxId: number, input: unknown): Promise<FiltersView> {
  return store(mailboxId, generateSieve(validateFilterSet(input)));
}

/** Saves a script from the raw editor; SieveScriptError with line and column when it does not compile. */
export async function saveRawScript(mailboxId: number, source: unknown): Promise<FiltersView> {
  return store(mailboxId, typeof source === 'string' ? source : '');
}

/** Checks a script without storing it (FieldError when it is over the size limit). */
export function checkScript(source: unknown): SieveDiagnostic[] {
  const result = checkSieveScript(typeof source === 'string' ? source : '');
  return result.ok ? [] : result.errors;
}

/** Turns the user's filters off (no active script); the scripts are kept. */
export async function turnOffFilters(mailboxId: number): Promise<FiltersView> {
  await activateSieveScript(mailboxId, null);
  return loadFilters(mailboxId);
}
