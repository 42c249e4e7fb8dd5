// Display helpers shared by the list and the reader.
import type { MailAddress } from '@/server/webmail/types';

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatListDate(iso: string | null, now = new Date()): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (date.toDateString() === now.toDateString())
    return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (date.getFullYear() === now.getFullYear())
    return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

export function formatFullDate(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';
}

export function displayName(address: MailAddress | undefined): string {
  if (!address) return '(unknown sender)';
  return address.name || address.address || '(unknown sender)';
}

export function formatAddress(address: MailAddress): string {
  if (!address.name) return address.address;
  const needsQuotes = /[",;<>@()[\]:\\]/.test(address.name);
  return `${needsQuotes ? `"${address.name.replace(/(["\\])/g, '\\$1')}"` : address.name} <${address.address}>`;
}

export function formatAddressList(list: MailAddress[]): string {
  return list.map(formatAddress).join(', ');
}
