import { formatBytes } from './numbers';

/** Storage used against quota; a quota of 0 means unlimited. */
export function QuotaBar({ used, quota }: { used: bigint; quota: bigint }) {
  if (quota === 0n)
    return (
      <span className="text-sm text-slate-600">
        {formatBytes(used)} <span className="text-slate-400">(no limit)</span>
      </span>
    );
  const percent = Math.min(100, Number((used * 1000n) / quota) / 10);
  const colour = percent >= 95 ? 'bg-red-600' : percent >= 80 ? 'bg-amber-500' : 'bg-brand-500';
  return (
    <div className="min-w-32">
      {/* biome-ignore lint/a11y/useSemanticElements: a native <meter> cannot be styled consistently across browsers (the bar's own colours at 80% and 95%); this div carries the ARIA meter role with its value range */}
      <div
        className="h-2 w-full overflow-hidden rounded bg-slate-200"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
        aria-label="Storage used"
      >
        <div className={`h-full ${colour}`} style={{ width: `${percent}%` }} />
      </div>
      <div className="mt-0.5 text-xs text-slate-600">
        {formatBytes(used)} of {formatBytes(quota)} ({percent.toFixed(0)}%)
      </div>
    </div>
  );
}
