#!/usr/bin/env bash
# Install the Debian packages Prachum needs. Usage: system-deps.sh run|test
#   run:  the Thai font for official letters, PDF tools, and Janus for audio/video
#         (without Janus, Prachum runs without media)
#         and espeak-ng + sox for the SIP gateway's Thai voice prompts (prachum-sipgw
#         speaks them from text; without them it cannot guide a telephone caller)
#   test: also Chromium for the browser tests; Janus is required there; and for the
#         SIP tests (tests/sip/): sip-tester (SIPp, the scripted telephone callers),
#         tcpdump (records what a caller heard: SIPp cannot save received RTP)
set -euo pipefail
mode=${1:-run}
media=(janus janus-tools libjs-janus-gateway libjs-webrtc-adapter ffmpeg)
speech=(espeak-ng sox)
packages=(fonts-tlwg-laksaman-ttf poppler-utils gettext "${media[@]}" "${speech[@]}")
[ "$mode" = test ] && packages+=(chromium sip-tester tcpdump)

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
  # Debian's package starts its own Janus (all interfaces, /etc/janus): Prachum runs
  # its own with its own configuration (scripts/janus.sh), so switch Debian's off.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl disable --now janus.service >/dev/null 2>&1 || true
  fi
else
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  if [ "$mode" = test ] && [ "${CI:-}" = true ]; then exit 1; fi
  echo "Continuing without them: notice letters need fonts-tlwg-laksaman-ttf," >&2
  echo "audio/video needs janus (without it Prachum runs without media)." >&2
fi
