// Writes prisma/mysql/schema.prisma and prisma/sqlite/schema.prisma from prisma/schema.prisma.
// SQLite has no native column types, so every @db.* attribute is dropped there.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = readFileSync(join(root, 'prisma/schema.prisma'), 'utf8');
const banner =
  '// GENERATED from prisma/schema.prisma by scripts/derive-schemas.js: edit that file instead.\n';

for (const provider of ['mysql', 'sqlite']) {
  let text = source.replace('generated/PROVIDER', `generated/${provider}`);
  if (provider === 'sqlite') {
    text = text
      .replace('provider = "mysql"', 'provider = "sqlite"')
      .replace(/ @db\.[A-Za-z]+(\([^)]*\))?/g, '');
  }
  mkdirSync(join(root, 'prisma', provider), { recursive: true });
  writeFileSync(join(root, 'prisma', provider, 'schema.prisma'), banner + text);
}
