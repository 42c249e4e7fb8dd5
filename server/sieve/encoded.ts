// RFC 5228 2.4.2.4 encoded-character: "${hex:...}" octets and "${unicode:...}" code points in
// string literals, decoded once when the script is compiled. Anything not well-formed stays as
// written; a code point that cannot exist is an error.

const HEX = /\$\{hex:[ \t]*([0-9a-f]{1,2}(?:[ \t]+[0-9a-f]{1,2})*)[ \t]*\}/gi;
const UNICODE = /\$\{unicode:[ \t]*([0-9a-f]+(?:[ \t]+[0-9a-f]+)*)[ \t]*\}/gi;

export class EncodedCharacterError extends Error {}

export function decodeEncodedCharacters(text: string): string {
  if (!text.includes('${')) return text;
  // One pass over the original text: what a replacement produces is not scanned again.
  return text.replace(
    new RegExp(`${HEX.source}|${UNICODE.source}`, 'gi'),
    (_whole, hex?: string, unicode?: string) => {
      if (hex !== undefined) {
        return Buffer.from(hex.split(/[ \t]+/).map((pair) => Number.parseInt(pair, 16))).toString('utf8');
      }
      return (unicode as string)
        .split(/[ \t]+/)
        .map((digits) => {
          const trimmed = digits.replace(/^0+(?=.)/, '');
          const code = trimmed.length > 6 ? Number.POSITIVE_INFINITY : Number.parseInt(trimmed, 16);
          if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
            throw new EncodedCharacterError(`invalid Unicode character U+${digits.toUpperCase()}`);
          }
          return String.fromCodePoint(code);
        })
        .join('');
    },
  );
}
