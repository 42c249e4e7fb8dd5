// Calls to /api/mail/filters: errors keep the server's field errors (the builder marks each
// field) and compile errors (the raw editor points at line and column).
import type { FiltersView } from '@/server/webmail/filters';
import type { FilterSet } from '@/server/rules-builder/types';
import type { SieveDiagnostic } from '@/server/sieve/types';

export class FiltersError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fields: Record<string, string> = {},
    readonly diagnostics: SieveDiagnostic[] = [],
  ) {
    super(message);
  }
}

async function call<T>(url: string, method: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    window.location.href = `/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`;
    throw new FiltersError('Signed out', 401);
  }
  const answer = (await response.json().catch(() => ({}))) as T & {
    error?: string;
    field?: string;
    fields?: Record<string, string>;
    errors?: SieveDiagnostic[];
  };
  if (!response.ok)
    throw new FiltersError(
      answer.error ?? `Request failed (${response.status})`,
      response.status,
      answer.fields ?? (answer.field ? { [answer.field]: answer.error ?? '' } : {}),
      answer.errors ?? [],
    );
  return answer;
}

export const loadFilters = () => call<FiltersView>('/api/mail/filters', 'GET');
export const saveFilterSet = (set: FilterSet) => call<FiltersView>('/api/mail/filters', 'PUT', set);
export const turnOffFilters = () => call<FiltersView>('/api/mail/filters', 'DELETE');
export const saveScript = (source: string) =>
  call<FiltersView>('/api/mail/filters/script', 'PUT', { source });
export const checkScript = (source: string) =>
  call<{ ok: boolean; errors: SieveDiagnostic[] }>('/api/mail/filters/script', 'POST', { source });

/** The errors under `prefix.` with the prefix taken off ("rules.2.name" -> "name"). */
export function fieldsUnder(fields: Record<string, string>, prefix: string): Record<string, string> {
  const inner: Record<string, string> = {};
  for (const [key, message] of Object.entries(fields))
    if (key.startsWith(`${prefix}.`)) inner[key.slice(prefix.length + 1)] = message;
  return inner;
}
