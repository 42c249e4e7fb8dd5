// Outlook's autodiscover; /Autodiscover/Autodiscover.xml is rewritten here (next.config.mjs).
export {
  autodiscoverPost as POST,
  autodiscoverOtherMethod as GET,
  autodiscoverOtherMethod as PUT,
} from '@/server/ops/client-setup-routes';
export const dynamic = 'force-dynamic';
