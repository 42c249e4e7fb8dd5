'use client';
// Re-renders the page from the server every few seconds while switched on.
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

export function AutoRefresh({ seconds = 10 }: { seconds?: number }) {
  const router = useRouter();
  const [on, setOn] = useState(true);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => router.refresh(), seconds * 1000);
    return () => clearInterval(timer);
  }, [on, seconds, router]);
  return (
    <label className="flex items-center gap-2 text-sm">
      <input
        type="checkbox"
        checked={on}
        onChange={(event) => setOn(event.target.checked)}
        className="size-4"
      />
      Refresh every {seconds} s
    </label>
  );
}
