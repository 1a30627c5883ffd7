#!/usr/bin/env bash
# `npm test` includes a browser check of the packet email in Debian's chromium, driven by
# playwright-core (a test tool's own browser download fails on this network). Install it when
# missing, so `npm test` works on a fresh machine of this project's kind.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
  echo "The email browser test needs $CHROMIUM: install Debian's chromium package (apt-get install chromium)." >&2
  exit 1
fi
echo "Installing Debian's chromium for the email browser test…" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
