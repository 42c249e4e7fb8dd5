// GET: the signed-in user's filters (builder rules, vacation, raw script). PUT: save the
// builder's rules and vacation. DELETE: turn filters off (the scripts are kept).
import { handleMail, json } from '@/server/webmail/http';
import {
  filtersError,
  loadFilters,
  readBody,
  saveFilterSet,
  turnOffFilters,
} from '@/server/webmail/filters-http';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => json(await loadFilters(user.id)));
}

export function PUT(request: Request) {
  return handleMail(
    request,
    async ({ user }) => {
      return filtersError(async () => saveFilterSet(user.id, await readBody(request)));
    },
    { change: true },
  );
}

export function DELETE(request: Request) {
  return handleMail(request, async ({ user }) => json(await turnOffFilters(user.id)), { change: true });
}
