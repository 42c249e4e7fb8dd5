// RFC 5229: variable names, ${...} expansion and the set command's modifiers.

/** Longest value a variable holds (longer values are cut), and the most variables a script may set. */
export const MAX_VARIABLE_LENGTH = 4000;
export const MAX_VARIABLES = 255;
/** Longest variable name, and the highest match variable (${0}..${32}), as in Pigeonhole. */
export const MAX_NAME_LENGTH = 64;
export const MAX_MATCH_INDEX = 32;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** RFC 5229 3: a variable a script may assign: an identifier (Postroom has no namespaces). */
export function validVariableName(name: string): boolean {
  return NAME.test(name) && name.length <= MAX_NAME_LENGTH;
}

/** Why the ${...} references of a constant string cannot work, or null. */
export function referenceProblem(text: string): string | null {
  for (const [, name] of text.matchAll(/\$\{([^{}]*)\}/g)) {
    if (/^[0-9]+$/.test(name)) {
      if (Number(name) > MAX_MATCH_INDEX)
        return `match variable \${${name}} is beyond \${${MAX_MATCH_INDEX}}`;
    } else if (name.includes('.') && name.split('.').every((part) => NAME.test(part))) {
      return `unknown variable namespace in \${${name}}`;
    } else if (NAME.test(name) && name.length > MAX_NAME_LENGTH) return `variable name '${name}' is too long`;
  }
  return null;
}

export interface VariableScope {
  values: Map<string, string>;
  captures: string[];
}

/**
 * Expands ${name} and ${n} references. Unknown variables expand to the empty string; text that is
 * not a valid reference stays as written (RFC 5229 3).
 */
export function expand(text: string, scope: VariableScope): string {
  if (!text.includes('${')) return text;
  return text.replace(/\$\{([^{}]*)\}/g, (whole, name: string) => {
    if (/^[0-9]+$/.test(name)) return scope.captures[Number(name)] ?? '';
    if (!name.split('.').every((part) => NAME.test(part))) return whole;
    return scope.values.get(name.toLowerCase()) ?? '';
  });
}

/** RFC 5229 4.1: modifiers applied by precedence, highest first. */
export function applyModifiers(value: string, tags: Record<string, unknown>): string {
  let out = value;
  if (tags.lower) out = out.toLowerCase();
  if (tags.upper) out = out.toUpperCase();
  if (tags.lowerfirst) out = out.charAt(0).toLowerCase() + out.slice(1);
  if (tags.upperfirst) out = out.charAt(0).toUpperCase() + out.slice(1);
  if (tags.quotewildcard) out = out.replace(/[*?\\]/g, (c) => `\\${c}`);
  if (tags.length) out = String([...out].length);
  return out;
}

/**
 * Cuts a value to MAX_VARIABLE_LENGTH bytes of UTF-8 without splitting a character; a value made by
 * :quotewildcard does not end in half of an escape.
 */
export function limitLength(value: string, quoted = false): string {
  if (value.length * 3 <= MAX_VARIABLE_LENGTH || Buffer.byteLength(value) <= MAX_VARIABLE_LENGTH)
    return value;
  let bytes = 0;
  let end = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (bytes + size > MAX_VARIABLE_LENGTH) break;
    bytes += size;
    end += char.length;
  }
  let cut = value.slice(0, end);
  if (quoted) {
    const trailing = /\\*$/.exec(cut)?.[0].length ?? 0;
    if (trailing % 2 === 1) cut = cut.slice(0, -1);
  }
  return cut;
}
