// Which database a DATABASE_URL names: MariaDB/MySQL, or the embedded SQLite file by default.
import { join } from 'node:path';

export type Provider = 'mysql' | 'sqlite';

export interface DatabaseTarget {
  provider: Provider;
  /** mysql: the URL as given (mariadb:// normalised to mysql://); sqlite: an absolute file path. */
  location: string;
}

export function databaseTarget(databaseUrl: string | undefined, dataDir: string): DatabaseTarget {
  if (!databaseUrl) return { provider: 'sqlite', location: join(dataDir, 'postroom.db') };
  if (/^(mysql|mariadb):\/\//.test(databaseUrl)) {
    return { provider: 'mysql', location: databaseUrl.replace(/^mariadb:/, 'mysql:') };
  }
  if (databaseUrl.startsWith('file:')) return { provider: 'sqlite', location: databaseUrl.slice(5) };
  throw new Error(
    `DATABASE_URL must start with mysql://, mariadb:// or file:, got "${databaseUrl.split(':')[0]}:"`,
  );
}

/** Connection options for the mariadb driver from a mysql:// URL. */
export function mariadbOptions(url: string): {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
} {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password || ''),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
  };
}
