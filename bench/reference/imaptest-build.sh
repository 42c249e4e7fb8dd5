#!/usr/bin/env bash
# Builds Dovecot's imaptest (not packaged by Debian) against Debian's Dovecot 2.3 libraries.
# usage: bench/reference/imaptest-build.sh SOURCE_DIR
#   SOURCE_DIR: a git clone of the public dovecot/imaptest repository. Prints the binary's path;
#   use it as IMAPTEST=... (its tests are in SOURCE_DIR/src/tests, for IMAPTEST_DIR).
# imaptest's main line follows Dovecot 2.4's library API; commit 924f619 (March 2022) is the last
# one that builds on 2.3 with a single change: imap_parser_create() takes a parameters argument.
set -euo pipefail
src=$(cd "${1:?usage: imaptest-build.sh SOURCE_DIR}" && pwd)
if [ ! -f /usr/lib/dovecot/dovecot-config ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-dev autoconf automake libtool pkg-config make gcc >/dev/null
fi
cd "$src"
git checkout -q -f 924f619
git clean -qfdx
grep -rl "imap_parser_create" src | xargs sed -i -E 's/imap_parser_create\(([^;]*)\);/imap_parser_create(\1, NULL);/'
./autogen.sh >/dev/null 2>&1
./configure --with-dovecot=/usr/lib/dovecot >/dev/null
make -j"$(nproc)" >/dev/null
echo "$src/src/imaptest"
