// The one-time recovery codes, shown once after enrolling or renewing them.
export function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
      <p className="mb-2 font-medium text-amber-900">
        Recovery codes: keep them somewhere safe. Each one signs you in once if your phone is lost. They are
        not shown again.
      </p>
      <ul className="grid grid-cols-2 gap-1 font-mono" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
    </div>
  );
}
