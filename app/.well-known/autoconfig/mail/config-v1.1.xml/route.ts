// Thunderbird's autoconfig on the mail domain itself (https://example.org/.well-known/...).
export { autoconfigGet as GET } from '@/server/ops/client-setup-routes';
export const dynamic = 'force-dynamic';
