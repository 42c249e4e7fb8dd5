// RFC 5260: date parts of a header date or the current time, in a chosen zone.

export const DATE_PARTS = new Set([
  'year',
  'month',
  'day',
  'date',
  'julian',
  'hour',
  'minute',
  'second',
  'time',
  'iso8601',
  'std11',
  'zone',
  'weekday',
]);

/** "+hhmm" / "-hhmm" with hh <= 23 and mm <= 59. */
export function validZone(zone: string): boolean {
  return /^[+-](?:[01][0-9]|2[0-3])[0-5][0-9]$/.test(zone);
}

export function zoneOffsetMinutes(zone: string): number {
  const sign = zone[0] === '-' ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
}

function formatZone(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A moment with the zone it is shown in. */
export interface ZonedDate {
  utcMs: number;
  offsetMinutes: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const OBSOLETE_ZONES: Record<string, number> = {
  ut: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
};

/**
 * RFC 5322 3.3 date-time (with the obsolete forms); for Received the date after the last ";".
 * Null when it cannot be read, in which case the date test fails (RFC 5260 4.1).
 */
export function parseHeaderDate(value: string, header: string): ZonedDate | null {
  let text = value;
  if (header === 'received') {
    const semi = text.lastIndexOf(';');
    if (semi < 0) return null;
    text = text.slice(semi + 1);
  }
  text = text.replace(/\([^)]*\)/g, ' ').trim();
  const match =
    /^(?:[A-Za-z]{3}\s*,\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,5})?\s*$/.exec(
      text,
    );
  if (!match) return null;
  const [, dd, mon, yy, hh, mi, ss, zone] = match;
  const month = MONTHS.indexOf(mon.toLowerCase());
  if (month < 0) return null;
  let year = Number(yy);
  if (yy.length === 2) year += year < 50 ? 2000 : 1900;
  else if (yy.length === 3) year += 1900;
  const day = Number(dd);
  const hour = Number(hh);
  const minute = Number(mi);
  const second = ss ? Number(ss) : 0;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  if (zone && /^[+-]\d{4}$/.test(zone)) {
    if (Number(zone.slice(3, 5)) > 59) return null;
    offset = zoneOffsetMinutes(zone);
  } else if (zone) offset = OBSOLETE_ZONES[zone.toLowerCase()] ?? 0;
  const utcMs = Date.UTC(year, month, day, hour, minute, Math.min(second, 59)) - offset * 60_000;
  return { utcMs, offsetMinutes: offset };
}

/** The local (server) zone offset of a moment, as RFC 5260 uses when no :zone is given. */
export function localOffsetMinutes(at: Date): number {
  return -at.getTimezoneOffset();
}

/** RFC 5260 4.2: one date part of a moment shown in its zone. */
export function datePart(date: ZonedDate, part: string): string {
  const local = new Date(date.utcMs + date.offsetMinutes * 60_000);
  const year = pad(local.getUTCFullYear(), 4);
  const month = pad(local.getUTCMonth() + 1);
  const day = pad(local.getUTCDate());
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const zone = formatZone(date.offsetMinutes);
  switch (part.toLowerCase()) {
    case 'year':
      return year;
    case 'month':
      return month;
    case 'day':
      return day;
    case 'date':
      return `${year}-${month}-${day}`;
    case 'julian':
      // Modified Julian Day: days since 1858-11-17.
      return String(
        Math.floor(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) / 86_400_000) +
          40587,
      );
    case 'hour':
      return pad(local.getUTCHours());
    case 'minute':
      return pad(local.getUTCMinutes());
    case 'second':
      return pad(local.getUTCSeconds());
    case 'time':
      return time;
    case 'iso8601':
      return `${year}-${month}-${day}T${time}${zone.slice(0, 3)}:${zone.slice(3)}`;
    case 'std11':
      return `${DAYS[local.getUTCDay()]}, ${local.getUTCDate()} ${MONTHS[local.getUTCMonth()].replace(/^./, (c) => c.toUpperCase())} ${year} ${time} ${zone}`;
    case 'zone':
      return zone;
    case 'weekday':
      return String(local.getUTCDay());
    default:
      return '';
  }
}
