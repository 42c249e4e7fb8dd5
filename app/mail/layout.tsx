import type { Metadata } from 'next';

export const metadata: Metadata = { title: 'Mail' };

export default function MailLayout({ children }: { children: React.ReactNode }) {
  return <div className="bg-slate-50">{children}</div>;
}
