// RFC 5322 section 3.2.2: comments (CFWS) may sit between any tokens of an address. addressparser
// keeps them inside an angle-addr ("<user (c)@ (c) host>") and turns a member that is only a
// comment ("group: (foo) ;") into a name-only address. Dovecot (and RFC 3501's ENVELOPE, which
// lists addresses, not comments) does neither; this pass fixes the text before addressparser.

/**
 * The header value with comments removed inside <...> and list members made only of comments
 * and white space blanked. Comments elsewhere stay: after an addr-spec they are the display name.
 */
export function dropStrayComments(value: string): string {
  let out = '';
  let segment = ''; // the current list member as it will be written
  let segmentHasText = false; // anything outside comments and white space
  let depth = 0; // comment nesting
  let quoted = false;
  let angle = false;
  const flush = () => {
    out += segmentHasText ? segment : ' '.repeat(segment.length > 0 ? 1 : 0);
    segment = '';
    segmentHasText = false;
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (depth > 0) {
      if (ch === '\\') {
        if (!angle) segment += ch + (value[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      if (!angle) segment += ch;
      continue;
    }
    if (quoted) {
      segment += ch;
      if (ch === '\\') segment += value[++i] ?? '';
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '(') {
      depth = 1;
      if (!angle) segment += ch;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      segmentHasText = true;
      segment += ch;
      continue;
    }
    if (angle) {
      if (ch === '>') angle = false;
      if (!/\s/.test(ch)) segment += ch;
      continue;
    }
    if (ch === '<') {
      angle = true;
      segmentHasText = true;
      segment += ch;
      continue;
    }
    if (ch === ',' || ch === ';' || ch === ':') {
      flush();
      out += ch;
      continue;
    }
    if (!/\s/.test(ch)) segmentHasText = true;
    segment += ch;
  }
  flush();
  return out;
}
