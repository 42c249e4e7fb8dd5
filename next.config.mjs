// The console and webmail. Native and database packages stay outside the bundle; forbidden()
// (authInterrupts) gives domain admins a real 403 page when they reach another domain.
// Plain JavaScript, so `next start` needs no TypeScript transpiler for it (~18 MiB less in the web
// process); the stamp comes from the server build (scripts/build-server.js, made at install).
import { installForwardedHeaderStamp } from './dist/server/forwarded-headers.js';

// The `next start` process loads this file: from here on a client can no longer forge its
// address with X-Forwarded-For (POSTROOM_TRUSTED_PROXIES says who may set it).
installForwardedHeaderStamp();

/** @type {import('next').NextConfig} */
const config = {
  // Test runs serve a private copy of the build (test/e2e/helpers/app.ts), so a rebuild by a
  // parallel run cannot pull files from under a running server.
  distDir: process.env.POSTROOM_NEXT_DIST_DIR || '.next',
  reactStrictMode: true,
  poweredByHeader: false,
  serverExternalPackages: [
    '@prisma/adapter-better-sqlite3',
    '@prisma/adapter-mariadb',
    'mariadb',
    'better-sqlite3',
    '@node-rs/argon2',
    'bcryptjs',
    'imapflow',
    'nodemailer',
    'mailparser',
    'mailsplit',
    'libmime',
    'mailauth',
    'smtp-server',
    'sanitize-html',
    'selfsigned',
    // One metrics registry per process, however many bundles load server/ops/metrics.ts.
    'prom-client',
  ],
  experimental: {
    authInterrupts: true,
    // Load a page's server code on its first request, not every page's at start: a console
    // serves a few people a few pages, and the rest need not sit in memory (bench/startup.ts).
    preloadEntriesOnStart: false,
  },
  // Type-check only what the web app imports (the worker's files are checked by npm run typecheck).
  typescript: { tsconfigPath: 'tsconfig.next.json' },
  // Outlook asks with either spelling (Next's paths are case-sensitive): one handler serves both.
  async rewrites() {
    return [
      { source: '/Autodiscover/Autodiscover.xml', destination: '/autodiscover/autodiscover.xml' },
      { source: '/AutoDiscover/AutoDiscover.xml', destination: '/autodiscover/autodiscover.xml' },
    ];
  },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default config;
