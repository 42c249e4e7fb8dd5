// An event's detail as readable text: the JSON the event log stores becomes "name: value" lines,
// plain text stays as it is.
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.map(describeValue).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Splits camelCase and snake_case keys into words: "lastReply" → "last reply". */
function describeKey(key: string): string {
  return key
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

export function parseDetail(detail: string): [string, string][] | null {
  if (!detail.startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(detail);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    return Object.entries(parsed).map(([key, value]) => [describeKey(key), describeValue(value)]);
  } catch {
    return null;
  }
}

export function EventDetail({ detail }: { detail: string | null }) {
  if (!detail) return null;
  const pairs = parseDetail(detail);
  if (!pairs) return <span className="break-all">{detail}</span>;
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-2 gap-y-0.5" data-event-detail>
      {pairs.map(([key, value]) => (
        <div key={key} className="contents">
          <dt className="text-slate-500">{key}</dt>
          <dd className="break-all text-slate-700">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
