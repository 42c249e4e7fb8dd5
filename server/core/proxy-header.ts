// Parsing of a PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2): the line or
// binary block a load balancer sends before the client's first byte, naming the client's address.
import { isIPv4, isIPv6 } from 'node:net';

/** The client the proxy speaks for. */
export interface ProxiedPeer {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export type HeaderParse =
  /** More bytes are needed. */
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  /** `length` bytes are the header; `peer` is null when the connection's own address stands (LOCAL, UNKNOWN, UNSPEC, unix). */
  | { kind: 'done'; length: number; peer: ProxiedPeer | null };

/** Spec 2.1: a v1 line is at most 107 bytes with its CRLF. */
export const V1_MAX_BYTES = 107;
/** Version 2's addresses take at most 216 bytes; TLVs (ALPN, SSL details...) may follow. Cap them. */
export const V2_MAX_BYTES = 16 + 1024;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ');

/** Whether `bytes` (not the whole of it yet, maybe) begins as `prefix` does. */
function startsLike(bytes: Buffer, prefix: Buffer): boolean {
  const n = Math.min(bytes.length, prefix.length);
  return bytes.subarray(0, n).equals(prefix.subarray(0, n));
}

export function parseProxyHeader(bytes: Buffer): HeaderParse {
  if (bytes.length === 0) return { kind: 'incomplete' };
  if (startsLike(bytes, V2_SIGNATURE)) return parseV2(bytes);
  if (startsLike(bytes, V1_PREFIX)) return parseV1(bytes);
  return { kind: 'invalid', reason: 'no PROXY header' };
}

const PORT = /^(?:0|[1-9]\d{0,4})$/;

function parseV1(bytes: Buffer): HeaderParse {
  const end = bytes.indexOf('\r\n');
  if (end < 0) return bytes.length >= V1_MAX_BYTES ? invalid('v1 line too long') : { kind: 'incomplete' };
  if (end + 2 > V1_MAX_BYTES) return invalid('v1 line too long');
  const length = end + 2;
  const fields = bytes.subarray(0, end).toString('latin1').split(' ');
  // "PROXY UNKNOWN" and anything after it: the receiver uses the connection's own addresses.
  if (fields[1] === 'UNKNOWN') return { kind: 'done', length, peer: null };
  if (fields.length !== 6) return invalid('v1 line has the wrong number of fields');
  const [, protocol, source, destination, sourcePort, destinationPort] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const isFamily = protocol === 'TCP4' ? isIPv4 : protocol === 'TCP6' ? isIPv6 : null;
  if (!isFamily) return invalid('v1 protocol is neither TCP4, TCP6 nor UNKNOWN');
  if (!isFamily(source) || !isFamily(destination)) return invalid('v1 address does not match its protocol');
  if (![sourcePort, destinationPort].every((port) => PORT.test(port) && Number(port) <= 65535))
    return invalid('v1 port out of range');
  const family = protocol === 'TCP4' ? 'IPv4' : 'IPv6';
  return { kind: 'done', length, peer: { address: source, port: Number(sourcePort), family } };
}

function parseV2(bytes: Buffer): HeaderParse {
  if (bytes.length < 16) return { kind: 'incomplete' };
  const versionCommand = bytes[12] as number;
  const familyProtocol = bytes[13] as number;
  const length = 16 + bytes.readUInt16BE(14);
  if (versionCommand >> 4 !== 2) return invalid('v2 version is not 2');
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid('v2 command is neither LOCAL nor PROXY');
  if (length > V2_MAX_BYTES) return invalid('v2 header too long');
  if (bytes.length < length) return { kind: 'incomplete' };
  // LOCAL: the proxy's own connection (a health check); its address block is ignored.
  if (command === 0) return { kind: 'done', length, peer: null };
  const family = familyProtocol >> 4;
  const transport = familyProtocol & 0x0f;
  if (family > 3 || transport > 2) return invalid('v2 family or protocol unknown');
  // UNSPEC or unix sockets: nothing to say about the client's address.
  if (family === 0 || family === 3) return { kind: 'done', length, peer: null };
  const block = bytes.subarray(16, length);
  if (family === 1) {
    if (block.length < 12) return invalid('v2 IPv4 address block too short');
    const address = [...block.subarray(0, 4)].join('.');
    return { kind: 'done', length, peer: { address, port: block.readUInt16BE(8), family: 'IPv4' } };
  }
  if (block.length < 36) return invalid('v2 IPv6 address block too short');
  return {
    kind: 'done',
    length,
    peer: { address: ipv6Text(block.subarray(0, 16)), port: block.readUInt16BE(32), family: 'IPv6' },
  };
}

/** RFC 5952 text for 16 address bytes (the longest run of zero groups shortened to "::"). */
function ipv6Text(raw: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(i * 2));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  // An IPv4-mapped address (::ffff:a.b.c.d) as Node writes it for dual-stack sockets.
  if (bestStart === 0 && bestLength === 5 && groups[5] === 0xffff)
    return `::ffff:${[...raw.subarray(12)].join('.')}`;
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function invalid(reason: string): HeaderParse {
  return { kind: 'invalid', reason };
}
