// How a command or test is described to the validator.
import type { Node } from '../compiled';

export type ArgType = 'string' | 'strings' | 'number';

export interface TagSpec {
  /** The argument that follows the tag, if any. */
  arg?: ArgType;
  /** The capability that must be required before the tag may be used. */
  ext?: string;
  /** Tags of one group exclude each other (match types, address parts, body transforms...). */
  group?: string;
}

export interface CheckContext {
  /** Whether `variables` is required: strings may then change at run time. */
  variables: boolean;
  error(message: string): void;
  /** Accepted, but the user should know (e.g. an edit that will be ignored). */
  warn(message: string): void;
}

export interface Spec {
  kind: 'command' | 'test';
  /** The capability that must be required (any of them when a list). */
  ext?: string | string[];
  args: ArgType[];
  /** The first (or last) positional argument may be left out. */
  optional?: 'first' | 'last';
  tags?: Record<string, TagSpec>;
  /** Accepts :comparator and the match types. */
  match?: boolean;
  addressPart?: boolean;
  /** Accepts :index / :last (RFC 5260). */
  index?: boolean;
  tests?: 'one' | 'list';
  /** Commands only: whether a block follows (if/elsif/else). */
  block?: boolean;
  /** Extension-specific checks on the normalised node. */
  check?: (node: Node, ctx: CheckContext) => void;
}

/** A literal string: one with no variable reference that could change it at run time. */
export function literal(value: string, ctx: CheckContext): boolean {
  return !ctx.variables || !value.includes('${');
}
