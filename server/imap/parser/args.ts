// Reading a command's arguments in order, with a clear BAD message for whatever is wrong.
import { ParseError, type Token } from './tokens';
import type { SpooledLiteral } from './reader';
import { parseSequenceSet, isSequenceSet, type SeqRange } from './sequence';

export class Args {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  get remaining(): number {
    return this.tokens.length - this.index;
  }

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  next(what: string): Token {
    const token = this.tokens[this.index++];
    if (!token) throw new ParseError(`missing ${what}`);
    return token;
  }

  /** The next token if it is an atom equal (case-insensitively) to `word`. */
  acceptAtom(word: string): boolean {
    const token = this.peek();
    if (token?.kind === 'atom' && token.value.toUpperCase() === word) {
      this.index++;
      return true;
    }
    return false;
  }

  atom(what: string): string {
    const token = this.next(what);
    if (token.kind !== 'atom') throw new ParseError(`${what} must be an atom`);
    return token.value;
  }

  /** astring: atom, quoted string or literal, as UTF-8 text. */
  astring(what: string): string {
    return tokenText(this.next(what), what);
  }

  /** Raw bytes of a string or literal (APPEND message, SEARCH text). */
  bytes(what: string): Buffer {
    const token = this.next(what);
    if (token.kind === 'string') return token.value;
    if (token.kind === 'atom') return Buffer.from(token.value, 'utf8');
    throw new ParseError(`${what} must be a string`);
  }

  /** Like bytes(), but a literal received to a file (an APPEND message) comes as that file. */
  bytesOrSpooled(what: string): Buffer | SpooledLiteral {
    const token = this.peek();
    if (token?.kind === 'string' && token.spooled) {
      this.index++;
      return token.spooled;
    }
    return this.bytes(what);
  }

  list(what: string): Token[] {
    const token = this.next(what);
    if (token.kind !== 'list') throw new ParseError(`${what} must be a parenthesised list`);
    return token.items;
  }

  optionalList(): Token[] | null {
    const token = this.peek();
    if (token?.kind !== 'list') return null;
    this.index++;
    return token.items;
  }

  sequenceSet(what = 'sequence set'): SeqRange[] {
    const text = this.atom(what);
    if (!isSequenceSet(text)) throw new ParseError(`invalid ${what}`);
    return parseSequenceSet(text);
  }

  number(what: string): number {
    const text = this.atom(what);
    if (!/^\d{1,20}$/.test(text)) throw new ParseError(`${what} must be a number`);
    return Number(text);
  }

  end(): void {
    if (this.index < this.tokens.length) throw new ParseError('unexpected extra arguments');
  }
}

export function tokenText(token: Token, what: string): string {
  if (token.kind === 'atom') return token.value;
  if (token.kind === 'string') return token.value.toString('utf8');
  throw new ParseError(`${what} must be a string`);
}

export function atomsOf(items: Token[], what: string): string[] {
  return items.map((item) => {
    if (item.kind !== 'atom') throw new ParseError(`${what} must contain atoms`);
    return item.value;
  });
}
