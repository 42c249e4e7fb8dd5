// The client address for throttling and the event log. Next's server appends the socket address
// to X-Forwarded-For, so the last entry is the one we can trust (a client can forge the earlier
// ones); behind a reverse proxy set POSTROOM_TRUSTED_PROXIES to the number of proxy hops.
export function clientIpFrom(header: (name: string) => string | null | undefined): string | undefined {
  const forwarded = header('x-forwarded-for');
  if (forwarded) {
    const hops = forwarded.split(',').map((part) => part.trim()).filter(Boolean);
    const skip = Number(process.env.POSTROOM_TRUSTED_PROXIES ?? 0) || 0;
    const chosen = hops[Math.max(0, hops.length - 1 - skip)];
    if (chosen) return chosen.replace(/^::ffff:/, '');
  }
  return header('x-real-ip') ?? undefined;
}
