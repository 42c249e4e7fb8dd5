'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { retryNow, retryAll, deleteQueueEntry, bounceNow } from '@/server/queue/admin';
import { FieldError } from '@/server/domain/errors';
import { requireAdmin } from '@/server/web/session';
import { runForm, text, type FormState } from '@/server/web/form-state';

export async function retryNowAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    await retryNow(text(form, 'queueId'), actor);
    revalidatePath('/admin/queue');
    return 'Queued for an attempt right now.';
  });
}

export async function retryAllAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    const count = await retryAll(actor);
    revalidatePath('/admin/queue');
    return `${count} entr${count === 1 ? 'y' : 'ies'} will be tried right now.`;
  });
}

async function finishing(
  form: FormData,
  work: (queueId: string) => Promise<void>,
  done: string,
): Promise<FormState> {
  const queueId = text(form, 'queueId');
  const state = await runForm(form, async () => {
    if (form.get('confirm') !== 'yes') throw new FieldError('confirm', 'tick the box to confirm');
    await work(queueId);
  });
  if (state.ok) {
    revalidatePath('/admin/queue');
    redirect(`/admin/queue?done=${encodeURIComponent(`${queueId} ${done}`)}`);
  }
  return state;
}

export async function deleteEntryAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return finishing(
    form,
    (queueId) => deleteQueueEntry(queueId, actor),
    'deleted without notice to the sender',
  );
}

export async function bounceNowAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return finishing(
    form,
    (queueId) => bounceNow(queueId, actor),
    'bounced: the sender was sent a failure notice',
  );
}
