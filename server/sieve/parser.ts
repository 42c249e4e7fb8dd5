// RFC 5228 section 8.2: the grammar. Produces a plain syntax tree; meaning is checked in validate.ts.
import { SieveSyntaxError, type Token, tokenize } from './lexer';

export interface Position {
  line: number;
  column: number;
}

export type Argument =
  | ({ kind: 'tag'; name: string } & Position)
  | ({ kind: 'number'; value: number } & Position)
  | ({ kind: 'strings'; values: string[]; list: boolean } & Position);

export interface TestNode extends Position {
  name: string;
  args: Argument[];
  tests: TestNode[];
  /** Whether the tests were written as a parenthesised list. */
  testList: boolean;
}

export interface CommandNode extends TestNode {
  block: CommandNode[] | null;
}

/** Nesting deeper than this is refused: it guards the recursive parser and interpreter. */
const MAX_NESTING = 32;

export function parseSieve(source: string): CommandNode[] {
  const tokens = tokenize(source);
  let index = 0;
  const peek = (): Token => tokens[index];
  const next = (): Token => tokens[index++];
  const fail = (message: string, token: Token = peek()): never => {
    throw new SieveSyntaxError(message, token.line, token.column);
  };
  const expect = (kind: Token['kind'], what: string): Token => {
    if (peek().kind !== kind) fail(`expected ${what} but found ${describe(peek())}`);
    return next();
  };

  const commands = parseCommands(0);
  if (peek().kind !== 'eof') fail(`unexpected ${describe(peek())}`);
  return commands;

  function parseCommands(depth: number): CommandNode[] {
    const list: CommandNode[] = [];
    while (peek().kind === 'identifier') list.push(parseCommand(depth));
    return list;
  }

  function parseCommand(depth: number): CommandNode {
    const name = next();
    const { args, tests, testList } = parseArguments(depth);
    const end = peek();
    if (end.kind === ';') {
      next();
      return { name: name.text, args, tests, testList, block: null, line: name.line, column: name.column };
    }
    if (end.kind === '{') {
      if (depth >= MAX_NESTING) fail('blocks nested too deeply');
      next();
      const block = parseCommands(depth + 1);
      expect('}', "'}'");
      return { name: name.text, args, tests, testList, block, line: name.line, column: name.column };
    }
    return fail(`expected ';' or '{' after command '${name.text}' but found ${describe(end)}`);
  }

  function parseArguments(depth: number): { args: Argument[]; tests: TestNode[]; testList: boolean } {
    const args: Argument[] = [];
    for (;;) {
      const token = peek();
      if (token.kind === 'tag') {
        next();
        args.push({ kind: 'tag', name: token.text, line: token.line, column: token.column });
      } else if (token.kind === 'number') {
        next();
        args.push({ kind: 'number', value: token.value ?? 0, line: token.line, column: token.column });
      } else if (token.kind === 'string') {
        next();
        args.push({
          kind: 'strings',
          values: [token.text],
          list: false,
          line: token.line,
          column: token.column,
        });
      } else if (token.kind === '[') {
        next();
        const values = [expect('string', 'a string').text];
        while (peek().kind === ',') {
          next();
          values.push(expect('string', 'a string').text);
        }
        expect(']', "']'");
        args.push({ kind: 'strings', values, list: true, line: token.line, column: token.column });
      } else break;
    }
    if (peek().kind === 'identifier') return { args, tests: [parseTest(depth + 1)], testList: false };
    if (peek().kind === '(') {
      next();
      const tests = [parseTest(depth + 1)];
      while (peek().kind === ',') {
        next();
        tests.push(parseTest(depth + 1));
      }
      expect(')', "')'");
      return { args, tests, testList: true };
    }
    return { args, tests: [], testList: false };
  }

  function parseTest(depth: number): TestNode {
    if (depth >= MAX_NESTING) fail('tests nested too deeply');
    const name = expect('identifier', 'a test');
    const { args, tests, testList } = parseArguments(depth);
    return { name: name.text, args, tests, testList, line: name.line, column: name.column };
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of script';
    case 'identifier':
      return `identifier '${token.text}'`;
    case 'tag':
      return `tag ':${token.text}'`;
    case 'number':
      return `number ${token.text}`;
    case 'string':
      return 'a string';
    default:
      return `'${token.text}'`;
  }
}
