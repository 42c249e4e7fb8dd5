// A command's failure: tagged NO (could not do it) or BAD (malformed), with an optional response
// code (RFC 9051 section 7.1).
export class ImapError extends Error {
  constructor(
    readonly status: 'NO' | 'BAD',
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ImapError';
  }
}

export const no = (message: string, code?: string) => new ImapError('NO', message, code);
export const bad = (message: string, code?: string) => new ImapError('BAD', message, code);
