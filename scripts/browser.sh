#!/usr/bin/env bash
# Makes sure the browser the console's real-browser tests drive is here: Debian's
# Chromium and its WebDriver (/usr/bin/chromium, /usr/bin/chromedriver). CI starts
# bare, so `make test` runs this; nothing is touched when both are installed.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "browser: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
  exit 0
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
echo "browser: installed $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
