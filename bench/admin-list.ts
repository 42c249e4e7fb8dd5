// Console list pages at scale (issue 5: "loading a list page with 100,000 rows stays under
// 300 ms on the server"). Seeds 100,000 mailboxes, signs in over HTTP and times whole page loads
// of /admin/mailboxes (first page, a deep page, search, sort by storage, one domain) against the
// built app: best and median of 5 after a warm-up. Runs on SQLite and on MariaDB.
//   node --import tsx bench/admin-list.ts [--mailboxes 100000] [--only sqlite|mysql]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
};
const MAILBOXES = Number(option('mailboxes', '100000'));

if (!process.env.POSTROOM_BENCH_CHILD) {
  // One child process per provider: the database client is chosen once per process.
  for (const provider of ['sqlite', 'mysql'].filter((p) => option('only', p) === p)) {
    spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], {
      stdio: 'inherit',
      env: { ...process.env, POSTROOM_BENCH_CHILD: '1', POSTROOM_TEST_DB: provider },
    });
  }
  process.exit(0);
}

const { startApp } = await import('../test/e2e/helpers/app');
const { addDomain, addMailbox } = await import('../server/domain');
const { db } = await import('../server/core/db');
const app = await startApp();
// A keep-alive socket left idle through the long seeding may be closed under us: retry once.
const fetch = async (url: string, init: RequestInit = {}): Promise<Response> => {
  try {
    return await globalThis.fetch(url, init);
  } catch (error) {
    console.error(`retrying ${url}: ${String((error as { cause?: unknown }).cause ?? error)}`);
    return globalThis.fetch(url, init);
  }
};
try {
  await addDomain('bench-admin.test');
  await addMailbox({ address: 'admin@bench-admin.test', password: 'Bench-Admin-Pass-1', role: 'super' });
  const domains = 100;
  for (let d = 0; d < domains; d++) await db().domain.create({ data: { domain: `d${d}.bench.test` } });
  const seedStart = Date.now();
  const batch = 2000;
  for (let i = 0; i < MAILBOXES; i += batch) {
    const rows = Array.from({ length: Math.min(batch, MAILBOXES - i) }, (_, k) => {
      const n = i + k;
      return {
        local: `user${n}`,
        domain: `d${n % domains}.bench.test`,
        passwordHash: '$argon2id$bench',
        displayName: `User ${n}`,
        usedBytes: BigInt((n * 7919) % 1_000_000),
        quotaBytes: 1_000_000n,
      };
    });
    await db().user.createMany({ data: rows });
  }
  console.log(
    `${process.env.POSTROOM_TEST_DB}: seeded ${MAILBOXES.toLocaleString('en')} mailboxes in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`,
  );

  // Sign in the way a browser does: CSRF token, then the credentials callback.
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrf = await fetch(`${app.baseUrl}/api/auth/csrf`).catch((error: unknown) => {
    throw new Error(`csrf: ${String(error)}`);
  });
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const login = await fetch(`${app.baseUrl}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookieHeader(),
      origin: app.baseUrl,
    },
    body: new URLSearchParams({
      csrfToken,
      username: 'admin@bench-admin.test',
      password: 'Bench-Admin-Pass-1',
      json: 'true',
    }),
  });
  keep(login);
  if (![...jar.keys()].some((name) => name.endsWith('session-token')))
    throw new Error(`sign-in failed: ${login.status}`);

  const pages: [string, string][] = [
    ['first page', '/admin/mailboxes'],
    ['page 1,000', '/admin/mailboxes?page=1000'],
    ['search "user777"', '/admin/mailboxes?q=user777'],
    ['sort by storage, desc', '/admin/mailboxes?sort=used&dir=desc'],
    ['one domain', '/admin/mailboxes?domain=d42.bench.test'],
    ['domains list', '/admin/domains'],
  ];
  for (const [label, path] of pages) {
    const times: number[] = [];
    for (let run = 0; run < 6; run++) {
      const start = performance.now();
      const response = await fetch(`${app.baseUrl}${path}`, { headers: { cookie: cookieHeader() } });
      const body = await response.text();
      if (response.status !== 200 || !body.includes('Mailboxes'))
        throw new Error(`${path}: ${response.status}`);
      if (run > 0) times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    console.log(
      `  ${label.padEnd(24)} best ${times[0]!.toFixed(0).padStart(4)} ms   median ${times[2]!.toFixed(0).padStart(4)} ms`,
    );
  }
} catch (error) {
  console.error(
    String(error),
    (error as { cause?: unknown }).cause ?? '',
    '\n--- server output ---\n',
    app.logs().slice(-3000),
  );
  process.exitCode = 1;
} finally {
  await app.close();
}
