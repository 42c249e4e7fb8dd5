#!/usr/bin/env bash
# The project's side-by-side reference: Postfix (SMTP 11025) handing mail to Dovecot over LMTP
# (11024), Dovecot serving IMAP/IMAPS (11143/11993) and POP3/POP3S (11110/11995), all on loopback,
# from Debian's packages, under $REF_DIR (default $TMPDIR/postroom-ref). Users (bench/reference/
# paths.ts): alice, bob, testuser, bench1..bench100 @example.test, their passwords hashed with
# argon2id exactly as Postroom hashes them. Idempotent; prints what listens. Needs root.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BASE=${REF_DIR:-${TMPDIR:-/tmp}/postroom-ref}
REF=$BASE/dovecot
PF=$BASE/postfix

if ! [ -x /usr/lib/dovecot/imap ] || ! [ -x /usr/lib/dovecot/pop3 ] || ! [ -x /usr/lib/dovecot/lmtp ] ||
  ! command -v postfix >/dev/null || ! command -v smtp-source >/dev/null; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix bc >/dev/null
  service dovecot stop >/dev/null 2>&1 || true
  service postfix stop >/dev/null 2>&1 || true
fi

mkdir -p "$REF/run" "$REF/state" "$REF/mail" "$PF/conf" "$PF/spool" "$PF/data"
id vmail >/dev/null 2>&1 || useradd -r -M -d "$REF/mail" -s /usr/sbin/nologin vmail
chown -R vmail:vmail "$REF/mail"
[ -f "$REF/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -keyout "$REF/key.pem" \
  -out "$REF/cert.pem" -days 30 -subj "/CN=ref.example.test" 2>/dev/null

# Hashing 103 argon2id passwords takes a few seconds: only when the list or the hasher changed.
stamp=$(cat "$HERE/users.ts" "$HERE/paths.ts" "$ROOT/server/auth/password.ts" | sha256sum | cut -c1-16)
if [ "$(cat "$REF/users.stamp" 2>/dev/null)" != "$stamp" ]; then
  (cd "$ROOT" && node --import tsx bench/reference/users.ts) > "$REF/users.new"
  mv "$REF/users.new" "$REF/users"
  echo "$stamp" > "$REF/users.stamp"
fi

# Dovecot's auth cache with the lifetime of Postroom's verified-password cache: the same variable,
# POSTROOM_AUTH_CACHE_TTL (seconds, default 3600; 0 turns both off), and no negative entries, as
# Postroom keeps none. (Dovecot's cache keeps the passdb lookup and still verifies the password
# hash at every login; Postroom's skips the verification. README, Performance.)
AUTH_CACHE_TTL=${POSTROOM_AUTH_CACHE_TTL:-3600}
AUTH_CACHE_SIZE=10M
[ "$AUTH_CACHE_TTL" = 0 ] && AUTH_CACHE_SIZE=0
sed -e "s|@REF@|$REF|g" -e "s|@AUTH_CACHE_SIZE@|$AUTH_CACHE_SIZE|" -e "s|@AUTH_CACHE_TTL@|$AUTH_CACHE_TTL|" \
  "$HERE/dovecot.conf.tmpl" > "$REF/dovecot.conf.new"
if ! { [ -f "$REF/run/master.pid" ] && kill -0 "$(cat "$REF/run/master.pid")" 2>/dev/null; }; then
  mv "$REF/dovecot.conf.new" "$REF/dovecot.conf"
  dovecot -c "$REF/dovecot.conf"
elif ! cmp -s "$REF/dovecot.conf.new" "$REF/dovecot.conf"; then
  # A running Dovecot takes a changed configuration (the auth cache setting) without a restart.
  mv "$REF/dovecot.conf.new" "$REF/dovecot.conf"
  dovecot -c "$REF/dovecot.conf" reload
else
  rm "$REF/dovecot.conf.new"
fi

sed "s|@PF@|$PF|g" "$HERE/postfix-main.cf.tmpl" > "$PF/conf/main.cf"
if [ ! -f "$PF/conf/master.cf" ]; then
  cp /etc/postfix/master.cf "$PF/conf/master.cf"
  # Our own smtpd on 11025, no chroot (the private queue directory is outside /var/spool).
  sed -i 's/^smtp      inet  n       -       y       -       -       smtpd/127.0.0.1:11025      inet  n       -       n       -       -       smtpd/' "$PF/conf/master.cf"
  sed -i -E 's/^([a-z]+ +(unix|inet|fifo|unix-dgram) +[-ny] +[-ny] +)y/\1n/' "$PF/conf/master.cf"
  grep -q "^postlog" "$PF/conf/master.cf" ||
    echo "postlog   unix-dgram n  -       n       -       1       postlogd" >> "$PF/conf/master.cf"
fi
# Postfix insists that the default configuration names every alternate one.
printf 'compatibility_level = 3.6\nalternate_config_directories = %s/conf\ninet_interfaces = loopback-only\n' "$PF" \
  > /etc/postfix/main.cf
chown -R postfix:postfix "$PF/data"
postfix -c "$PF/conf" status >/dev/null 2>&1 || postfix -c "$PF/conf" start >/dev/null 2>&1

for _ in $(seq 1 50); do
  listening=$(ss -ltn | awk '{print $4}' | grep -cE ":1(1143|1993|1110|1995|1024|1025)$" || true)
  [ "$listening" -ge 6 ] && break
  sleep 0.1
done
ss -ltn | awk '{print $4}' | grep -E ":1(1143|1993|1110|1995|1024|1025)$" | tr '\n' ' '
echo
