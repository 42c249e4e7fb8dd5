// PUT: save the raw Sieve script (refused with line and column when it does not compile).
// POST: check a script without saving it.
import { handleMail } from '@/server/webmail/http';
import { checkScript, filtersError, readBody, saveRawScript } from '@/server/webmail/filters-http';

export const dynamic = 'force-dynamic';

async function source(request: Request): Promise<unknown> {
  const body = (await readBody(request)) as { source?: unknown } | null;
  return body?.source;
}

export function PUT(request: Request) {
  return handleMail(
    request,
    async ({ user }) => {
      return filtersError(async () => saveRawScript(user.id, await source(request)));
    },
    { change: true },
  );
}

export function POST(request: Request) {
  return handleMail(
    request,
    async () =>
      filtersError(async () => {
        const errors = checkScript(await source(request));
        return { ok: errors.length === 0, errors };
      }),
    { change: true },
  );
}
