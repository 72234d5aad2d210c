#!/usr/bin/env bash
# Start the web server (ASGI), the background worker and (with Janus and espeak-ng) the
# SIP gateway; stop them all on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
PY=.venv/bin/python
# Warnings and errors only on the terminal; LOG_LEVEL=INFO make run shows every task.
export LOG_LEVEL=${LOG_LEVEL:-WARNING}
# Letters and e-mails link to this address.
export SITE_URL=${SITE_URL:-http://$HOST:$PORT}
# A demonstration: log-in codes are shown on the code page, a red banner on every page
# says so. Never for real meetings (those need EMAIL_URL and DEMO_MODE=false).
export DEMO_MODE=${DEMO_MODE:-true}

# Audio/video: our own Janus on loopback when installed (make setup installs it with
# apt when run as root); otherwise Prachum runs without media.
media="off (Janus not installed: sudo apt-get install janus janus-tools libjs-janus-gateway libjs-webrtc-adapter ffmpeg)"
janus_started=
if command -v janus >/dev/null; then
  local_host=$HOST
  case $local_host in 0.0.0.0 | "::" | "[::]") local_host=127.0.0.1 ;; esac
  export JANUS_EVENTS_URL=${JANUS_EVENTS_URL:-http://$local_host:$PORT/internal/janus/events}
  if bash scripts/janus.sh start; then
    export JANUS_ENABLED=true
    janus_started=1
    media="on (Janus, log ${PRACHUM_VAR_DIR:-var}/janus/janus.log)"
  else
    media="off (Janus failed to start: see ${PRACHUM_VAR_DIR:-var}/janus/janus.log)"
  fi
fi

# Telephones and room systems (issue 17): the SIP gateway needs Janus (its AudioBridge)
# and espeak-ng (the Thai voice prompts). On by default when both are there, so the demo
# shows the dial-in lines (address, meeting code, personal PIN) on each member's meeting
# page; SIP_ENABLED=false make run leaves it off. The web process then watches the
# gateway's heartbeat (SIP_GATEWAY_WATCH defaults to SIP_ENABLED).
sip_port=${SIP_PORT:-5070}
sip_host=${SIP_HOST:-127.0.0.1}
if [ -z "$janus_started" ]; then
  sip_default=false
  sip="off (needs Janus: see media)"
elif ! command -v espeak-ng >/dev/null; then
  sip_default=false
  sip="off (espeak-ng not installed, no Thai voice prompts: sudo apt-get install espeak-ng sox)"
else
  sip_default=true
  sip="on (sip:<code>@$sip_host:$sip_port — PINs on each member's meeting page)"
fi
export SIP_ENABLED=${SIP_ENABLED:-$sip_default}
case ${SIP_ENABLED,,} in
  1 | true | yes | on) sip_wanted=1 ;;
  *)
    sip_wanted=
    if [ "$sip_default" = true ]; then sip="off (SIP_ENABLED=$SIP_ENABLED)"; fi
    ;;
esac
if [ -n "$sip_wanted" ] && [ "$sip_default" != true ]; then
  export SIP_ENABLED=false # asked for, but it cannot run here ($sip says why)
  sip_wanted=
fi

.venv/bin/uvicorn config.asgi:application --host "$HOST" --port "$PORT" --log-level warning &
web=$!
$PY manage.py worker --interval 1 &
worker=$!
sipgw=
if [ -n "$sip_wanted" ]; then
  $PY manage.py sipgw >/dev/null &
  sipgw=$!
fi
cleanup() {
  kill $web $worker $sipgw 2>/dev/null || true
  wait
  if [ -n "$janus_started" ]; then bash scripts/janus.sh stop >/dev/null; fi
}
trap cleanup INT TERM EXIT

for _ in $(seq 1 50); do
  if $PY - "$HOST" "$PORT" <<'PYEOF' 2>/dev/null; then break; fi
import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=0.2).close()
PYEOF
  sleep 0.2
done
echo
echo "Prachum is running:  http://$HOST:$PORT/"
echo "  web     uvicorn config.asgi:application (pid $web)"
echo "  worker  manage.py worker (pid $worker) — sends notice mail"
echo "  media   $media"
if [ -n "$sipgw" ]; then
  echo "  sip     $sip (manage.py sipgw, pid $sipgw)"
else
  echo "  sip     $sip"
fi
if [ -n "${EMAIL_URL:-}" ]; then
  echo "  mail    sent through EMAIL_URL"
else
  echo "  mail    not sent: kept in ${PRACHUM_VAR_DIR:-var}/outbox (operators read it at http://$HOST:$PORT/outbox/)"
fi
case ${DEMO_MODE,,} in
  1 | true | yes | on) echo "  demo    DEMO_MODE=true: log-in codes shown on the code page, red banner — not for real meetings" ;;
  *) echo "  demo    off" ;;
esac
echo
cat var/demo-logins.txt 2>/dev/null || true
echo
echo "Press Ctrl-C to stop."
# The web or the worker ending ends the run; a gateway that could not start said why
# on the terminal and the rest keeps running.
wait -n $web $worker
