// DNS blocklists (RFC 5782): a client address is listed in a zone when the reversed address
// under that zone has an A record in 127.0.0.0/8. 127.255.255.x answers are the list's own
// errors (query refused, rate limited) and do not count.
import { isIP } from 'node:net';
import { dnsResolver } from './dns';

export interface DnsblListing {
  zone: string;
  answer: string;
}

function reversed(ip: string): string | null {
  const plain = ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  const family = isIP(plain);
  if (family === 4) return plain.split('.').reverse().join('.');
  if (family !== 6) return null;
  const [head = '', tail = ''] = plain.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const all = plain.includes('::')
    ? [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)]
    : groups(plain);
  return all
    .map((group) => group.padStart(4, '0'))
    .join('')
    .split('')
    .reverse()
    .join('.');
}

export async function dnsblListing(ip: string, zones: string[]): Promise<DnsblListing | null> {
  const name = reversed(ip);
  if (!name || zones.length === 0) return null;
  const answers = await Promise.all(
    zones.map(async (zone) => {
      const records = (await dnsResolver()
        .resolve(`${name}.${zone}`, 'A')
        .catch(() => [])) as string[];
      const listed = records.find(
        (record) => record.startsWith('127.') && !record.startsWith('127.255.255.'),
      );
      return listed ? { zone, answer: listed } : null;
    }),
  );
  return answers.find((answer) => answer !== null) ?? null;
}
