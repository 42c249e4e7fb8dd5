// POST multipart/form-data — send through our submission port, then keep a copy in Sent.
import { handleMail, json } from '@/server/webmail/http';
import { sendMessage } from '@/server/webmail';
import { composeFromForm } from '@/server/webmail/compose-form';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return handleMail(
    request,
    async ({ user }) => json(await sendMessage(user, await composeFromForm(await request.formData()))),
    { change: true },
  );
}
