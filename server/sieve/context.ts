// The state of one message's run through the scripts.
import type { CompiledScript } from './compiled';
import type { HeaderField } from './headers';
import type { HeaderEdit, SieveAction, SieveEnvironment, SieveMessageInput } from './types';
import type { VariableScope } from './variables';

export const DEFAULT_MAX_STEPS = 10_000;
export const DEFAULT_MAX_REDIRECTS = 4;
/** More actions than this in one run is an error (a runaway script, not a filter). */
export const MAX_ACTIONS = 32;

export class SieveRuntimeError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** One recorded action, before the implicit keep and merging are applied. */
export type Recorded =
  | Exclude<SieveAction, { type: 'fileinto' | 'redirect' }>
  | ((Extract<SieveAction, { type: 'fileinto' }> | Extract<SieveAction, { type: 'redirect' }>) & {
      copy: boolean;
    });

export interface RunContext {
  message: SieveMessageInput;
  env: SieveEnvironment;
  fields: HeaderField[];
  /** Fields by lower-case name; null when it must be rebuilt (after an edit). */
  fieldIndex: Map<string, HeaderField[]> | null;
  body: Buffer | null;
  /** The body's views already computed in this run, by transform (body tests repeat). */
  bodyViews: Map<string, string[]>;
  actions: Recorded[];
  headerEdits: HeaderEdit[];
  implicitKeep: boolean;
  steps: number;
  /** Bytes added (or removed, negative) by editheader: the size test sees the edited message. */
  sizeDelta: number;
  maxSteps: number;
  maxRedirects: number;
  /** Whether a vacation was decided in this run (one per message, RFC 5230 4.7). */
  vacationSeen: boolean;
}

/** What one script sees besides the shared run: its variables and imap4flags' internal variable. */
export interface ScriptScope {
  script: CompiledScript;
  variables: boolean;
  scope: VariableScope;
  flags: string[];
  /** Expands variables when the script uses them (made once per run, not per test). */
  text: (value: string) => string;
}
