// Thunderbird's autoconfig on autoconfig.<domain>; beside the webmail page, not inside it.
export { autoconfigGet as GET } from '@/server/ops/client-setup-routes';
export const dynamic = 'force-dynamic';
