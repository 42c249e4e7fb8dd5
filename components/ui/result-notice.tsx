// The outcome of an action that changed the page under it (a removal): shown from the URL after
// the redirect, so it stays on screen, with an Undo where putting things back is cheap.
export function ResultNotice({ children, undo }: { children: React.ReactNode; undo?: React.ReactNode }) {
  return (
    <div
      role="status"
      data-testid="result-notice"
      className="mb-4 flex flex-wrap items-center gap-3 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800"
    >
      <span>{children}</span>
      {undo}
    </div>
  );
}
