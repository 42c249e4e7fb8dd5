#!/usr/bin/env bash
# What the test suite needs besides npm packages, made ready on a fresh Debian machine: `npm test`
# runs this first (POSTROOM_TEST_SETUP=0 skips it). As root it installs and starts what is
# missing; as anyone else it stops at once with the exact command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v chromium >/dev/null || packages+=(chromium)
command -v swaks >/dev/null || packages+=(swaks)
command -v curl >/dev/null || packages+=(curl)
command -v openssl >/dev/null || packages+=(openssl)
command -v python3 >/dev/null || packages+=(python3)
command -v ss >/dev/null || packages+=(iproute2)
# A real ManageSieve client (RFC 5804) for the Sieve tests.
command -v sieve-connect >/dev/null || packages+=(sieve-connect)
# Pebble, a test ACME CA (RFC 8555), and its DNS stub, for the ACME certificate tests.
command -v pebble >/dev/null || packages+=(pebble)
# Real scanners for the content-scanning tests (the tests start them on private sockets).
[ -x /usr/sbin/clamd ] || packages+=(clamav-daemon)
[ -x /usr/bin/rspamd ] || packages+=(rspamd)
# The reference Postfix + Dovecot that the MIME cross-check tests compare against.
# (each by its own binary: another package that provides imap-server, such as cyrus-imapd, removes
# dovecot-imapd alone)
[ -x /usr/sbin/dovecot ] || packages+=(dovecot-core)
[ -x /usr/lib/dovecot/imap ] || packages+=(dovecot-imapd)
[ -x /usr/lib/dovecot/pop3 ] || packages+=(dovecot-pop3d)
[ -x /usr/lib/dovecot/lmtp ] || packages+=(dovecot-lmtpd)
command -v postfix >/dev/null || packages+=(postfix)
command -v bc >/dev/null || packages+=(bc)
# HAProxy in front of SMTP and IMAP with PROXY protocol v2 (the proxy-protocol tests start their own).
[ -x /usr/sbin/haproxy ] || packages+=(haproxy)
# A three-node Galera cluster on loopback for test/cluster (MariaDB's wsrep provider; rsync for SST).
[ -f /usr/lib/galera/libgalera_smm.so ] || packages+=(galera-4)
command -v rsync >/dev/null || packages+=(rsync)
command -v mariadb >/dev/null || packages+=(mariadb-client)
mysql_url=${POSTROOM_TEST_MYSQL_URL:-}
if [ -z "$mysql_url" ] && [ ! -x /usr/sbin/mariadbd ]; then packages+=(mariadb-server); fi

# Cyrus's imtest and pop3test, real clients that read the greeting the way Cyrus does. Installed
# without recommendations: cyrus-clients recommends cyrus-imapd, which would remove dovecot-imapd.
bare=()
[ -x /usr/lib/cyrus/bin/imtest ] || bare+=(cyrus-clients)

if [ ${#packages[@]} -gt 0 ] || [ ${#bare[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "The tests need Debian packages that are missing. Run this once, then npm test again:" >&2
    [ ${#packages[@]} -gt 0 ] &&
      echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages[*]}" >&2
    [ ${#bare[@]} -gt 0 ] &&
      echo "  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${bare[*]}" >&2
    exit 3
  fi
  echo "test set-up: installing ${packages[*]} ${bare[*]}"
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  [ ${#packages[@]} -gt 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  [ ${#bare[@]} -gt 0 ] &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${bare[@]}" >/dev/null
  # Their system services are not what the tests use: the tests and up.sh start private ones.
  for service in dovecot postfix clamav-daemon clamav-freshclam rspamd; do
    service "$service" stop >/dev/null 2>&1 || true
  done
fi

# MariaDB on 127.0.0.1:3306 unless the tests were pointed elsewhere.
if [ -z "$mysql_url" ]; then
  if ! mariadb -uroot -h127.0.0.1 -e 'SELECT 1' >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
      echo "MariaDB does not answer on 127.0.0.1:3306 as root with an empty password. Start it:" >&2
      echo "  sudo start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd" >&2
      exit 3
    fi
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    for _ in $(seq 1 60); do
      mariadb -uroot -h127.0.0.1 -e 'SELECT 1' >/dev/null 2>&1 && break
      sleep 0.5
    done
  fi
  # Large test messages travel as single packets; the default 16 MiB is too small for some.
  mariadb -uroot -h127.0.0.1 -e 'SET GLOBAL max_allowed_packet = 67108864' >/dev/null 2>&1 || true
  # npm test runs the MariaDB integration tests and the e2e tests at the same time, each process
  # with its pools: the default 151 connections ran out ("Too many connections").
  mariadb -uroot -h127.0.0.1 -e 'SET GLOBAL max_connections = GREATEST(@@max_connections, 1000)' \
    >/dev/null 2>&1 || true
fi

# The reference servers (needs root: they run as their own system users).
if [ "$(id -u)" = 0 ]; then
  bash bench/reference/up.sh >/dev/null || echo "test set-up: reference Postfix/Dovecot did not start; its cross-checks will be skipped"
fi
