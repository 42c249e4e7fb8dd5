// What a `postroom` subcommand is, shared by main.ts (which dispatches) and commands/ (which it
// dispatches to): commands depend on this, never on main.ts.
import type { ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export type Options = Record<string, string | boolean | string[] | undefined>;
export interface Command {
  usage: string;
  options?: ParseArgsConfig['options'];
  run(args: string[], options: Options): Promise<void>;
}
export type CommandGroup = Record<string, Command>;

export function expectArgs(args: string[], count: number, usage: string, atLeast = false): void {
  if (atLeast ? args.length < count : args.length !== count) throw new UsageError(`usage: postroom ${usage}`);
}
