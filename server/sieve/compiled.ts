// The compiled form of a script: a JSON-serialisable tree that the interpreter walks. Tags are
// normalised by the validator so the interpreter never re-checks syntax.

export type MatchType = 'is' | 'contains' | 'matches' | 'count' | 'value';
export type Comparator = 'i;octet' | 'i;ascii-casemap' | 'i;ascii-numeric';
export type AddressPart = 'all' | 'localpart' | 'domain';
export type Relation = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';

export interface MatchSpec {
  type: MatchType;
  comparator: Comparator;
  relation?: Relation;
}

/** A tag's value: true for a flag tag, else its argument. */
export type TagValue = true | number | string[];
export type ArgValue = number | string[];

export interface Node {
  /** Command or test name. */
  name: string;
  line: number;
  tags: Record<string, TagValue>;
  args: ArgValue[];
  /** For tests and commands that take them (if, not, allof, anyof). */
  tests?: Node[];
  match?: MatchSpec;
  addressPart?: AddressPart;
  /** `if`: the branches in order; a null test is the final `else`. */
  branches?: { test: Node | null; block: Node[] }[];
}

export interface CompiledScript {
  version: 1;
  extensions: string[];
  commands: Node[];
  /** Whether any test reads the body (the interpreter then reads the capped body). */
  readsBody: boolean;
  usesVacation: boolean;
}
