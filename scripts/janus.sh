#!/usr/bin/env bash
# Start, stop or check Prachum's own Janus (never Debian's janus.service).
# Usage: scripts/janus.sh start|stop|status|restart
#   start   render var/janus/etc/*.jcfg from deploy/janus/ and the JANUS_* settings,
#           then run `janus -C var/janus/etc/janus.jcfg -F var/janus/etc` in the
#           background (pid in var/janus/janus.pid, log in var/janus/janus.log) and wait
#           until its API answers. Exit 3 when Janus is not installed.
#   stop    stop the Janus started here (by its pid file only).
#   status  exit 0 when running, 3 when not.
set -euo pipefail
# Recordings, logs and the pid file are for this user only (issue 15, F4): files
# 0600, folders 0700; Janus inherits the umask.
umask 077
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
VAR=${PRACHUM_VAR_DIR:-var}
RUN_DIR=$VAR/janus
ETC=$RUN_DIR/etc
PIDFILE=$RUN_DIR/janus.pid
LOG=$RUN_DIR/janus.log
HTTP_URL=${JANUS_HTTP_URL:-http://127.0.0.1:8088/janus}

pid_running() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  # Only the Janus started with our configuration counts.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-C $ETC/janus.jcfg"
}

api_answers() {
  "$PY" - "$HTTP_URL" <<'PYEOF'
import json, sys, urllib.request
request = urllib.request.Request(
    sys.argv[1], data=b'{"janus":"info","transaction":"ping"}',
    headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=1) as response:
    sys.exit(0 if json.load(response).get("janus") == "server_info" else 1)
PYEOF
}

disable_debian_unit() {
  # Debian's package starts its own Janus on 8088/8188 on every interface with
  # /etc/janus: on a systemd host, stop and disable it (as the guide says).
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null \
      && systemctl list-unit-files janus.service >/dev/null 2>&1; then
    if systemctl is-enabled --quiet janus.service 2>/dev/null \
        || systemctl is-active --quiet janus.service 2>/dev/null; then
      if [ "$(id -u)" = 0 ]; then
        echo "Disabling Debian's janus.service (Prachum runs its own Janus)"
        systemctl disable --now janus.service >/dev/null 2>&1 || true
      else
        echo "Debian's janus.service is running; stop it: sudo systemctl disable --now janus" >&2
      fi
    fi
  fi
}

start() {
  if ! command -v janus >/dev/null; then
    echo "Janus is not installed: sudo apt-get install janus janus-tools" >&2
    return 3
  fi
  if pid_running; then
    echo "Janus already running (pid $(cat "$PIDFILE"))"
    return 0
  fi
  disable_debian_unit
  mkdir -p "$RUN_DIR"
  "$PY" manage.py render_janus_config >/dev/null
  nohup janus -C "$ETC/janus.jcfg" -F "$ETC" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 50); do
    if api_answers 2>/dev/null; then
      echo "Janus running (pid $(cat "$PIDFILE"), log $LOG)"
      return 0
    fi
    pid_running || break
    sleep 0.2
  done
  echo "Janus did not start; the end of $LOG:" >&2
  tail -n 20 "$LOG" >&2 || true
  stop >/dev/null 2>&1 || true
  return 1
}

stop() {
  if ! pid_running; then
    rm -f "$PIDFILE"
    echo "Janus not running"
    return 0
  fi
  local pid
  pid=$(cat "$PIDFILE")
  kill "$pid"
  for _ in $(seq 1 50); do
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
  [ -d "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  echo "Janus stopped"
}

status() {
  if pid_running && api_answers 2>/dev/null; then
    echo "Janus running (pid $(cat "$PIDFILE"))"
    return 0
  fi
  echo "Janus not running"
  return 3
}

case "${1:-status}" in
  start) start ;;
  stop) stop ;;
  restart) stop && start ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
