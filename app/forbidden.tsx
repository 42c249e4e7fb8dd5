export default function Forbidden() {
  return (
    <main className="mx-auto max-w-lg p-8">
      <h1 className="text-2xl font-semibold">403 — Not allowed</h1>
      <p className="mt-2 text-slate-700">Your account may not see or change this. Nothing was changed.</p>
      <p className="mt-4">
        <a href="/">Back to the start page</a>
      </p>
    </main>
  );
}
