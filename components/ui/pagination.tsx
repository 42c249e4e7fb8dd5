import Link from 'next/link';
import { formatCount } from './numbers';

/** Page links that keep the other query parameters. */
export function Pagination({
  page,
  pageSize,
  total,
  href,
}: {
  page: number;
  pageSize: number;
  total: number;
  href: (page: number) => string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <nav aria-label="Pages" className="mt-3 flex flex-wrap items-center justify-between gap-2 text-sm">
      <span className="text-slate-600" data-testid="row-range">
        {formatCount(first)}–{formatCount(last)} of {formatCount(total)}
      </span>
      <span className="flex items-center gap-2">
        {page > 1 ? (
          <Link className="btn btn-small" href={href(page - 1)} rel="prev">
            ← Previous
          </Link>
        ) : (
          <span className="btn btn-small opacity-50" aria-disabled="true">
            ← Previous
          </span>
        )}
        <span>
          Page {formatCount(page)} of {formatCount(pages)}
        </span>
        {page < pages ? (
          <Link className="btn btn-small" href={href(page + 1)} rel="next">
            Next →
          </Link>
        ) : (
          <span className="btn btn-small opacity-50" aria-disabled="true">
            Next →
          </span>
        )}
      </span>
    </nav>
  );
}
