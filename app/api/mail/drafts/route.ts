// POST multipart/form-data — save the compose form as a draft (replacing the previous one).
import { handleMail, json } from '@/server/webmail/http';
import { saveDraft } from '@/server/webmail';
import { composeFromForm } from '@/server/webmail/compose-form';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return handleMail(
    request,
    async ({ user }) => json(await saveDraft(user, await composeFromForm(await request.formData()))),
    { change: true },
  );
}
