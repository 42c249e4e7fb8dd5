'use client';
// The console's "Add from CSV" form: a file (or pasted rows), then one line per row saying
// whether its mailbox was created or why it was refused.
import { useActionState } from 'react';
import type { BulkState } from '@/app/admin/mailboxes/bulk-actions';
import { CsvRowsInput } from './csv-rows-input';

interface Props {
  action(previous: BulkState, form: FormData): Promise<BulkState>;
}

export function BulkMailboxesForm({ action }: Props) {
  const [state, submit, pending] = useActionState(action, {});
  const created = state.outcomes?.filter((o) => o.ok).length ?? 0;
  const refused = (state.outcomes?.length ?? 0) - created;
  return (
    <>
      <form action={submit} className="card max-w-2xl space-y-3" data-testid="bulk-mailboxes-form">
        <CsvRowsInput
          id="bulk"
          placeholder={'address,name,quota,password\nann@example.org,Ann Lee,2G,Choose-a-long-one-1'}
          hint="One mailbox per line: address, display name, quota (like 500M or 2G; empty for none), password."
        />
        {state.error && (
          <p className="field-error" role="alert" data-field-error="file">
            {state.error}
          </p>
        )}
        <button className="btn btn-primary" type="submit" disabled={pending}>
          {pending ? 'Creating…' : 'Create mailboxes'}
        </button>
      </form>
      {state.outcomes && (
        <section className="card mt-4 max-w-2xl">
          <p role="status" className="mb-2 text-sm">
            {created} created, {refused} refused.
          </p>
          <table className="w-full text-sm" aria-label="Bulk results">
            <thead>
              <tr className="text-left text-slate-500">
                <th scope="col">Line</th>
                <th scope="col">Address</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {state.outcomes.map((o) => (
                <tr key={o.line} data-line={o.line} data-ok={o.ok ? 'yes' : 'no'}>
                  <td>{o.line}</td>
                  <td>{o.address}</td>
                  <td className={o.ok ? 'text-emerald-700' : 'text-red-700'}>
                    {o.ok ? 'Created' : o.message}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
