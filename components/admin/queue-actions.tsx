// Queue buttons: retry all (list page), or retry / bounce / delete for one entry.
import { ActionForm } from '@/components/ui/action-form';
import {
  bounceNowAction,
  deleteEntryAction,
  retryAllAction,
  retryNowAction,
} from '@/app/admin/queue/actions';

export function RetryAllButton() {
  return (
    <ActionForm
      action={retryAllAction}
      fields={[]}
      submitLabel="Retry all now"
      pendingText="Retrying…"
      variant="plain"
      layout="inline"
      testId="retry-all-form"
    />
  );
}

export function EntryActions({ queueId }: { queueId: string }) {
  const hidden = { queueId };
  return (
    <div className="grid gap-4 md:grid-cols-3">
      <section className="card" aria-labelledby="retry-heading">
        <h2 id="retry-heading" className="mb-2 font-semibold">
          Retry now
        </h2>
        <p className="mb-3 text-sm text-slate-600">
          Try delivering at once instead of waiting for the next attempt.
        </p>
        <ActionForm
          action={retryNowAction}
          hidden={hidden}
          fields={[]}
          submitLabel="Retry now"
          pendingText="Retrying…"
          testId="retry-form"
        />
      </section>
      <section className="card" aria-labelledby="bounce-heading">
        <h2 id="bounce-heading" className="mb-2 font-semibold">
          Bounce now
        </h2>
        <p className="mb-3 text-sm text-slate-600">
          Give up: the sender gets a failure notice for every recipient still waiting.
        </p>
        <ActionForm
          action={bounceNowAction}
          hidden={hidden}
          fields={[{ name: 'confirm', type: 'checkbox', label: 'Yes, bounce it' }]}
          submitLabel="Bounce now"
          variant="danger"
          testId="bounce-form"
        />
      </section>
      <section className="card" aria-labelledby="delete-heading">
        <h2 id="delete-heading" className="mb-2 font-semibold">
          Delete
        </h2>
        <p className="mb-3 text-sm text-slate-600">
          Drop the message silently; the sender is not told. Use for spam stuck in the queue.
        </p>
        <ActionForm
          action={deleteEntryAction}
          hidden={hidden}
          fields={[{ name: 'confirm', type: 'checkbox', label: 'Yes, delete it without notice' }]}
          submitLabel="Delete"
          variant="danger"
          testId="delete-form"
        />
      </section>
    </div>
  );
}
