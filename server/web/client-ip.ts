// The client address for throttling and the event log. Next.js fills X-Forwarded-For with the
// socket address only when the request has none, so when the console faces the internet directly
// a client can name any address here: per-IP limits then bind only honest clients, while the
// per-account limit of the shared auth core holds regardless. Behind reverse proxies that append
// to X-Forwarded-For, set POSTROOM_TRUSTED_PROXIES to their number and the address the outermost
// one saw is used.
export function clientIpFrom(header: (name: string) => string | null | undefined): string | undefined {
  const forwarded = header('x-forwarded-for');
  if (forwarded) {
    const hops = forwarded
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const trusted = Math.max(0, Number(process.env.POSTROOM_TRUSTED_PROXIES ?? 0) || 0);
    const chosen = hops[Math.max(0, hops.length - Math.max(trusted, 1))];
    if (chosen) return chosen.replace(/^::ffff:/, '');
  }
  return header('x-real-ip') ?? undefined;
}
