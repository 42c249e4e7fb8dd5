// Bounds that keep one connection from growing memory or CPU without limit (issue 4, "Bad input").
export interface ParserLimits {
  /** Longest command line (text between literals), in bytes. */
  maxLineBytes: number;
  /** Largest literal accepted for APPEND (advertised as APPENDLIMIT, RFC 7889). */
  maxAppendLiteral: number;
  /** Largest literal accepted for any other command (passwords, search strings). */
  maxOtherLiteral: number;
  /** Most literals in one command. */
  maxLiterals: number;
  /** Deepest parenthesised list nesting. */
  maxDepth: number;
  /** Most tokens (atoms, strings, lists) in one command. */
  maxTokens: number;
}

export const DEFAULT_LIMITS: ParserLimits = {
  maxLineBytes: 64 * 1024,
  maxAppendLiteral: 50 * 1024 * 1024,
  maxOtherLiteral: 64 * 1024,
  maxLiterals: 64,
  maxDepth: 16,
  maxTokens: 20_000,
};
