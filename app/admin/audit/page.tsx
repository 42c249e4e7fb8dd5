import type { Metadata } from 'next';
import Link from 'next/link';
import { requireSuper } from '@/server/domain';
import { db } from '@/server/core/db';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { EmptyState, PageHeader } from '@/components/ui/page';
import { LocalTime } from '@/components/ui/format';

export const metadata: Metadata = { title: 'Audit log' };
const PAGE = 50;

function pretty(json: string | null): string {
  if (!json) return '';
  try {
    return JSON.stringify(JSON.parse(json), null, 1);
  } catch {
    return json;
  }
}

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<{ actor?: string; object?: string; before?: string }>;
}) {
  const actor = await requireAdmin('/admin/audit');
  await guard(async () => requireSuper(actor));
  const params = await searchParams;
  const where = {
    ...(params.actor ? { actor: { contains: params.actor.trim().toLowerCase() } } : {}),
    ...(params.object ? { objectId: { contains: params.object.trim().toLowerCase() } } : {}),
    ...(Number(params.before) ? { id: { lt: Number(params.before) } } : {}),
  };
  const entries = await db().auditEntry.findMany({ where, orderBy: { id: 'desc' }, take: PAGE });
  const keep = new URLSearchParams();
  if (params.actor) keep.set('actor', params.actor);
  if (params.object) keep.set('object', params.object);
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change made from the console, the CLI or setup: who, what, before, after and when."
      />
      {/* biome-ignore lint/a11y/useSemanticElements: role="search" on the form is the search landmark every browser and screen reader supports; the newer <search> element is not yet exposed everywhere */}
      <form method="get" action="/admin/audit" className="mb-4 flex flex-wrap items-end gap-3" role="search">
        <div>
          <label htmlFor="audit-actor" className="label">
            Who
          </label>
          <input
            id="audit-actor"
            name="actor"
            defaultValue={params.actor}
            className="input"
            placeholder="admin@example.org"
          />
        </div>
        <div>
          <label htmlFor="audit-object" className="label">
            Object
          </label>
          <input
            id="audit-object"
            name="object"
            defaultValue={params.object}
            className="input"
            placeholder="domain or address"
          />
        </div>
        <button type="submit" className="btn">
          Filter
        </button>
      </form>
      {entries.length === 0 ? (
        <EmptyState title="No changes recorded" />
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="table" aria-label="Audit log">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Object</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="whitespace-nowrap">
                    <LocalTime iso={entry.time.toISOString()} withSeconds />
                  </td>
                  <td className="break-all">{entry.actor}</td>
                  <td className="font-mono text-xs">{entry.action}</td>
                  <td className="break-all">
                    {entry.objectType} {entry.objectId}
                  </td>
                  <td>
                    {entry.before && (
                      <details>
                        <summary className="cursor-pointer text-xs">show</summary>
                        <pre className="max-w-xs overflow-auto font-mono text-xs whitespace-pre-wrap break-all">
                          {pretty(entry.before)}
                        </pre>
                      </details>
                    )}
                  </td>
                  <td>
                    {entry.after && (
                      <details>
                        <summary className="cursor-pointer text-xs">show</summary>
                        <pre className="max-w-xs overflow-auto font-mono text-xs whitespace-pre-wrap break-all">
                          {pretty(entry.after)}
                        </pre>
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {entries.length === PAGE && (
        <nav aria-label="Older entries" className="mt-3 text-right">
          <Link
            className="btn"
            href={`/admin/audit?${keep}${keep.size ? '&' : ''}before=${entries[entries.length - 1]!.id}`}
          >
            Older entries →
          </Link>
        </nav>
      )}
    </>
  );
}
