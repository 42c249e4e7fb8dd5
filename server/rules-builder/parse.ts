// Reading a script back into the builder: the models in the structured comments, accepted only
// when regenerating them gives the script as stored (so a hand edit is never silently lost).
import { FieldError } from '../domain/errors';
import { generateSieve, RULE_MARK, SCRIPT_HEADER, VACATION_MARK } from './generate';
import { EMPTY_FILTER_SET, type FilterSet } from './types';
import { validateFilterSet } from './validate';

export type ReadBack = { builder: true; set: FilterSet } | { builder: false; reason: string };

function normalise(source: string): string {
  return source
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

export function readFilterSet(source: string | null): ReadBack {
  if (source === null || source.trim() === '') return { builder: true, set: EMPTY_FILTER_SET };
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  if (lines[0] !== SCRIPT_HEADER[0])
    return { builder: false, reason: 'The script was not written by the rule builder.' };
  const rules: unknown[] = [];
  let vacation: unknown;
  try {
    for (const line of lines) {
      if (line.startsWith(RULE_MARK)) rules.push(JSON.parse(line.slice(RULE_MARK.length)));
      else if (line.startsWith(VACATION_MARK)) vacation = JSON.parse(line.slice(VACATION_MARK.length));
    }
    const set = validateFilterSet({ rules, vacation: vacation ?? EMPTY_FILTER_SET.vacation });
    if (normalise(generateSieve(set)) !== normalise(source))
      return { builder: false, reason: 'The script was changed by hand after the rule builder wrote it.' };
    return { builder: true, set };
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof FieldError)
      return { builder: false, reason: 'The rule builder cannot read the comments in this script.' };
    throw error;
  }
}
