'use client';
// The console's "Move mail from another server": the source server, a CSV of accounts (pasted or
// a file), then one line per row with its progress, asked for every 1.5 s until all have ended.
import { useActionState, useEffect, useState } from 'react';
import type { ImportState } from '@/app/admin/mailboxes/import-actions';
import type { ImportBatchStatus, ImportRowStatus } from '@/server/migrate-in/imap-batch';
import { formatBytes, formatCount } from '@/components/ui/numbers';
import { CsvRowsInput } from './csv-rows-input';

interface Props {
  start(previous: ImportState, form: FormData): Promise<ImportState>;
  status(id: string): Promise<ImportBatchStatus | null>;
}

const POLL_MS = 1500;

const STATE_LABEL: Record<ImportRowStatus['state'], string> = {
  refused: 'Refused',
  waiting: 'Waiting',
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
};

const STATE_TONE: Record<ImportRowStatus['state'], string> = {
  refused: 'text-red-700',
  waiting: 'text-slate-500',
  running: 'text-brand-700',
  done: 'text-emerald-700',
  failed: 'text-red-700',
};

function FieldError({ state, field }: { state: ImportState; field: string }) {
  if (state.field !== field || !state.error) return null;
  return (
    <p className="field-error" role="alert" data-field-error={field}>
      {state.error}
    </p>
  );
}

export function ImapImportForm({ start, status }: Props) {
  const [state, submit, pending] = useActionState(start, {});
  const [batch, setBatch] = useState<ImportBatchStatus | undefined>();
  useEffect(() => setBatch(state.batch), [state.batch]);

  const batchId = batch?.id;
  const finished = batch?.finished ?? true;
  useEffect(() => {
    if (!batchId || finished) return;
    let stopped = false;
    const timer = setInterval(async () => {
      const next = await status(batchId).catch(() => undefined);
      if (!stopped && next) setBatch(next);
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [batchId, finished, status]);

  const count = (s: ImportRowStatus['state']) => batch?.rows.filter((r) => r.state === s).length ?? 0;
  return (
    <>
      <form action={submit} className="card max-w-2xl space-y-3" data-testid="imap-import-form">
        <div className="grid gap-3 sm:grid-cols-[1fr_7rem]">
          <div>
            <label className="label" htmlFor="import-host">
              Source server
            </label>
            <input id="import-host" name="host" className="input" placeholder="imap.example.com" required />
            <FieldError state={state} field="host" />
          </div>
          <div>
            <label className="label" htmlFor="import-port">
              Port
            </label>
            <input id="import-port" name="port" className="input" inputMode="numeric" defaultValue="993" />
            <FieldError state={state} field="port" />
          </div>
        </div>
        <div className="flex flex-wrap items-end gap-4">
          <div>
            <label className="label" htmlFor="import-tls">
              Encryption
            </label>
            <select id="import-tls" name="tls" className="input" defaultValue="implicit">
              <option value="implicit">TLS (usually port 993)</option>
              <option value="starttls">STARTTLS (usually port 143)</option>
            </select>
          </div>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="insecure" />
            Accept a certificate that does not verify
          </label>
        </div>
        <CsvRowsInput
          id="import"
          placeholder={'login,password,target\nann@old.example,Her-old-password,ann@example.org'}
          hint="One account per line: the login on the source server, its password, the mailbox here that receives its mail."
        />
        <FieldError state={state} field="file" />
        <button className="btn btn-primary" type="submit" disabled={pending}>
          {pending ? 'Starting…' : 'Start copying'}
        </button>
      </form>
      {batch && (
        <section className="card mt-4 max-w-4xl">
          <p role="status" className="mb-2 text-sm" data-finished={batch.finished ? 'yes' : 'no'}>
            From {batch.host}:{batch.port}: {count('done')} done, {count('running')} running,{' '}
            {count('waiting')} waiting, {count('failed')} failed, {count('refused')} refused.
          </p>
          <table className="w-full text-sm [&_td]:py-1 [&_td]:pr-3 [&_th]:pr-3" aria-label="Import progress">
            <thead>
              <tr className="text-left text-slate-500">
                <th scope="col">Line</th>
                <th scope="col">Source login</th>
                <th scope="col">Target</th>
                <th scope="col">Folders</th>
                <th scope="col">Messages</th>
                <th scope="col">Size</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {batch.rows.map((r) => (
                <tr key={r.line} data-line={r.line} data-state={r.state}>
                  <td>{r.line}</td>
                  <td>{r.login}</td>
                  <td>{r.target}</td>
                  <td>{r.totalFolders ? `${r.folders} / ${r.totalFolders}` : '–'}</td>
                  <td data-messages={r.messages}>
                    {r.totalFolders ? `${formatCount(r.messages)} / ${formatCount(r.totalMessages)}` : '–'}
                    {r.skipped > 0 && ` (${formatCount(r.skipped)} already here)`}
                  </td>
                  <td>{r.totalFolders ? `${formatBytes(r.bytes)} / ${formatBytes(r.totalBytes)}` : '–'}</td>
                  <td className={STATE_TONE[r.state]}>
                    {STATE_LABEL[r.state]}
                    {r.error && `: ${r.error}`}
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
