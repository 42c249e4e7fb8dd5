// The public types of the Sieve interpreter (contract: /work/helper-notes/SIEVE-API.md).

export interface SieveDiagnostic {
  line: number;
  column: number;
  message: string;
}

/** The compiled, JSON-serialisable form that delivery runs. */
export type CompiledSieve = { version: 1 } & Record<string, unknown>;

export type CompileResult =
  | { ok: true; script: CompiledSieve; warnings: SieveDiagnostic[] }
  | { ok: false; errors: SieveDiagnostic[] };

export interface SieveMessageInput {
  /** The full RFC 5322 message (may be spooled on disk; may be large). */
  open(): NodeJS.ReadableStream;
  size: number;
  /** '' for MAIL FROM:<> */
  envelopeFrom: string;
  /** The recipient address as given in RCPT TO. */
  envelopeTo: string;
  /** The final mailbox's address (alias already expanded). */
  user: string;
  /** All addresses of the user (mailbox + aliases pointing at it), for vacation. */
  userAddresses: string[];
  receivedAt: Date;
}

export interface SieveEnvironment {
  mailboxExists(name: string): Promise<boolean>;
  limits?: { maxSteps?: number; maxRedirects?: number; maxBodyBytes?: number };
}

/**
 * Applied in order to the stored copy. add: at the top, or the end when `last`. delete: resolved by
 * the interpreter, remove the `index`-th (1-based, from the top) field called `name` at that moment.
 */
export interface HeaderEdit {
  op: 'add' | 'delete';
  name: string;
  value?: string;
  last?: boolean;
  index?: number;
  matchType?: string;
  patterns?: string[];
}

export type SieveAction =
  | { type: 'keep'; flags: string[] }
  | { type: 'fileinto'; mailbox: string; flags: string[]; create: boolean }
  | { type: 'redirect'; address: string }
  | { type: 'discard' }
  | { type: 'reject'; reason: string; extended: boolean }
  | {
      type: 'vacation';
      handle: string;
      seconds: number;
      subject?: string;
      from?: string;
      reason: string;
      mime: boolean;
      /** The sender to answer. */
      replyTo: string;
    };

export interface SieveResult {
  /** Implicit keep already resolved; duplicates merged as RFC 5228 says. */
  actions: SieveAction[];
  /** To apply to the stored copies (editheader). */
  headerEdits: HeaderEdit[];
  /** Runtime errors: the caller then keeps the message in INBOX and records why. */
  errors: string[];
}
