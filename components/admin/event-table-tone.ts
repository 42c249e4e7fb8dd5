const RESULT_TONE: Record<string, string> = {
  ok: 'bg-green-100 text-green-800',
  accept: 'bg-green-100 text-green-800',
  accepted: 'bg-green-100 text-green-800',
  delivered: 'bg-green-100 text-green-800',
  sent: 'bg-green-100 text-green-800',
  failed: 'bg-red-100 text-red-800',
  rejected: 'bg-red-100 text-red-800',
  bounced: 'bg-red-100 text-red-800',
  throttled: 'bg-red-100 text-red-800',
  reject: 'bg-red-100 text-red-800',
  refused: 'bg-red-100 text-red-800',
  too_big: 'bg-red-100 text-red-800',
  deferred: 'bg-amber-100 text-amber-900',
  discarded: 'bg-amber-100 text-amber-900',
  discard: 'bg-amber-100 text-amber-900',
  queued: 'bg-brand-100 text-brand-700',
};

export function resultClass(result: string): string {
  return `badge ${RESULT_TONE[result] ?? 'bg-slate-100 text-slate-700'}`;
}
