#!/usr/bin/env bash
# Installs what callcore needs from Debian's packages when run as root on Debian; otherwise
# names what is missing and exits 1. Usage: scripts/install-deps.sh [--browser]
#   --browser  also Chromium, Firefox ESR (the cross-browser calls of tests/e2e/firefox.test.js,
#              driven by puppeteer-core over WebDriver BiDi), coturn (a TURN server), janus (the
#              SFU of the room e2e tests, tests/e2e/room.test.js) and kamailio with its websocket
#              module (the SIP registrar/proxy of tests/e2e/sip.test.js), for the e2e tests (not needed by
#              `npm run demo`).
set -euo pipefail

packages=(cmake g++ make emscripten nlohmann-json3-dev libfmt-dev catch2 clang libclang-rt-dev redis-server)
[[ "${1:-}" == "--browser" ]] && packages+=(chromium firefox-esr coturn janus kamailio kamailio-websocket-modules)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${missing[@]}" >/dev/null
  echo "installed: ${missing[*]}"
else
  echo "callcore needs these Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
