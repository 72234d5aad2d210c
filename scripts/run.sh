#!/usr/bin/env bash
# Start the web server (ASGI) and the background worker; stop both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
PY=.venv/bin/python
# Letters and e-mails link to this address.
export SITE_URL=${SITE_URL:-http://$HOST:$PORT}

.venv/bin/uvicorn config.asgi:application --host "$HOST" --port "$PORT" --log-level warning &
web=$!
$PY manage.py db_worker --interval 1 &
worker=$!
trap 'kill $web $worker 2>/dev/null; wait' INT TERM EXIT

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
echo "  worker  manage.py db_worker (pid $worker) — sends notice mail"
echo
cat var/demo-logins.txt 2>/dev/null || true
echo
echo "Press Ctrl-C to stop."
wait -n $web $worker
