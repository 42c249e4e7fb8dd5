// The HTTP side of client set-up, shared by the app/ route files (each path clients try is a thin
// re-export): Thunderbird's autoconfig (GET) and Outlook's autodiscover (POST).
import { autodiscoverResponse, AutodiscoverRequestError, requestedAddress } from './autodiscover';
import { thunderbirdConfig } from './autoconfig';
import { domainFromHost, domainOf, isHostedDomain } from './hosted-domain';
import { clientSettings } from './public-ports';

/** An autodiscover request is a few hundred bytes; anything past this is refused unread. */
export const AUTODISCOVER_MAX_BODY_BYTES = 64 * 1024;

function xml(body: string, status = 200): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/**
 * GET /.well-known/autoconfig/mail/config-v1.1.xml and /mail/config-v1.1.xml: the domain comes
 * from ?emailaddress= (Thunderbird sends it) or else from the Host (autoconfig.example.org).
 */
export async function autoconfigGet(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const address = url.searchParams.get('emailaddress');
  const domain = address ? domainOf(address) : domainFromHost(request.headers.get('host'));
  if (!(await isHostedDomain(domain))) return plain(404, 'No mail domain of this server');
  return xml(thunderbirdConfig(domain!, clientSettings()));
}

async function cappedText(request: Request, maxBytes: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** POST /autodiscover/autodiscover.xml (and the capitalised path, rewritten to it). */
export async function autodiscoverPost(request: Request): Promise<Response> {
  const body = await cappedText(request, AUTODISCOVER_MAX_BODY_BYTES);
  if (body === null) return plain(413, `The request is larger than ${AUTODISCOVER_MAX_BODY_BYTES} bytes`);
  let address: string;
  try {
    address = requestedAddress(body);
  } catch (error) {
    if (error instanceof AutodiscoverRequestError) return plain(400, error.message);
    throw error;
  }
  const domain = domainOf(address);
  if (!(await isHostedDomain(domain))) return plain(404, 'No mail domain of this server');
  return xml(autodiscoverResponse(address, clientSettings()));
}

export function autodiscoverOtherMethod(): Response {
  return new Response('Autodiscover takes a POST with the request XML\n', {
    status: 405,
    headers: { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' },
  });
}
