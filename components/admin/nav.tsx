'use client';
// The console's side navigation; on small screens it folds into a disclosure.
import Link from 'next/link';
import { usePathname } from 'next/navigation';

export interface NavItem {
  href: string;
  label: string;
}

export function AdminNav({ items }: { items: NavItem[] }) {
  const path = usePathname();
  const links = items.map((item) => {
    const current = item.href === '/admin' ? path === '/admin' : path.startsWith(item.href);
    return (
      <li key={item.href}>
        <Link
          href={item.href}
          aria-current={current ? 'page' : undefined}
          className={`block rounded-md px-3 py-1.5 text-sm no-underline ${current ? 'bg-brand-600 text-white hover:no-underline' : 'text-slate-700 hover:bg-slate-200 hover:no-underline'}`}
        >
          {item.label}
        </Link>
      </li>
    );
  });
  return (
    <nav aria-label="Console">
      <details className="md:hidden">
        <summary className="cursor-pointer rounded-md px-3 py-2 text-sm font-medium">Menu</summary>
        <ul className="space-y-0.5 pb-2">{links}</ul>
      </details>
      <ul className="hidden space-y-0.5 md:block">{links}</ul>
    </nav>
  );
}
