#!/usr/bin/env bash
# Install the Debian packages Prachum needs. Usage: system-deps.sh run|test
#   run:  the Thai font for official letters and PDF tools
#   test: also Chromium for the browser tests
set -euo pipefail
mode=${1:-run}
packages=(fonts-tlwg-laksaman-ttf poppler-utils gettext)
[ "$mode" = test ] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  if [ "$mode" = test ] && [ "${CI:-}" = true ]; then exit 1; fi
  echo "Continuing without them: notice letters need fonts-tlwg-laksaman-ttf." >&2
fi
