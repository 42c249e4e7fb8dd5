import { defineConfig } from 'prisma/config';

// Prisma's native engines cannot be downloaded on offline machines; generate only checks that the
// schema engine path exists, so point it at node when no engine is present.
if (process.argv.includes('generate')) process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

export default defineConfig({
  schema: 'mysql/schema.prisma',
  migrations: { path: 'mysql/migrations' },
});
