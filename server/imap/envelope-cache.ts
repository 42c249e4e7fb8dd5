// ENVELOPE responses by message row id, encoded. A message's envelope never changes, so a
// process-wide, size-bounded cache lets repeated FETCH ENVELOPE (clients resynchronising) skip
// reading and formatting the JSON again, as Dovecot's cache file does. UTF8=ACCEPT sessions get a
// differently formatted envelope, so they have their own map.
const MAX_BYTES = 16 * 1024 * 1024;
const plain = new Map<number, Buffer>();
const utf8 = new Map<number, Buffer>();
let bytes = 0;

export function cachedEnvelope(id: number, utf8Mode: boolean): Buffer | undefined {
  return (utf8Mode ? utf8 : plain).get(id);
}

export function rememberEnvelope(id: number, utf8Mode: boolean, value: Buffer): void {
  const cache = utf8Mode ? utf8 : plain;
  if (cache.has(id)) return;
  cache.set(id, value);
  bytes += value.length + 64;
  // Oldest first, from the plain map then the UTF-8 one: both are bounded together.
  for (const map of [plain, utf8]) {
    for (const [oldest, entry] of map) {
      if (bytes <= MAX_BYTES) return;
      map.delete(oldest);
      bytes -= entry.length + 64;
    }
  }
}
