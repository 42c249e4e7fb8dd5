# Postroom in a container: the supervisor (bin/postroom.js start) runs the web console and the mail
# worker as an unprivileged user. Listeners use the unprivileged default ports (2525, 2587, 2465,
# 2143, 2993, 2110, 2995, web 3000); map the standard ports onto them (docker-compose.yml), and
# clients are told the standard ones (README: POSTROOM_PUBLIC_*_PORT).
FROM node:20-bookworm-slim

# Compilers only for native modules without a prebuilt binary (better-sqlite3, argon2); tini reaps
# children and forwards SIGTERM to the supervisor.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/postroom
ENV NEXT_TELEMETRY_DISABLED=1

# The postinstall step generates the Prisma clients from prisma/, so the sources come first.
COPY . .
RUN npm ci --no-audit --no-fund && npm run build && npm cache clean --force

RUN groupadd --system postroom \
    && useradd --system --gid postroom --home-dir /var/lib/postroom --shell /usr/sbin/nologin postroom \
    && install -d -o postroom -g postroom -m 0700 /var/lib/postroom

ENV NODE_ENV=production \
    POSTROOM_DATA_DIR=/var/lib/postroom \
    POSTROOM_LISTEN=0.0.0.0 \
    PORT=3000

USER postroom
VOLUME ["/var/lib/postroom"]
# web, SMTP (MX), submission, submissions, IMAP, IMAPS, POP3, POP3S
EXPOSE 3000 2525 2587 2465 2143 2993 2110 2995

HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/postroom.js", "start"]
