// ENVELOPE strings by message row id. A message's envelope never changes, so a process-wide,
// size-bounded cache lets repeated FETCH ENVELOPE (clients resynchronising) skip reading and
// formatting the JSON again, as Dovecot's cache file does.
const MAX_BYTES = 16 * 1024 * 1024;
const cache = new Map<string, string>();
let bytes = 0;

export function cachedEnvelope(key: string): string | undefined {
  return cache.get(key);
}

export function rememberEnvelope(key: string, value: string): void {
  if (cache.has(key)) return;
  cache.set(key, value);
  bytes += value.length * 2 + key.length * 2;
  for (const [oldest, text] of cache) {
    if (bytes <= MAX_BYTES) break;
    cache.delete(oldest);
    bytes -= text.length * 2 + oldest.length * 2;
  }
}
