// The IMAP command parser: a streaming reader (reader.ts) and a tokenizer (tokens.ts).
import { tokenize, ParseError, type Token } from './tokens';
import { Args } from './args';
import type { RawCommand } from './reader';
import type { ParserLimits } from './limits';

export interface ParsedCommand {
  tag: string;
  name: string;
  args: Args;
  tokens: Token[];
}

/** Tokenises a raw command and checks its tag and name; throws ParseError on bad syntax. */
export function parseCommand(raw: RawCommand, limits: ParserLimits): ParsedCommand {
  if (!raw.tag) throw new ParseError('missing or invalid tag');
  const tokens = tokenize(raw.segments, raw.literals, limits, raw.spooled);
  const tagToken = tokens[0];
  const nameToken = tokens[1];
  if (tagToken?.kind !== 'atom' || tagToken.value !== raw.tag) throw new ParseError('missing or invalid tag');
  if (nameToken?.kind !== 'atom' || !/^[A-Za-z][A-Za-z0-9.-]*$/.test(nameToken.value))
    throw new ParseError('missing command name');
  const rest = tokens.slice(2);
  return { tag: raw.tag, name: nameToken.value.toUpperCase(), args: new Args(rest), tokens: rest };
}

export { ParseError, tokenize, literalAnnouncement, extractTag, type Token } from './tokens';
export {
  CommandReader,
  CommandTooBigError,
  type RawCommand,
  type LiteralSpool,
  type LiteralSink,
  type SpooledLiteral,
} from './reader';
export { DEFAULT_LIMITS, type ParserLimits } from './limits';
export { Args, tokenText, atomsOf } from './args';
export * from './sequence';
